//! `pose.frontal`: the face is frontal (yaw and pitch together) and the eyes look at the
//! camera (gaze).

use super::{face_or_skip, judged, round1, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "pose.frontal";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.pose_frontal;
    let s = &rule.params;
    let limit = format!(
        "off the camera axis ≤ {}°, |gaze| ≤ {}",
        s.max_turn, s.max_gaze
    );
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let level_pitch = f.pitch - s.pitch_offset;
    let turn = off_axis(f.yaw, level_pitch);
    let (yaw, pitch, gaze) = (
        round1(f.yaw),
        round1(level_pitch),
        (f.gaze * 100.0).round() / 100.0,
    );
    let message = if turn > s.max_turn && f.yaw.abs() >= level_pitch.abs() {
        Message::new(
            format!(
                "脸部偏离正面 {turn:.0}° (左右转动 {:.0}°)，需不超过 {}°：请正对镜头",
                f.yaw.abs(),
                s.max_turn
            ),
            format!(
                "the face is {turn:.0}° off the camera (turned {:.0}° sideways), at most {}°: face the camera squarely",
                f.yaw.abs(),
                s.max_turn
            ),
        )
    } else if turn > s.max_turn {
        let (zh, en) = if level_pitch > 0.0 {
            ("低头", "down")
        } else {
            ("抬头", "up")
        };
        Message::new(
            format!(
                "脸部偏离正面 {turn:.0}° ({zh} {:.0}°)，需不超过 {}°：请平视镜头",
                level_pitch.abs(),
                s.max_turn
            ),
            format!(
                "the face is {turn:.0}° off the camera (tipped {en} {:.0}°), at most {}°: look straight ahead",
                level_pitch.abs(),
                s.max_turn
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
    let ok = turn <= s.max_turn && f.gaze.abs() <= s.max_gaze;
    judged(
        ID,
        rule,
        ok,
        serde_json::json!({"turn": round1(turn), "yaw": yaw, "pitch": pitch, "gaze": gaze}),
        limit,
        message,
    )
}

/// Angle in degrees between the face's direction and the camera's axis, for a face turned
/// `yaw` and tipped `pitch` degrees (each measured in its own plane).
fn off_axis(yaw: f64, pitch: f64) -> f64 {
    let (x, y) = (yaw.to_radians().tan(), pitch.to_radians().tan());
    x.hypot(y).atan().to_degrees()
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
        assert_eq!(with(|f| f.pitch = -9.0), Status::Fail, "21° up from level");
        assert_eq!(with(|f| f.pitch = 20.0), Status::Pass, "8° down from level");
        assert_eq!(with(|f| f.gaze = 0.6), Status::Fail);
        assert_eq!(with(|f| f.yaw = 10.0), Status::Pass);
        assert_eq!(
            with(|f| {
                f.yaw = 14.0;
                f.pitch = 24.6;
            }),
            Status::Fail,
            "14° sideways and 14° down (less the 10.6° offset): 19.4° off the camera, each alone under the limit"
        );
        assert_eq!(
            with(|f| {
                f.yaw = 9.0;
                f.pitch = 21.0;
            }),
            Status::Pass,
            "9° sideways and 9° down: under 13° off the camera"
        );
    }

    #[test]
    fn off_axis_angle_combines_yaw_and_pitch() {
        assert!((off_axis(15.0, 0.0) - 15.0).abs() < 1e-9);
        assert!((off_axis(0.0, -15.0) - 15.0).abs() < 1e-9);
        // Facing direction (tan 12°, tan 12°, 1) = (0.2126, 0.2126, 1): acos(1 / |v|) = 16.73°.
        assert!((off_axis(12.0, 12.0) - 16.73).abs() < 0.01);
    }
}
