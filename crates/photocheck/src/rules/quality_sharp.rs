//! `quality.sharp`: the face is not blurred (Laplacian energy relative to contrast).

use super::{judged, no_face_reason, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "quality.sharp";

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.quality_sharp;
    let min = rule.params.min_sharpness;
    let Some(sharpness) = m.sharpness else {
        return skipped(ID, format!("≥ {min}"), no_face_reason(m));
    };
    let value = round2(sharpness);
    let ok = sharpness >= min;
    let message = if ok {
        Message::new(format!("清晰度 {value}"), format!("sharpness {value}"))
    } else {
        Message::new(
            format!("照片模糊 (清晰度 {value}，需至少 {min})：请对焦后重拍，勿放大小图"),
            format!("the photo is blurred (sharpness {value}, needs at least {min}): retake it in focus, do not enlarge a small image"),
        )
    };
    judged(ID, rule, ok, value, format!("≥ {min}"), message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn low_sharpness_fails() {
        let mut m = compliant();
        m.sharpness = Some(0.2);
        assert_eq!(status_of(ID, &m), Status::Fail);
        m.sharpness = None;
        assert_eq!(status_of(ID, &m), Status::Skip);
    }
}
