//! `frame.face_width`: the face, cheek to cheek, is as wide as the specification asks.

use super::{band_check, face_or_skip, Measurements};
use crate::profile::Profile;
use crate::report::CheckResult;

pub const ID: &str = "frame.face_width";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.frame_face_width;
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
        f.face_width,
        ("脸宽", "the face width is"),
        (
            "人像太小，请靠近镜头或放大",
            "the face is too small: come closer or zoom in",
        ),
        (
            "人像太大，请离远一些或缩小",
            "the face is too large: step back or zoom out",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn too_small_or_too_large_fails() {
        for (w, want) in [
            (150.0, Status::Fail),
            (230.0, Status::Pass),
            (320.0, Status::Fail),
        ] {
            let mut m = compliant();
            m.face.as_mut().unwrap().face_width = w;
            assert_eq!(status_of(ID, &m), want, "{w}");
        }
    }
}
