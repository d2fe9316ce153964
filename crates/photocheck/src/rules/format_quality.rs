//! `format.quality`: JPEG quality estimated from the quantisation tables (at least 60).

use super::{judged, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "format.quality";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.format_quality;
    let min = rule.params.min_quality;
    let limit = format!("≥ {min}");
    let Some(q) = m.facts.jpeg_quality else {
        return skipped(
            ID,
            limit,
            Message::new(
                "不是 JPEG 文件，无法估计压缩质量",
                "not a JPEG file: its compression quality cannot be estimated",
            ),
        );
    };
    let ok = q >= min;
    let message = if ok {
        Message::new(
            format!("JPEG 质量约 {q:.0}"),
            format!("JPEG quality about {q:.0}"),
        )
    } else {
        Message::new(
            format!("JPEG 压缩质量约 {q:.0}，需至少 {min}：请用更高质量重新保存原图"),
            format!("JPEG quality is about {q:.0}, needs at least {min}: save the original again at a higher quality"),
        )
    };
    judged(ID, rule, ok, q, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn low_quality_fails_and_png_is_skipped() {
        let mut m = compliant();
        m.facts.jpeg_quality = Some(35.0);
        assert_eq!(status_of(ID, &m), Status::Fail);
        m.facts.jpeg_quality = Some(60.0);
        assert_eq!(status_of(ID, &m), Status::Pass);
        m.facts.jpeg_quality = None;
        assert_eq!(status_of(ID, &m), Status::Skip);
    }
}
