//! `ears.visible`: both ears show. A head turned sideways hides the far ear behind the
//! cheek (judged by the face's yaw); hair over an ear is judged by the hair's own colour in
//! the band beside each cheek where the ear should be. With the optional face-parsing model,
//! hair in that band is forgiven where the model sees an ear on both sides of the face (long
//! hair close behind a visible ear reads as hair over it).

use super::{hair_skip, judged, person_or_skip, round1, round3, round5, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "ears.visible";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.ears_visible;
    let s = &rule.params;
    let mut limit = format!(
        "turned ≤ {}°, ≤ {:.0}% of each ear band in the hair's colour (ΔE {})",
        s.max_yaw,
        s.max_hair_share * 100.0,
        s.hair_delta_e
    );
    if m.parts.is_some() {
        limit += &format!(
            ", or face parsing: each side's ear ≥ {:.2}% of the head crop",
            s.min_parsed_ear * 100.0
        );
    }
    let parsed_ear = m.parts.map(|p| round5(p.smaller_ear));
    let yaw = m.face.as_ref().map(|f| f.yaw.abs());
    if let Some(yaw) = yaw {
        if yaw > s.max_yaw {
            let message = Message::new(
                format!("头部侧转 {yaw:.0}°，远侧的耳朵被脸挡住：请正对镜头，露出双耳"),
                format!("the head is turned {yaw:.0}° sideways, so the far ear is hidden behind the face: face the camera so both ears show"),
            );
            let value =
                serde_json::json!({"yaw": round1(yaw), "hair": null, "parsed_ear": parsed_ear});
            return judged(ID, rule, false, value, limit, message);
        }
    }
    let person = match person_or_skip(m, ID, &limit) {
        Ok(person) => person,
        Err(skip) => return *skip,
    };
    if let Some(skip) = hair_skip(person, p, ID, &limit) {
        return skip;
    }
    let Some(share) = person.ear_hair else {
        return skipped(
            ID,
            limit,
            Message::new(
                "耳朵位置在画面之外，无法判断",
                "where the ears should be lies outside the photo, so this cannot be judged",
            ),
        );
    };
    let pct = (share * 100.0).round();
    let hair_clear = share <= s.max_hair_share;
    let ears_parsed = m.parts.is_some_and(|p| p.smaller_ear >= s.min_parsed_ear);
    let message = if hair_clear {
        Message::new("双耳露出", "both ears show")
    } else if ears_parsed {
        Message::new(
            "双耳露出（耳旁的头发在耳后）",
            "both ears show (the hair beside them lies behind them)",
        )
    } else {
        Message::new(
            format!("耳朵位置 {pct:.0}% 是头发：请把头发别到耳后，露出双耳"),
            format!("{pct:.0}% of where an ear should be is hair: tuck the hair behind the ears so both show"),
        )
    };
    let value = serde_json::json!({"yaw": yaw.map(round1), "hair": round3(share), "parsed_ear": parsed_ear});
    judged(ID, rule, hair_clear || ears_parsed, value, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{clean_parts, compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn hair_over_an_ear_fails_and_hair_like_skin_skips() {
        let with = |share: Option<f64>, from_skin: f64| {
            let mut m = compliant();
            let person = m.person.as_mut().unwrap();
            person.ear_hair = share;
            person.hair.as_mut().unwrap().from_skin = from_skin;
            status_of(ID, &m)
        };
        assert_eq!(with(Some(0.6), 40.0), Status::Fail);
        assert_eq!(with(Some(0.05), 40.0), Status::Pass);
        assert_eq!(with(None, 40.0), Status::Skip);
        assert_eq!(with(Some(0.6), 5.0), Status::Skip, "bald: hair is skin");
    }

    #[test]
    fn hair_beside_an_ear_passes_only_where_parsing_sees_both_ears() {
        let with = |parsed_ear: Option<f64>| {
            let mut m = compliant();
            m.person.as_mut().unwrap().ear_hair = Some(0.6);
            m.parts = parsed_ear.map(|smaller_ear| crate::analysis::PartShares {
                smaller_ear,
                ..clean_parts()
            });
            status_of(ID, &m)
        };
        let least = crate::profile::Profile::default()
            .rules
            .ears_visible
            .params
            .min_parsed_ear;
        assert_eq!(with(None), Status::Fail, "no parsing: the hair decides");
        assert_eq!(with(Some(least * 2.0)), Status::Pass);
        assert_eq!(with(Some(0.0)), Status::Fail, "one ear unseen");
    }

    #[test]
    fn a_turned_head_fails_even_where_the_hair_cannot_be_read() {
        let turned = |yaw: f64, from_skin: f64| {
            let mut m = compliant();
            m.face.as_mut().unwrap().yaw = yaw;
            let person = m.person.as_mut().unwrap();
            person.ear_hair = Some(0.0);
            person.hair.as_mut().unwrap().from_skin = from_skin;
            status_of(ID, &m)
        };
        let limit = crate::profile::Profile::default()
            .rules
            .ears_visible
            .params
            .max_yaw;
        assert_eq!(turned(-(limit + 5.0), 40.0), Status::Fail, "turned left");
        assert_eq!(turned(limit + 5.0, 5.0), Status::Fail, "turned, bald");
        assert_eq!(turned(limit - 5.0, 40.0), Status::Pass);
    }
}
