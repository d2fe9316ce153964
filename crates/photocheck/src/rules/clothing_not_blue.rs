//! `clothing.not_blue`: the clothing is not the background's blue (CHSI refuses clothing
//! that merges with the backdrop).

use super::{judged, person_or_skip, round3, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "clothing.not_blue";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.clothing_not_blue;
    let s = &rule.params;
    let limit = format!("≤ {:.0}% of the clothing blue", s.max_share * 100.0);
    let person = match person_or_skip(m, ID, &limit) {
        Ok(person) => person,
        Err(skip) => return *skip,
    };
    let Some(share) = person.clothing_blue else {
        return skipped(
            ID,
            limit,
            Message::new(
                "照片中看不到衣服，无法判断",
                "no clothing shows in the photo, so this cannot be judged",
            ),
        );
    };
    let pct = (share * 100.0).round();
    let ok = share <= s.max_share;
    let message = if ok {
        Message::new(
            "衣服颜色与背景区分明显",
            "the clothing stands apart from the background",
        )
    } else {
        Message::new(
            format!("衣服 {pct:.0}% 是蓝色，易与蓝色背景混在一起：请换非蓝色系的衣服"),
            format!("{pct:.0}% of the clothing is blue and merges with a blue background: wear clothes that are not blue"),
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
    fn blue_clothing_fails_and_none_skips() {
        let mut m = compliant();
        m.person.as_mut().unwrap().clothing_blue = Some(0.6);
        assert_eq!(status_of(ID, &m), Status::Fail);
        m.person.as_mut().unwrap().clothing_blue = None;
        assert_eq!(status_of(ID, &m), Status::Skip);
    }
}
