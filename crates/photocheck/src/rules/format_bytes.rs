//! `format.bytes`: the file size window (a warning outside 20 KB – 2 MB by default).

use super::{judged, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "format.bytes";

fn kb(bytes: u64) -> String {
    format!("{:.0} KB", bytes as f64 / 1024.0)
}

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.format_bytes;
    let (min, max, size) = (rule.params.min_bytes, rule.params.max_bytes, m.facts.bytes);
    let limit = format!("{}–{}", kb(min), kb(max));
    let message = if size < min {
        Message::new(
            format!("文件 {}，小于 {}：请用更高质量保存", kb(size), kb(min)),
            format!(
                "the file is {}, under {}: save it at a higher quality",
                kb(size),
                kb(min)
            ),
        )
    } else if size > max {
        Message::new(
            format!(
                "文件 {}，大于 {}：请降低 JPEG 质量后保存",
                kb(size),
                kb(max)
            ),
            format!(
                "the file is {}, over {}: save it at a lower JPEG quality",
                kb(size),
                kb(max)
            ),
        )
    } else {
        Message::new(
            format!("文件大小 {}", kb(size)),
            format!("file size {}", kb(size)),
        )
    };
    judged(ID, rule, (min..=max).contains(&size), size, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn outside_the_window_warns_by_default() {
        let mut m = compliant();
        m.facts.bytes = 10_000;
        assert_eq!(status_of(ID, &m), Status::Warn);
        m.facts.bytes = 3_000_000;
        assert_eq!(status_of(ID, &m), Status::Warn);
    }

    #[test]
    fn a_school_can_make_it_fail() {
        let p = Profile::from_overrides_str(
            "[rules.\"format.bytes\"]\nseverity = \"fail\"\nmin_bytes = 40960\nmax_bytes = 102400\n",
            "t",
        )
        .unwrap();
        let mut m = compliant();
        m.facts.bytes = 30_000;
        assert_eq!(check(&m, &p).status, Status::Fail);
    }
}
