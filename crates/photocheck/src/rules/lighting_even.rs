//! `lighting.even`: both sides of the face lit alike, no blown-out hot spots.

use super::{face_or_skip, judged, round3, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "lighting.even";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.lighting_even;
    let s = &rule.params;
    let limit = format!(
        "cheek balance ≥ {}, hot spots ≤ {:.0}%",
        s.min_cheek_balance,
        s.max_hot_spots * 100.0
    );
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let shadow = f.cheek_balance < s.min_cheek_balance;
    let hot = f.hot_spots > s.max_hot_spots;
    let message = if shadow {
        Message::new("脸部一侧明显偏暗 (侧光或阴影)：请让光线从正面均匀照射", "one side of the face is much darker (side light or shadow): light the face evenly from the front")
    } else if hot {
        Message::new(
            format!(
                "脸部有过曝反光区域 ({:.0}%)：请避免强光直射或闪光",
                f.hot_spots * 100.0
            ),
            format!(
                "the face has blown-out hot spots ({:.0}%): avoid harsh direct light or flash",
                f.hot_spots * 100.0
            ),
        )
    } else {
        Message::new("面部光线均匀", "the face is evenly lit")
    };
    let v = serde_json::json!({"cheek_balance": (f.cheek_balance * 100.0).round() / 100.0, "hot_spots": round3(f.hot_spots)});
    judged(ID, rule, !shadow && !hot, v, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn shadowed_side_or_hot_spots_fail() {
        let mut m = compliant();
        m.face.as_mut().unwrap().cheek_balance = 0.4;
        assert_eq!(status_of(ID, &m), Status::Fail);
        let mut m = compliant();
        m.face.as_mut().unwrap().hot_spots = 0.2;
        assert_eq!(status_of(ID, &m), Status::Fail);
    }
}
