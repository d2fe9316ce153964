//! `clothing.covered`: no strap tops or vests (请勿穿吊带、背心). Judged by bare skin on
//! the shoulders, just below the shoulder line. Hoods and fur collars are not looked for.

use super::{judged, person_or_skip, round3, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "clothing.covered";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.clothing_covered;
    let limit = format!(
        "≤ {:.0}% of the shoulders bare skin",
        rule.params.max * 100.0
    );
    let person = match person_or_skip(m, ID, &limit) {
        Ok(person) => person,
        Err(skip) => return *skip,
    };
    let too_dark = m
        .exposure
        .as_ref()
        .is_some_and(|e| e.mean_luma < p.rules.exposure_ok.params.min_mean_luma);
    if too_dark {
        return skipped(
            ID,
            limit,
            Message::new(
                "面部太暗，无法区分皮肤和衣服",
                "the face is too dark to tell skin from clothing",
            ),
        );
    }
    let Some(share) = person.bare_shoulders else {
        return skipped(
            ID,
            limit,
            Message::new(
                "照片中看不到肩膀，无法判断是否露肩",
                "the shoulders do not show, so bare shoulders cannot be judged",
            ),
        );
    };
    let pct = (share * 100.0).round();
    let ok = share <= rule.params.max;
    let message = if ok {
        Message::new("肩膀有衣服遮盖", "the shoulders are covered")
    } else {
        Message::new(
            format!("肩膀 {pct:.0}% 是裸露的皮肤：请勿穿吊带、背心，建议穿正装"),
            format!("{pct:.0}% of the shoulders is bare skin: no strap tops or vests; formal wear is best"),
        )
    };
    judged(ID, rule, ok, round3(share), limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn bare_shoulders_fail_and_unseen_shoulders_skip() {
        let with = |share: Option<f64>| {
            let mut m = compliant();
            m.person.as_mut().unwrap().bare_shoulders = share;
            status_of(ID, &m)
        };
        assert_eq!(with(Some(0.7)), Status::Fail);
        assert_eq!(with(Some(0.05)), Status::Pass);
        assert_eq!(with(None), Status::Skip);
        let mut dark = compliant();
        dark.person.as_mut().unwrap().bare_shoulders = Some(0.7);
        dark.exposure.as_mut().unwrap().mean_luma = 20.0;
        assert_eq!(status_of(ID, &dark), Status::Skip, "an under-exposed face");
    }
}
