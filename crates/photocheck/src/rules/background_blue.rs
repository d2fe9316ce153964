//! `background.blue`: the background is blue — inside the hue band, saturated enough, and
//! within a CIEDE2000 distance of one of the specification's reference blues.

use super::{judged, round1, skipped, Measurements};
use crate::measure::{chroma, delta_e, hue_degrees, lab_of};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "background.blue";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.background_blue;
    let s = &rule.params;
    let limit = format!(
        "ΔE2000 ≤ {} to a reference blue, hue {}–{}°, chroma ≥ {}",
        s.max_delta_e, s.hue_min, s.hue_max, s.min_chroma
    );
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
    let nearest = s
        .references
        .iter()
        .map(|r| delta_e(bg.median, lab_of(*r)))
        .fold(f64::INFINITY, f64::min);
    let (hue, c) = (hue_degrees(bg.median), chroma(bg.median));
    let ok =
        nearest <= s.max_delta_e && (s.hue_min..=s.hue_max).contains(&hue) && c >= s.min_chroma;
    let [r, g, b] = bg.median_rgb;
    let de = round1(nearest);
    let message = if ok {
        Message::new(
            format!("背景为蓝色 RGB({r},{g},{b})"),
            format!("the background is blue, RGB({r},{g},{b})"),
        )
    } else {
        Message::new(
            format!("背景颜色 RGB({r},{g},{b}) 不是规定的蓝色 (与参考蓝色差 ΔE {de})：请在蓝色背景前重拍"),
            format!("the background colour RGB({r},{g},{b}) is not the required blue (ΔE {de} from the nearest reference): retake it against a blue backdrop"),
        )
    };
    judged(ID, rule, ok, de, limit, message)
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
    fn no_background_is_skipped() {
        let mut m = compliant();
        m.background = None;
        assert_eq!(status_of(ID, &m), Status::Skip);
    }
}
