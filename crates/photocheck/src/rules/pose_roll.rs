//! `pose.roll`: the head is upright — the eye line is level.

use super::{face_or_skip, judged, round1, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "pose.roll";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.pose_roll;
    let max = rule.params.max;
    let limit = format!("|roll| ≤ {max}°");
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let roll = round1(f.roll);
    let ok = f.roll.abs() <= max;
    let (zh_side, en_side) = if f.roll > 0.0 {
        ("右", "right")
    } else {
        ("左", "left")
    };
    let message = if ok {
        Message::new(
            format!("头部端正 (倾斜 {roll}°)"),
            format!("head upright (tilt {roll}°)"),
        )
    } else {
        Message::new(
            format!("头部向画面{zh_side}侧歪斜 {:.0}°，需不超过 {max}°：请摆正头部，两眼保持水平", f.roll.abs()),
            format!("the head tilts {:.0}° to the image's {en_side}, at most {max}°: hold the head straight, eyes level", f.roll.abs()),
        )
    };
    judged(ID, rule, ok, roll, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn tilt_beyond_the_limit_fails_either_way() {
        for (roll, want) in [
            (7.9, Status::Pass),
            (8.5, Status::Fail),
            (-12.0, Status::Fail),
        ] {
            let mut m = compliant();
            m.face.as_mut().unwrap().roll = roll;
            assert_eq!(status_of(ID, &m), want, "{roll}");
        }
        let mut m = compliant();
        m.face = None;
        assert_eq!(status_of(ID, &m), Status::Skip);
    }
}
