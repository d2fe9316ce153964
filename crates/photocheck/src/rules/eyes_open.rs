//! `eyes.open`: both eyes are open — the lids stand apart by most of the iris. (The face
//! mesh draws its lids open on closed eyes; the iris model's eyelid points follow them.)

use super::{face_or_skip, judged, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "eyes.open";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.eyes_open;
    let min = rule.params.min;
    let limit = format!("lid gap ≥ {min} × iris");
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let v = (f.eye_openness * 100.0).round() / 100.0;
    let ok = f.eye_openness >= min;
    let message = if ok {
        Message::new("双眼睁开", "both eyes open")
    } else {
        Message::new(
            format!("眼睛闭合或半闭 (眼睑张开 {v} 倍虹膜，需至少 {min})：请睁大眼睛重拍"),
            format!("an eye is closed or half closed (lids {v} × the iris apart, needs {min}): retake with eyes open"),
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
    fn closed_eye_fails() {
        let mut m = compliant();
        m.face.as_mut().unwrap().eye_openness = 0.1;
        assert_eq!(status_of(ID, &m), Status::Fail);
    }
}
