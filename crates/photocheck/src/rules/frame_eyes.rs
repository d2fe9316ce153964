//! `frame.eyes`: the eye line lies in the specification's band below the top edge.

use super::{band_check, face_or_skip, Measurements};
use crate::profile::Profile;
use crate::report::CheckResult;

pub const ID: &str = "frame.eyes";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.frame_eyes;
    let f = match face_or_skip(
        m,
        ID,
        &format!("{}–{} px", rule.params.min, rule.params.max),
    ) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    band_check(
        ID,
        rule,
        &rule.params,
        f.eyes_y,
        ("眼睛距上边", "the eye line is"),
        (
            "眼睛太高，请把人像下移",
            "too high: move the head down in the frame",
        ),
        (
            "眼睛太低，请把人像上移",
            "too low: move the head up in the frame",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn eyes_outside_the_band_fail() {
        for (y, want) in [
            (180.0, Status::Fail),
            (250.0, Status::Pass),
            (320.0, Status::Fail),
        ] {
            let mut m = compliant();
            m.face.as_mut().unwrap().eyes_y = y;
            assert_eq!(status_of(ID, &m), want, "{y}");
        }
    }
}
