//! `hair.dyed`: no dyed hair. Vivid colours (outside natural hair's hues, or far too
//! saturated) fail; light tints are a warning, since the notice lets them be tied back.

use super::{person_or_skip, round1, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message, Status};

pub const ID: &str = "hair.dyed";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.hair_dyed;
    let s = &rule.params;
    let limit = format!(
        "hue {}–{}° up to chroma {}, any hue up to {}; light tint: lightness > {} with chroma ≥ {}",
        s.natural_hue_min,
        s.natural_hue_max,
        s.vivid_chroma,
        s.max_chroma,
        s.light_lightness,
        s.tint_chroma
    );
    let person = match person_or_skip(m, ID, &limit) {
        Ok(person) => person,
        Err(skip) => return *skip,
    };
    let Some(hair) = &person.hair else {
        return skipped(
            ID,
            limit,
            Message::new(
                "头顶上方看不到头发，无法判断发色",
                "no hair shows above the forehead, so its colour cannot be judged",
            ),
        );
    };
    let (lightness, chroma, hue) = (hair.lightness(), hair.chroma(), hair.hue());
    let natural_hue = (s.natural_hue_min..=s.natural_hue_max).contains(&hue);
    let vivid = chroma > s.max_chroma || (!natural_hue && chroma > s.vivid_chroma);
    let light = lightness > s.light_lightness && chroma >= s.tint_chroma;
    let scalp = hair.from_skin <= s.scalp_delta_e;
    let value = serde_json::json!({
        "lightness": round1(lightness),
        "chroma": round1(chroma),
        "hue": hue.round(),
    });
    let (status, message) = if scalp {
        (
            Status::Pass,
            Message::new(
                "头顶为皮肤颜色 (光头或短发)，未见染发",
                "the top of the head is skin-coloured (bald or shaved): no dyed hair",
            ),
        )
    } else if vivid {
        (
            Status::Fail,
            Message::new(
                "头发颜色夸张，疑似染发：染发色彩夸张的学生不能采集，请恢复自然发色后再拍",
                "the hair has an exaggerated colour, probably dyed: such photos are refused; restore a natural colour and retake",
            ),
        )
    } else if light {
        (
            Status::Warn,
            Message::new(
                "头发颜色偏浅，疑似染发：轻微染色请把头发扎成马尾",
                "the hair is a light colour, perhaps dyed: with a light tint, tie the hair into a ponytail",
            ),
        )
    } else {
        (
            Status::Pass,
            Message::new("发色自然", "natural hair colour"),
        )
    };
    CheckResult {
        id: ID.to_string(),
        status,
        value,
        limit,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::person_measures::HairColour;
    use palette::Lab;

    fn with(lightness: f64, chroma: f64, hue: f64, from_skin: f64) -> Status {
        let mut m = compliant();
        let (sin, cos) = hue.to_radians().sin_cos();
        let lab = Lab::new(
            lightness as f32,
            (chroma * cos) as f32,
            (chroma * sin) as f32,
        );
        m.person.as_mut().unwrap().hair = Some(HairColour { lab, from_skin });
        status_of(ID, &m)
    }

    #[test]
    fn vivid_colours_fail_light_tints_warn_natural_hair_passes() {
        assert_eq!(with(10.0, 3.0, 300.0, 40.0), Status::Pass, "black");
        assert_eq!(with(30.0, 18.0, 55.0, 30.0), Status::Pass, "brown");
        assert_eq!(with(70.0, 2.0, 90.0, 30.0), Status::Pass, "grey");
        assert_eq!(with(50.0, 40.0, 340.0, 40.0), Status::Fail, "pink");
        assert_eq!(with(40.0, 30.0, 270.0, 40.0), Status::Fail, "blue");
        assert_eq!(with(45.0, 55.0, 40.0, 30.0), Status::Fail, "vivid red");
        assert_eq!(with(75.0, 20.0, 80.0, 25.0), Status::Warn, "blond");
        assert_eq!(
            with(67.0, 30.0, 58.0, 5.0),
            Status::Pass,
            "a bald head is the face's colour"
        );
    }

    #[test]
    fn no_hair_seen_is_a_skip() {
        let mut m = compliant();
        m.person.as_mut().unwrap().hair = None;
        assert_eq!(status_of(ID, &m), Status::Skip);
    }
}
