//! `exposure.ok`: neither under- nor over-exposed (the face's mean luma and clipped pixels,
//! and coloured surfaces blown anywhere in the photo).

use super::{judged, no_face_reason, round1, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "exposure.ok";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.exposure_ok;
    let s = &rule.params;
    let limit = format!(
        "mean luma {}–{}, clipped ≤ {:.0}%, colour-clipped ≤ {:.0}%",
        s.min_mean_luma,
        s.max_mean_luma,
        s.max_clipped_fraction * 100.0,
        s.max_colour_clipped * 100.0
    );
    let Some(e) = &m.exposure else {
        return skipped(ID, limit, no_face_reason(m));
    };
    let mean = round1(e.mean_luma);
    let dark = e.mean_luma < s.min_mean_luma || e.clipped_low > s.max_clipped_fraction;
    let bright = e.mean_luma > s.max_mean_luma || e.clipped_high > s.max_clipped_fraction;
    let colour_blown = m.colour_clipped > s.max_colour_clipped;
    let pct = |f: f64| format!("{:.0}%", f * 100.0);
    let message = if dark {
        Message::new(
            format!("照片曝光不足 (平均亮度 {mean}，纯黑像素 {})：请在光线充足处重拍", pct(e.clipped_low)),
            format!("the photo is under-exposed (mean luma {mean}, {} black pixels): retake it in better light", pct(e.clipped_low)),
        )
    } else if bright {
        Message::new(
            format!("照片曝光过度 (平均亮度 {mean}，过曝像素 {})：请减弱光线或闪光后重拍", pct(e.clipped_high)),
            format!("the photo is over-exposed (mean luma {mean}, {} blown-out pixels): retake it with softer light", pct(e.clipped_high)),
        )
    } else if colour_blown {
        let blown = pct(m.colour_clipped);
        Message::new(
            format!("照片曝光过度 (画面 {blown} 的像素颜色过曝失真，如背景变成青白色)：请减弱光线或降低曝光后重拍"),
            format!("the photo is over-exposed ({blown} of its pixels have colours blown out, e.g. a backdrop turned cyan-white): retake it with less light or exposure"),
        )
    } else {
        Message::new(
            format!("曝光正常 (平均亮度 {mean})"),
            format!("exposure is fine (mean luma {mean})"),
        )
    };
    judged(
        ID,
        rule,
        !dark && !bright && !colour_blown,
        mean,
        limit,
        message,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn dark_bright_and_clipped_fail() {
        let with = |change: fn(&mut crate::measure::Exposure)| {
            let mut m = compliant();
            change(m.exposure.as_mut().unwrap());
            status_of(ID, &m)
        };
        assert_eq!(with(|e| e.mean_luma = 30.0), Status::Fail);
        assert_eq!(with(|e| e.mean_luma = 235.0), Status::Fail);
        assert_eq!(with(|e| e.clipped_high = 0.3), Status::Fail);
        assert_eq!(with(|e| e.clipped_low = 0.3), Status::Fail);
        let mut m = compliant();
        m.colour_clipped = 0.3;
        assert_eq!(status_of(ID, &m), Status::Fail);
        let mut m = compliant();
        m.exposure = None;
        assert_eq!(status_of(ID, &m), Status::Skip);
    }
}
