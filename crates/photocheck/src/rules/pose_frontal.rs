//! `pose.frontal`: the face is frontal (yaw, pitch) and the eyes look at the camera (gaze).

use super::{face_or_skip, judged, round1, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "pose.frontal";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.pose_frontal;
    let s = &rule.params;
    let limit = format!(
        "|yaw| ≤ {}°, |pitch| ≤ {}°, |gaze| ≤ {}",
        s.max_yaw, s.max_pitch, s.max_gaze
    );
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let level_pitch = f.pitch - s.pitch_offset;
    let (yaw, pitch, gaze) = (
        round1(f.yaw),
        round1(level_pitch),
        (f.gaze * 100.0).round() / 100.0,
    );
    let message = if f.yaw.abs() > s.max_yaw {
        Message::new(
            format!(
                "脸部左右转动 {:.0}°，需不超过 {}°：请正对镜头",
                f.yaw.abs(),
                s.max_yaw
            ),
            format!(
                "the face is turned {:.0}° sideways, at most {}°: face the camera squarely",
                f.yaw.abs(),
                s.max_yaw
            ),
        )
    } else if level_pitch.abs() > s.max_pitch {
        let (zh, en) = if level_pitch > 0.0 {
            ("低头", "down")
        } else {
            ("抬头", "up")
        };
        Message::new(
            format!(
                "{zh} {:.0}°，需不超过 {}°：请平视镜头",
                level_pitch.abs(),
                s.max_pitch
            ),
            format!(
                "the head is tipped {en} {:.0}°, at most {}°: look straight ahead",
                level_pitch.abs(),
                s.max_pitch
            ),
        )
    } else if f.gaze.abs() > s.max_gaze {
        Message::new(
            format!("眼睛没有正视镜头 (视线偏移 {gaze})：请直视镜头"),
            format!("the eyes do not look at the camera (gaze offset {gaze}): look into the lens"),
        )
    } else {
        Message::new(
            format!("正面 (转动 {yaw}°，俯仰 {pitch}°)"),
            format!("frontal (yaw {yaw}°, pitch {pitch}°)"),
        )
    };
    let ok =
        f.yaw.abs() <= s.max_yaw && level_pitch.abs() <= s.max_pitch && f.gaze.abs() <= s.max_gaze;
    judged(
        ID,
        rule,
        ok,
        serde_json::json!({"yaw": yaw, "pitch": pitch, "gaze": gaze}),
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
    fn turned_tipped_or_looking_away_fails() {
        let with = |change: fn(&mut crate::face_measures::FaceMeasures)| {
            let mut m = compliant();
            change(m.face.as_mut().unwrap());
            status_of(ID, &m)
        };
        assert_eq!(with(|f| f.yaw = -25.0), Status::Fail);
        assert_eq!(
            with(|f| f.pitch = 30.0),
            Status::Fail,
            "18° down from level"
        );
        assert_eq!(with(|f| f.pitch = -5.0), Status::Fail, "17° up from level");
        assert_eq!(with(|f| f.pitch = 20.0), Status::Pass, "8° down from level");
        assert_eq!(with(|f| f.gaze = 0.6), Status::Fail);
        assert_eq!(with(|f| f.yaw = 10.0), Status::Pass);
    }
}
