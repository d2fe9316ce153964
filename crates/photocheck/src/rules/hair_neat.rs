//! `hair.neat`: long hair lies behind the shoulders (女生长发放在肩膀后面). Short hair
//! passes (no hair beside the jaw); long hair is judged by the hair's own colour on the
//! person beside the neck, where it hangs when it is in front of the shoulders.

use super::{hair_skip, judged, person_or_skip, round3, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "hair.neat";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.hair_neat;
    let s = &rule.params;
    let limit = format!(
        "hair beside the jaw < {:.0}%, or ≤ {:.0}% of the person beside the neck in the hair's colour",
        s.min_long_hair * 100.0,
        s.max_hair_share * 100.0
    );
    let person = match person_or_skip(m, ID, &limit) {
        Ok(person) => person,
        Err(skip) => return *skip,
    };
    let cannot = |zh: &str, en: &str| skipped(ID, limit.clone(), Message::new(zh, en));
    if let Some(skip) = hair_skip(person, p, ID, &limit) {
        return skip;
    }
    if let Some(long) = person.long_hair.filter(|&share| share < s.min_long_hair) {
        let pct = (long * 100.0).round();
        return judged(
            ID,
            rule,
            true,
            round3(long),
            limit,
            Message::new(
                format!("头发没有垂过下巴 (下巴两侧 {pct:.0}% 是头发)"),
                format!("no hair falls past the jaw ({pct:.0}% of the jaw's sides is hair)"),
            ),
        );
    }
    let Some(clothing_from_hair) = person.clothing_from_hair else {
        return cannot(
            "照片中看不到肩膀外侧的衣服，无法判断长发是否在肩膀前面",
            "the clothing on the outer shoulders does not show, so whether long hair lies in front of the shoulders cannot be judged",
        );
    };
    if clothing_from_hair < s.min_clothing_hair_delta_e {
        return cannot(
            "衣服与头发颜色相近，无法判断长发是否在肩膀前面",
            "the clothing looks like the hair, so whether long hair lies in front of the shoulders cannot be judged",
        );
    }
    let Some(share) = person.hair_in_front else {
        return cannot(
            "肩膀位置在画面之外，无法判断",
            "the shoulders lie outside the photo, so this cannot be judged",
        );
    };
    let pct = (share * 100.0).round();
    let ok = share <= s.max_hair_share;
    let message = if ok {
        Message::new("肩膀前没有长发", "no long hair in front of the shoulders")
    } else {
        Message::new(
            format!("肩膀前 {pct:.0}% 是头发：请把长发放到肩膀后面"),
            format!("{pct:.0}% of the front of the shoulders is hair: put long hair behind the shoulders"),
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
    fn hair_in_front_warns_and_hair_like_clothing_skips() {
        let with = |share: Option<f64>, clothing_from_hair: Option<f64>| {
            let mut m = compliant();
            let person = m.person.as_mut().unwrap();
            person.long_hair = Some(0.9);
            person.hair_in_front = share;
            person.clothing_from_hair = clothing_from_hair;
            status_of(ID, &m)
        };
        assert_eq!(with(Some(0.5), Some(40.0)), Status::Warn);
        assert_eq!(with(Some(0.05), Some(40.0)), Status::Pass);
        assert_eq!(
            with(Some(0.5), Some(5.0)),
            Status::Skip,
            "black hair, black suit"
        );
        assert_eq!(with(Some(0.5), None), Status::Skip);
        assert_eq!(with(None, Some(40.0)), Status::Skip);
    }

    #[test]
    fn short_hair_passes_whatever_the_clothing() {
        let mut m = compliant();
        let person = m.person.as_mut().unwrap();
        person.long_hair = Some(0.1);
        person.hair_in_front = Some(0.9);
        person.clothing_from_hair = Some(3.0);
        assert_eq!(
            status_of(ID, &m),
            Status::Pass,
            "black hair cut short, black suit"
        );
    }
}
