//! `shoulders.level`: both shoulders at the same height (angle of the shoulder line).

use super::{judged, person_or_skip, round1, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "shoulders.level";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.shoulders_level;
    let max = rule.params.max;
    let limit = format!("|shoulder line| ≤ {max}°");
    let person = match person_or_skip(m, ID, &limit) {
        Ok(person) => person,
        Err(skip) => return *skip,
    };
    let Some(tilt) = person.shoulder_tilt else {
        return skipped(
            ID,
            limit,
            Message::new(
                "画面中肩部露出太少，无法判断",
                "too little of the shoulders shows in the photo, so this cannot be judged",
            ),
        );
    };
    let ok = tilt.abs() <= max;
    let message = if ok {
        Message::new(
            format!("两肩等高 (倾斜 {:.0}°)", tilt.abs()),
            format!("the shoulders are level (tilt {:.0}°)", tilt.abs()),
        )
    } else {
        let (zh, en) = if tilt > 0.0 {
            ("画面右侧", "the image's right")
        } else {
            ("画面左侧", "the image's left")
        };
        Message::new(
            format!("两肩不一样高 ({zh}的肩膀低 {:.0}°)，需不超过 {max}°：请坐正，两肩放平", tilt.abs()),
            format!("the shoulders are not level ({en} shoulder is {:.0}° lower), at most {max}°: sit straight with both shoulders level", tilt.abs()),
        )
    };
    judged(ID, rule, ok, round1(tilt), limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn a_tilted_shoulder_line_is_flagged_and_an_unseen_one_skips() {
        // The profile makes this rule a warning.
        let with = |tilt: Option<f64>| {
            let mut m = compliant();
            m.person.as_mut().unwrap().shoulder_tilt = tilt;
            status_of(ID, &m)
        };
        assert_eq!(with(Some(-12.0)), Status::Warn);
        assert_eq!(with(Some(12.0)), Status::Warn);
        assert_eq!(with(Some(3.0)), Status::Pass);
        assert_eq!(with(None), Status::Skip);
    }
}
