//! `background.blue`: the background is one of the profile's allowed colours (blue by
//! default; white or light grey where a profile allows them): within a CIEDE2000 distance of
//! one of the colour's references and, where the colour says so, inside its hue band and
//! chroma window. The report names the colour matched.

use super::{judged, round1, skipped, Measurements};
use crate::measure::{chroma, delta_e, hue_degrees, lab_of};
use crate::profile::{BackdropColour, Profile};
use crate::report::{CheckResult, Message};
use palette::Lab;

pub const ID: &str = "background.blue";

/// The distance from `colour`'s nearest reference, and whether `lab` is that colour.
fn matches(lab: Lab, colour: &BackdropColour) -> (f64, bool) {
    let nearest = colour
        .references
        .iter()
        .map(|r| delta_e(lab, lab_of(*r)))
        .fold(f64::INFINITY, f64::min);
    let (hue, c) = (hue_degrees(lab), chroma(lab));
    let in_band = match (colour.hue_min, colour.hue_max) {
        (Some(min), Some(max)) => (min..=max).contains(&hue),
        _ => true,
    };
    let ok = nearest <= colour.max_delta_e
        && in_band
        && colour.min_chroma.is_none_or(|min| c >= min)
        && colour.max_chroma.is_none_or(|max| c <= max);
    (nearest, ok)
}

fn describe(name: &str, colour: &BackdropColour) -> String {
    let mut parts = vec![format!("{name}: ΔE2000 ≤ {}", colour.max_delta_e)];
    if let (Some(min), Some(max)) = (colour.hue_min, colour.hue_max) {
        parts.push(format!("hue {min}–{max}°"));
    }
    if let Some(min) = colour.min_chroma {
        parts.push(format!("chroma ≥ {min}"));
    }
    if let Some(max) = colour.max_chroma {
        parts.push(format!("chroma ≤ {max}"));
    }
    parts.join(", ")
}

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.background_blue;
    let s = &rule.params;
    let allowed: Vec<(&str, &BackdropColour)> = s
        .allowed
        .iter()
        .map(|name| (name.as_str(), &s.colours[name]))
        .collect();
    let limit = allowed
        .iter()
        .map(|(name, colour)| describe(name, colour))
        .collect::<Vec<_>>()
        .join("; or ");
    let Some(bg) = &m.background else {
        return skipped(
            ID,
            limit,
            Message::new(
                "未找到背景区域，无法判断背景颜色",
                "no background region was found: the background colour cannot be judged",
            ),
        );
    };
    let judged_colours: Vec<(&str, &BackdropColour, f64, bool)> = allowed
        .iter()
        .map(|(name, colour)| {
            let (distance, ok) = matches(bg.median, colour);
            (*name, *colour, distance, ok)
        })
        .collect();
    let by_distance = |a: &&(&str, &BackdropColour, f64, bool),
                       b: &&(&str, &BackdropColour, f64, bool)| {
        a.2.total_cmp(&b.2)
    };
    let matched = judged_colours.iter().filter(|c| c.3).min_by(by_distance);
    let nearest = matched
        .or_else(|| judged_colours.iter().min_by(by_distance))
        .expect("a profile allows at least one colour (validated)");
    let [r, g, b] = bg.median_rgb;
    let (name, colour, distance) = (nearest.0, nearest.1, nearest.2);
    let de = round1(distance);
    let wanted_zh = allowed
        .iter()
        .map(|(_, c)| c.zh.as_str())
        .collect::<Vec<_>>()
        .join("或");
    let wanted_en = allowed
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(" or ");
    let message = if matched.is_some() {
        Message::new(
            format!("背景为{} RGB({r},{g},{b})", colour.zh),
            format!("the background is {name}, RGB({r},{g},{b})"),
        )
    } else {
        Message::new(
            format!("背景颜色 RGB({r},{g},{b}) 不是规定的{wanted_zh} (与最接近的{}差 ΔE {de})：请在{wanted_zh}背景前重拍", colour.zh),
            format!("the background colour RGB({r},{g},{b}) is not the required {wanted_en} (ΔE {de} from {name}): retake it against a {wanted_en} backdrop"),
        )
    };
    judged(ID, rule, matched.is_some(), de, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    fn with_background(rgb: [u8; 3]) -> Measurements {
        let mut m = compliant();
        let bg = m.background.as_mut().unwrap();
        bg.median = lab_of(rgb);
        bg.median_rgb = rgb;
        m
    }

    #[test]
    fn reference_and_common_blues_pass() {
        for rgb in [
            [100, 197, 255],
            [0, 163, 230],
            [51, 143, 178],
            [0, 191, 243],
            [67, 142, 219],
        ] {
            assert_eq!(
                status_of(ID, &with_background(rgb)),
                Status::Pass,
                "{rgb:?}"
            );
        }
    }

    #[test]
    fn other_colours_fail() {
        for rgb in [
            [233, 51, 35],
            [128, 128, 128],
            [255, 255, 255],
            [40, 180, 60],
            [210, 215, 225],
        ] {
            assert_eq!(
                status_of(ID, &with_background(rgb)),
                Status::Fail,
                "{rgb:?}"
            );
        }
    }

    #[test]
    fn a_white_backdrop_passes_where_white_is_allowed_and_names_the_colour() {
        let white = Profile::preset("white").unwrap();
        let standard = Profile::preset("standard-2017").unwrap();
        let judge = |rgb: [u8; 3], p: &Profile| check(&with_background(rgb), p);
        for rgb in [[255, 255, 255], [236, 236, 236], [210, 212, 214]] {
            let r = judge(rgb, &white);
            assert_eq!(r.status, Status::Pass, "{rgb:?}: {}", r.message.en);
            assert_eq!(judge(rgb, &standard).status, Status::Pass, "{rgb:?}");
            assert_eq!(
                status_of(ID, &with_background(rgb)),
                Status::Fail,
                "{rgb:?} under the notice"
            );
        }
        assert!(judge([255, 255, 255], &white).message.zh.contains("白色"));
        assert!(judge([215, 215, 215], &white).message.zh.contains("浅灰色"));
        // Blue is the standard's too, but not the white preset's; grey and cream are neither's.
        assert_eq!(judge([100, 197, 255], &standard).status, Status::Pass);
        let blue = judge([100, 197, 255], &white);
        assert_eq!(blue.status, Status::Fail);
        assert!(
            blue.message.zh.contains("白色或浅灰色"),
            "{}",
            blue.message.zh
        );
        for rgb in [[160, 160, 160], [235, 224, 214]] {
            assert_eq!(judge(rgb, &white).status, Status::Fail, "{rgb:?}");
        }
    }

    #[test]
    fn no_background_is_skipped() {
        let mut m = compliant();
        m.background = None;
        assert_eq!(status_of(ID, &m), Status::Skip);
    }
}
