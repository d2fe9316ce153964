//! `glasses.none`: no glasses — frames show as strong edges across the nose bridge.

use super::{face_or_skip, judged, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "glasses.none";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.glasses_none;
    let max = rule.params.max;
    let limit = format!("bridge edges ≤ {max}");
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let v = (f.bridge_edges * 100.0).round() / 100.0;
    let ok = f.bridge_edges <= max;
    let message = if ok {
        Message::new("未戴眼镜", "no glasses")
    } else {
        Message::new(
            "检测到眼镜：请取下眼镜，裸视拍照",
            "glasses found: take them off for the photo",
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
    fn frame_edges_fail() {
        let mut m = compliant();
        m.face.as_mut().unwrap().bridge_edges = 6.0;
        assert_eq!(status_of(ID, &m), Status::Fail);
    }
}
