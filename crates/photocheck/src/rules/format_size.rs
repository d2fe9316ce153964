//! `format.size`: the pixel size the specification asks for (480 × 640 by default).

use super::{judged, Measurements};
use crate::profile::{Profile, SizeMode};
use crate::report::{CheckResult, Message};

pub const ID: &str = "format.size";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.format_size;
    let (want_w, want_h) = (rule.params.width, rule.params.height);
    let (w, h) = (m.width, m.height);
    let (ok, limit) = match rule.params.mode {
        SizeMode::Exact => (w == want_w && h == want_h, format!("{want_w}×{want_h}")),
        SizeMode::AtLeast => (
            w >= want_w && h >= want_h && w as u64 * want_h as u64 == h as u64 * want_w as u64,
            format!("≥ {want_w}×{want_h}, {want_w}:{want_h}"),
        ),
    };
    let message = if ok {
        Message::new(
            format!("尺寸 {w}×{h} 像素，符合要求"),
            format!("size {w}×{h} px is right"),
        )
    } else {
        Message::new(
            format!("图像尺寸为 {w}×{h} 像素，需 {limit} 像素 (宽×高)"),
            format!("the image is {w}×{h} px, needs {limit} px (width × height)"),
        )
    };
    judged(ID, rule, ok, format!("{w}×{h}"), limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn wrong_size_fails_and_says_both_sizes() {
        let mut m = compliant();
        (m.width, m.height) = (413, 531);
        let r = check(&m, &Profile::default());
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.zh.contains("413×531") && r.message.zh.contains("480×640"));
    }

    #[test]
    fn swapped_sides_fail() {
        let mut m = compliant();
        (m.width, m.height) = (640, 480);
        assert_eq!(status_of(ID, &m), Status::Fail);
    }

    #[test]
    fn at_least_mode_accepts_larger_same_ratio_only() {
        let p = Profile::from_overrides_str("[rules.\"format.size\"]\nmode = \"at_least\"\n", "t")
            .unwrap();
        let mut m = compliant();
        (m.width, m.height) = (960, 1280);
        assert_eq!(check(&m, &p).status, Status::Pass);
        (m.width, m.height) = (960, 1200);
        assert_eq!(check(&m, &p).status, Status::Fail);
        (m.width, m.height) = (300, 400);
        assert_eq!(check(&m, &p).status, Status::Fail);
    }
}
