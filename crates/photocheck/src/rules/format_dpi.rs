//! `format.dpi`: the resolution recorded in the file (300 dpi by default).

use super::{judged, round1, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "format.dpi";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.format_dpi;
    let (min, max) = (rule.params.min_dpi, rule.params.max_dpi);
    let limit = if min == max {
        format!("{min} dpi")
    } else {
        format!("{min}–{max} dpi")
    };
    let Some((x, y)) = m.facts.dpi else {
        return judged(
            ID,
            rule,
            false,
            serde_json::Value::Null,
            limit.clone(),
            Message::new(
                format!("文件未记录分辨率 (DPI)，需设为 {limit}"),
                format!("the file records no resolution (DPI): set it to {limit}"),
            ),
        );
    };
    // Resolutions in dots per cm convert to fractional dpi: half a dot of tolerance.
    let inside = |v: f64| v >= min - 0.5 && v <= max + 0.5;
    let ok = inside(x) && inside(y);
    let shown = if (x - y).abs() < 0.5 {
        format!("{}", round1(x))
    } else {
        format!("{}×{}", round1(x), round1(y))
    };
    let message = if ok {
        Message::new(
            format!("分辨率 {shown} dpi"),
            format!("resolution {shown} dpi"),
        )
    } else {
        Message::new(
            format!("分辨率为 {shown} dpi，需 {limit}"),
            format!("resolution is {shown} dpi, needs {limit}"),
        )
    };
    judged(ID, rule, ok, round1(x.min(y)), limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn missing_and_wrong_dpi_fail() {
        let mut m = compliant();
        m.facts.dpi = None;
        assert_eq!(status_of(ID, &m), Status::Fail);
        m.facts.dpi = Some((72.0, 72.0));
        assert_eq!(status_of(ID, &m), Status::Fail);
        m.facts.dpi = Some((300.0, 72.0));
        assert_eq!(status_of(ID, &m), Status::Fail);
    }

    #[test]
    fn dots_per_cm_rounding_passes() {
        let mut m = compliant();
        m.facts.dpi = Some((118.0 * 2.54, 118.0 * 2.54)); // 299.72 dpi
        assert_eq!(status_of(ID, &m), Status::Pass);
    }
}
