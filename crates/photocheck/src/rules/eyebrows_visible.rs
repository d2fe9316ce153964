//! `eyebrows.visible`: nothing covers the eyebrows (hair, a hat) — the skin just above
//! them is about as bright as the cheeks.

use super::{face_or_skip, judged, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "eyebrows.visible";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.eyebrows_visible;
    let min = rule.params.min;
    let limit = format!("brow clearance ≥ {min}");
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let v = (f.brow_clearance * 100.0).round() / 100.0;
    let ok = f.brow_clearance >= min;
    let message = if ok {
        Message::new("眉毛露出", "the eyebrows show")
    } else {
        Message::new(
            "眉毛被头发或其他物品遮挡：请把刘海梳起，露出眉毛",
            "the eyebrows are covered by hair or something else: comb the fringe away so they show",
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
    fn dark_band_over_the_brows_fails() {
        let mut m = compliant();
        m.face.as_mut().unwrap().brow_clearance = 0.3;
        assert_eq!(status_of(ID, &m), Status::Fail);
    }
}
