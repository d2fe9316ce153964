//! `makeup.light`: no heavy makeup — a warning when the lips are far more saturated than
//! the skin.

use super::{face_or_skip, judged, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "makeup.light";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.makeup_light;
    let max = rule.params.max;
    let limit = format!("lip saturation ≤ {max} × skin");
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let v = (f.lip_saturation * 100.0).round() / 100.0;
    let ok = f.lip_saturation <= max;
    let message = if ok {
        Message::new("妆容自然", "makeup is light")
    } else {
        Message::new(
            "口红或妆容可能过浓：最好素颜拍照",
            "the lipstick or makeup may be heavy: a bare face is best",
        )
    };
    judged(ID, rule, ok, v, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn heavy_lipstick_warns() {
        let mut m = compliant();
        m.face.as_mut().unwrap().lip_saturation = 4.0;
        assert_eq!(status_of(ID, &m), Status::Warn);
    }
}
