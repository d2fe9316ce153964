//! `mouth.no_teeth`: a closed-lip smile is fine, visible teeth are not.

use super::{face_or_skip, judged, round3, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "mouth.no_teeth";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.mouth_no_teeth;
    let max = rule.params.max;
    let limit = format!("teeth ≤ {max}");
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let v = round3(f.teeth);
    let ok = f.teeth <= max;
    let message = if ok {
        Message::new("未露出牙齿", "no teeth showing")
    } else {
        Message::new(
            "露出了牙齿：可以微笑，但请闭上嘴唇",
            "teeth are showing: a smile is fine, but keep the lips closed",
        )
    };
    judged(ID, rule, ok, v, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn teeth_fail() {
        let mut m = compliant();
        m.face.as_mut().unwrap().teeth = 0.3;
        assert_eq!(status_of(ID, &m), Status::Fail);
    }
}
