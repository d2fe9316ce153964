//! `frame.centered`: the face is centred left to right.

use super::{face_or_skip, judged, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "frame.centered";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.frame_centered;
    let max = rule.params.max;
    let limit = format!("≤ {max} px from the mid-line");
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let off = f.center_offset.round();
    let ok = f.center_offset.abs() <= max;
    let (zh, en) = if off > 0.0 {
        ("右", "right")
    } else {
        ("左", "left")
    };
    let message = if ok {
        Message::new("人像左右居中", "the face is centred")
    } else {
        Message::new(
            format!(
                "人像偏向画面{zh}侧 {} px，需不超过 {max} px：请居中",
                off.abs()
            ),
            format!(
                "the face is {} px to the image's {en} of centre, at most {max}: centre it",
                off.abs()
            ),
        )
    };
    judged(ID, rule, ok, off, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn off_centre_fails() {
        let mut m = compliant();
        m.face.as_mut().unwrap().center_offset = -70.0;
        assert_eq!(status_of(ID, &m), Status::Fail);
    }
}
