//! `pose.frontal`: the face is frontal (yaw and pitch together) and the eyes look at the
//! camera (gaze).

use super::{face_or_skip, judged, round1, Measurements};
use crate::profile::{PoseFrontal, Profile};
use crate::report::{CheckResult, Message};

pub const ID: &str = "pose.frontal";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.pose_frontal;
    let s = &rule.params;
    let limit = format!(
        "turned ≤ {}° sideways, tipped ≤ {}° up or down (together: inside the ellipse they span), |gaze| ≤ {}",
        s.max_turn, s.max_tip, s.max_gaze
    );
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let level_pitch = f.pitch - s.pitch_offset;
    let [sideways, tipped] = shares_of_limits(f.yaw, level_pitch, s);
    let frontal = sideways.hypot(tipped) <= 1.0;
    let turn = off_axis(f.yaw, level_pitch);
    let (yaw, pitch, gaze) = (
        round1(f.yaw),
        round1(level_pitch),
        (f.gaze * 100.0).round() / 100.0,
    );
    let (up_down_zh, up_down_en) = if level_pitch > 0.0 {
        ("低头", "down")
    } else {
        ("抬头", "up")
    };
    let tip = (
        format!("{up_down_zh} {:.0}°", level_pitch.abs()),
        format!("tipped {up_down_en} {:.0}°", level_pitch.abs()),
    );
    let turned = (
        format!("左右转动 {:.0}°", f.yaw.abs()),
        format!("turned {:.0}° sideways", f.yaw.abs()),
    );
    let message = if !frontal && sideways >= tipped {
        let (also_zh, also_en) = also(level_pitch, &tip);
        Message::new(
            format!(
                "脸部{}{also_zh}，不是正面（只转动时不超过 {}°）：请正对镜头",
                turned.0, s.max_turn
            ),
            format!(
                "the face is {}{also_en}, not frontal (at most {}° when only turned): face the camera squarely",
                turned.1, s.max_turn
            ),
        )
    } else if !frontal {
        let (also_zh, also_en) = also(f.yaw, &turned);
        Message::new(
            format!(
                "脸部{}{also_zh}，不是正面（只俯仰时不超过 {}°）：请平视镜头",
                tip.0, s.max_tip
            ),
            format!(
                "the face is {}{also_en}, not frontal (at most {}° when only tipped): look straight ahead",
                tip.1, s.max_tip
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
    let ok = frontal && f.gaze.abs() <= s.max_gaze;
    judged(
        ID,
        rule,
        ok,
        serde_json::json!({"turn": round1(turn), "yaw": yaw, "pitch": pitch, "gaze": gaze}),
        limit,
        message,
    )
}

/// The other angle of a face that is not frontal, as a clause after the main one (Chinese,
/// English); empty when it rounds to 0°.
fn also(angle: f64, clause: &(String, String)) -> (String, String) {
    if angle.abs() < 0.5 {
        return (String::new(), String::new());
    }
    (
        format!("（并{}）", clause.0),
        format!(" (and {})", clause.1),
    )
}

/// The face's sideways and vertical slopes (the tangents of `yaw` and `pitch`) as shares
/// of the slopes at the limits. The face is frontal while the pair lies inside the unit
/// circle: an ellipse in the plane of slopes, which is a circle of `max_turn` degrees off
/// the camera's axis when the two limits are equal.
fn shares_of_limits(yaw: f64, pitch: f64, s: &PoseFrontal) -> [f64; 2] {
    let slope = |deg: f64| deg.to_radians().tan().abs();
    [
        slope(yaw) / slope(s.max_turn),
        slope(pitch) / slope(s.max_tip),
    ]
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

    /// The raw pitch a level head reads (the default profile's pitch_offset).
    fn level_raw_pitch() -> f64 {
        Profile::default().rules.pose_frontal.params.pitch_offset
    }

    fn with(change: impl Fn(&mut crate::face_measures::FaceMeasures)) -> Status {
        let mut m = compliant();
        change(m.face.as_mut().unwrap());
        status_of(ID, &m)
    }

    #[test]
    fn turned_tipped_or_looking_away_fails() {
        assert_eq!(with(|f| f.yaw = -25.0), Status::Fail);
        assert_eq!(with(|f| f.yaw = 10.0), Status::Pass);
        assert_eq!(with(|f| f.pitch = level_raw_pitch() + 8.0), Status::Pass);
        assert_eq!(
            with(|f| f.pitch = level_raw_pitch() + 25.0),
            Status::Fail,
            "25° down"
        );
        assert_eq!(
            with(|f| f.pitch = level_raw_pitch() - 25.0),
            Status::Fail,
            "25° up"
        );
        assert_eq!(with(|f| f.gaze = 0.6), Status::Fail);
    }

    #[test]
    fn the_message_names_the_other_angle_only_when_there_is_one() {
        let message = |pitch: f64| {
            let mut m = compliant();
            let f = m.face.as_mut().unwrap();
            (f.yaw, f.pitch) = (25.0, pitch);
            check(&m, &Profile::default()).message
        };
        let level = message(level_raw_pitch());
        assert!(
            level.en.starts_with("the face is turned 25° sideways,"),
            "{level:?}"
        );
        assert!(!level.zh.contains("并"), "{level:?}");
        let tipped = message(level_raw_pitch() + 8.0);
        assert!(
            tipped
                .en
                .contains("turned 25° sideways (and tipped down 8°)"),
            "{tipped:?}"
        );
        assert!(tipped.zh.contains("（并低头 8°）"), "{tipped:?}");
    }

    #[test]
    fn a_tip_is_allowed_further_than_a_turn() {
        // 20°: past max_turn (17°) sideways, inside max_tip (23°) up or down.
        assert_eq!(with(|f| f.yaw = 20.0), Status::Fail);
        assert_eq!(with(|f| f.pitch = level_raw_pitch() - 20.0), Status::Pass);
        assert_eq!(with(|f| f.pitch = level_raw_pitch() + 20.0), Status::Pass);
    }

    #[test]
    fn turn_and_tip_together_fail_sooner_than_either_alone() {
        // tan 15° / tan 17° = 0.876 and tan 15° / tan 23° = 0.631: 1.08 together.
        assert_eq!(
            with(|f| {
                f.yaw = 15.0;
                f.pitch = level_raw_pitch() + 15.0;
            }),
            Status::Fail
        );
        // tan 9° / tan 17° = 0.518 and tan 9° / tan 23° = 0.373: 0.64 together.
        assert_eq!(
            with(|f| {
                f.yaw = 9.0;
                f.pitch = level_raw_pitch() + 9.0;
            }),
            Status::Pass
        );
    }

    #[test]
    fn equal_limits_are_a_circle_around_the_camera_axis() {
        let limits = PoseFrontal {
            max_turn: 17.0,
            max_tip: 17.0,
            max_gaze: 0.35,
            pitch_offset: 0.0,
        };
        // 12° and 12° is 16.73° off the axis (inside 17°); 12.5° and 12.5° is 17.4°.
        for (angle, inside) in [(12.0, true), (12.5, false)] {
            let [a, b] = shares_of_limits(angle, -angle, &limits);
            assert_eq!(a.hypot(b) <= 1.0, inside, "{angle}");
            assert_eq!(off_axis(angle, angle) <= 17.0, inside, "{angle}");
        }
    }

    #[test]
    fn off_axis_angle_combines_yaw_and_pitch() {
        assert!((off_axis(15.0, 0.0) - 15.0).abs() < 1e-9);
        assert!((off_axis(0.0, -15.0) - 15.0).abs() < 1e-9);
        // Facing direction (tan 12°, tan 12°, 1) = (0.2126, 0.2126, 1): acos(1 / |v|) = 16.73°.
        assert!((off_axis(12.0, 12.0) - 16.73).abs() < 0.01);
    }
}
