//! `mouth.no_teeth`: a closed-lip smile is fine, visible teeth are not. Teeth are the
//! teeth-coloured share of the inner mouth; with the optional face-parsing model, the open
//! mouth it finds between the lips decides instead.

use super::{face_or_skip, judged, round3, round5, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "mouth.no_teeth";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.mouth_no_teeth;
    let s = &rule.params;
    let limit = match m.parts {
        Some(_) => format!(
            "open mouth ≤ {:.2}% of the head crop (face parsing)",
            s.max_parsed_inner_mouth * 100.0
        ),
        None => format!("teeth ≤ {}", s.max),
    };
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let (ok, value) = match m.parts {
        Some(parts) => (
            parts.inner_mouth <= s.max_parsed_inner_mouth,
            serde_json::json!({
                "teeth": round3(f.teeth),
                "parsed_inner_mouth": round5(parts.inner_mouth),
            }),
        ),
        None => (f.teeth <= s.max, serde_json::json!(round3(f.teeth))),
    };
    let message = if ok {
        Message::new("未露出牙齿", "no teeth showing")
    } else {
        Message::new(
            "露出了牙齿：可以微笑，但请闭上嘴唇",
            "teeth are showing: a smile is fine, but keep the lips closed",
        )
    };
    judged(ID, rule, ok, value, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{clean_parts, compliant, status_of};
    use super::*;
    use crate::analysis::PartShares;
    use crate::report::Status;

    #[test]
    fn teeth_fail() {
        let mut m = compliant();
        m.face.as_mut().unwrap().teeth = 0.3;
        assert_eq!(status_of(ID, &m), Status::Fail);
    }

    #[test]
    fn with_face_parts_the_open_mouth_decides_alone() {
        let limit = Profile::default()
            .rules
            .mouth_no_teeth
            .params
            .max_parsed_inner_mouth;
        let with = |teeth: f64, inner_mouth: f64| {
            let mut m = compliant();
            m.face.as_mut().unwrap().teeth = teeth;
            m.parts = Some(PartShares {
                inner_mouth,
                ..clean_parts()
            });
            status_of(ID, &m)
        };
        assert_eq!(with(0.0, limit * 2.0), Status::Fail, "an open mouth");
        assert_eq!(with(0.3, 0.0), Status::Pass, "teeth-coloured lips, closed");
        assert_eq!(with(0.0, limit / 2.0), Status::Pass);
    }
}
