//! `format.jpeg`: the file is a real JPEG by content (baseline, or progressive if allowed).

use super::{judged, Measurements};
use crate::intake::Format;
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "format.jpeg";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.format_jpeg;
    let progressive_ok = rule.params.allow_progressive || !m.facts.progressive;
    let is_jpeg = m.facts.format == Format::Jpeg;
    let found = match (is_jpeg, m.facts.progressive) {
        (true, true) => "progressive jpeg".to_string(),
        (true, false) => "jpeg".to_string(),
        (false, _) => m.facts.format.name().to_string(),
    };
    let limit = if rule.params.allow_progressive {
        "JPEG (baseline or progressive)"
    } else {
        "baseline JPEG"
    };
    let message = if !is_jpeg {
        Message::new(
            format!("文件内容是 {}，需另存为 JPEG (.jpg)", found.to_uppercase()),
            format!(
                "the file is {}, not JPEG: save it as JPEG (.jpg)",
                found.to_uppercase()
            ),
        )
    } else if !progressive_ok {
        Message::new(
            "文件是渐进式 JPEG，需另存为基线 (baseline) JPEG",
            "the file is a progressive JPEG: save it as baseline JPEG",
        )
    } else {
        Message::new("文件为 JPEG 格式", "the file is a JPEG")
    };
    judged(
        ID,
        rule,
        is_jpeg && progressive_ok,
        found,
        limit.to_string(),
        message,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn png_fails() {
        let mut m = compliant();
        m.facts.format = Format::Png;
        assert_eq!(status_of(ID, &m), Status::Fail);
    }

    #[test]
    fn progressive_follows_the_profile() {
        let mut m = compliant();
        m.facts.progressive = true;
        assert_eq!(status_of(ID, &m), Status::Pass);
        let strict = Profile::from_overrides_str(
            "[rules.\"format.jpeg\"]\nallow_progressive = false\n",
            "t",
        )
        .unwrap();
        assert_eq!(check(&m, &strict).status, Status::Fail);
    }
}
