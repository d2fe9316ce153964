//! `background.uniform`: one flat colour — small spread about the median, no gradient.

use super::{judged, round1, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "background.uniform";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.background_uniform;
    let s = &rule.params;
    let limit = format!(
        "spread ΔE2000 ≤ {}, gradient ΔE2000 ≤ {}",
        s.max_spread_delta_e, s.max_gradient_delta_e
    );
    let Some(bg) = &m.background else {
        return skipped(
            ID,
            limit,
            Message::new(
                "未找到背景区域，无法判断背景是否均匀",
                "no background region was found: its evenness cannot be judged",
            ),
        );
    };
    let (spread, gradient) = (round1(bg.spread), round1(bg.gradient));
    let patchy = bg.spread > s.max_spread_delta_e;
    let graded = bg.gradient > s.max_gradient_delta_e;
    let message = if graded {
        Message::new(
            format!("背景上下颜色渐变 (ΔE {gradient})：需纯色背景"),
            format!("the background shades from top to bottom (ΔE {gradient}): a flat single-colour background is needed"),
        )
    } else if patchy {
        Message::new(
            format!("背景不均匀 (色差 ΔE {spread})，可能有阴影、纹理或杂物：需纯色背景"),
            format!("the background is uneven (spread ΔE {spread}): shadows, texture or objects; a flat background is needed"),
        )
    } else {
        Message::new("背景颜色均匀", "the background is even")
    };
    judged(
        ID,
        rule,
        !patchy && !graded,
        spread.max(gradient),
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
    fn spread_or_gradient_fails() {
        let mut m = compliant();
        m.background.as_mut().unwrap().spread = 20.0;
        assert_eq!(status_of(ID, &m), Status::Fail);
        let mut m = compliant();
        m.background.as_mut().unwrap().gradient = 25.0;
        assert_eq!(status_of(ID, &m), Status::Fail);
    }
}
