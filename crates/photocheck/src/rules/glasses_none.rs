//! `glasses.none`: no glasses — found by a frame's edges across the nose bridge, a lens's
//! lower rim below the eyes, a frame's arm across the temple, or dark lenses over the eyes.

use super::{face_or_skip, judged, round3, Measurements};
use crate::face_measures::FaceMeasures;
use crate::profile::{GlassesNone, Profile};
use crate::report::{CheckResult, Message};

pub const ID: &str = "glasses.none";

/// Whether the face wears glasses by any of the four signs (`glasses.clear` asks too).
pub fn worn(f: &FaceMeasures, limits: &GlassesNone) -> bool {
    f.bridge_edges > limits.max_bridge_edges
        || f.lenses.is_some_and(|l| {
            l.rim_step > limits.max_rim_step
                || l.temple_step > limits.max_temple_step
                || l.shade < limits.min_lens_shade
        })
}

/// The limit as the reports show it.
pub fn limit_text(limits: &GlassesNone) -> String {
    format!(
        "bridge edges ≤ {}, rim step ≤ {}, temple step ≤ {}, lens shade ≥ {}",
        limits.max_bridge_edges, limits.max_rim_step, limits.max_temple_step, limits.min_lens_shade
    )
}

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.glasses_none;
    let limit = limit_text(&rule.params);
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let value = serde_json::json!({
        "bridge_edges": round3(f.bridge_edges),
        "rim_step": f.lenses.map(|l| round3(l.rim_step)),
        "temple_step": f.lenses.map(|l| round3(l.temple_step)),
        "lens_shade": f.lenses.map(|l| round3(l.shade)),
    });
    let ok = !worn(f, &rule.params);
    let message = if ok {
        Message::new("未戴眼镜", "no glasses")
    } else {
        Message::new(
            "检测到眼镜：请取下眼镜，裸视拍照",
            "glasses found: take them off for the photo",
        )
    };
    judged(ID, rule, ok, value, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn any_one_sign_of_glasses_fails() {
        assert_eq!(status_of(ID, &compliant()), Status::Pass);
        let signs: [fn(&mut FaceMeasures); 4] = [
            |f| f.bridge_edges = 6.0,
            |f| f.lenses.as_mut().unwrap().rim_step = 0.8,
            |f| f.lenses.as_mut().unwrap().temple_step = 0.8,
            |f| f.lenses.as_mut().unwrap().shade = 0.2,
        ];
        for (n, sign) in signs.iter().enumerate() {
            let mut m = compliant();
            sign(m.face.as_mut().unwrap());
            assert_eq!(status_of(ID, &m), Status::Fail, "sign {n}");
        }
    }

    #[test]
    fn eyes_too_small_for_the_lenses_are_judged_by_the_bridge_alone() {
        let mut m = compliant();
        m.face.as_mut().unwrap().lenses = None;
        assert_eq!(status_of(ID, &m), Status::Pass);
        m.face.as_mut().unwrap().bridge_edges = 6.0;
        assert_eq!(status_of(ID, &m), Status::Fail);
    }
}
