//! `accessories.none`: no scarf, hat, necklace, earrings or hair clips (围巾、帽子、项链、
//! 耳饰和发卡). Only earrings are looked for: small, bright, colourless highlights below
//! both ear lobes. Hats, scarves, necklaces and clips are not.

use super::{judged, person_or_skip, round3, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "accessories.none";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.accessories_none;
    let limit = format!(
        "≤ {:.1}% of the window below each ear lobe in highlights",
        rule.params.max * 100.0
    );
    let person = match person_or_skip(m, ID, &limit) {
        Ok(person) => person,
        Err(skip) => return *skip,
    };
    let Some(share) = person.earrings else {
        return skipped(
            ID,
            limit,
            Message::new(
                "耳垂下方不在照片内，无法判断是否佩戴耳饰",
                "the photo does not show below the ear lobes, so earrings cannot be judged",
            ),
        );
    };
    let ok = share <= rule.params.max;
    let message = if ok {
        Message::new(
            "耳垂下方未见耳饰（帽子、围巾、项链和发卡未检查，请目视确认）",
            "no earrings below the ear lobes (hats, scarves, necklaces and clips are not checked: look)",
        )
    } else {
        Message::new(
            "两侧耳垂下方都有小而亮的饰物：请摘下耳环、耳钉等耳饰后重新拍照",
            "small bright objects below both ear lobes: take off earrings and studs and retake the photo",
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
    fn highlights_below_both_lobes_fail_and_unseen_lobes_skip() {
        let with = |share: Option<f64>| {
            let mut m = compliant();
            m.person.as_mut().unwrap().earrings = share;
            status_of(ID, &m)
        };
        assert_eq!(with(Some(0.03)), Status::Fail);
        assert_eq!(with(Some(0.001)), Status::Pass);
        assert_eq!(with(None), Status::Skip);
    }
}
