//! `glasses.none`: no glasses — found by a frame's edges across the nose bridge, a lens's
//! lower rim below the eyes, a frame's arm across the temple, or dark lenses over the eyes;
//! with the optional face-parsing model, by the eyeglasses it finds instead.

use super::{face_or_skip, judged, round3, round5, Measurements};
use crate::analysis::PartShares;
use crate::face_measures::FaceMeasures;
use crate::profile::{GlassesNone, Profile};
use crate::report::{CheckResult, Message};

pub const ID: &str = "glasses.none";

/// Whether the face wears glasses (`glasses.clear` asks too): by the face-parsing model's
/// eyeglasses when it ran, else by any of the four signs.
pub fn worn(f: &FaceMeasures, parts: Option<&PartShares>, limits: &GlassesNone) -> bool {
    match parts {
        Some(parts) => parts.eyeglasses > limits.max_parsed_eyeglasses,
        None => {
            f.bridge_edges > limits.max_bridge_edges
                || f.lenses.is_some_and(|l| {
                    l.rim_step > limits.max_rim_step
                        || l.temple_step > limits.max_temple_step
                        || l.shade < limits.min_lens_shade
                })
        }
    }
}

/// The limit as the reports show it, for a photo with or without the face parts.
pub fn limit_text(limits: &GlassesNone, parsed: bool) -> String {
    if parsed {
        format!(
            "eyeglasses ≤ {:.2}% of the head crop (face parsing)",
            limits.max_parsed_eyeglasses * 100.0
        )
    } else {
        format!(
            "bridge edges ≤ {}, rim step ≤ {}, temple step ≤ {}, lens shade ≥ {}",
            limits.max_bridge_edges,
            limits.max_rim_step,
            limits.max_temple_step,
            limits.min_lens_shade
        )
    }
}

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.glasses_none;
    let parts = m.parts.as_ref();
    let limit = limit_text(&rule.params, parts.is_some());
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let value = match parts {
        Some(parts) => serde_json::json!({ "parsed_eyeglasses": round5(parts.eyeglasses) }),
        None => serde_json::json!({
            "bridge_edges": round3(f.bridge_edges),
            "rim_step": f.lenses.map(|l| round3(l.rim_step)),
            "temple_step": f.lenses.map(|l| round3(l.temple_step)),
            "lens_shade": f.lenses.map(|l| round3(l.shade)),
        }),
    };
    let ok = !worn(f, parts, &rule.params);
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
    use super::super::run_all;
    use super::super::test_support::{clean_parts, compliant, status_of};
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

    fn parsed(eyeglasses: f64) -> PartShares {
        PartShares {
            eyeglasses,
            ..clean_parts()
        }
    }

    #[test]
    fn with_face_parts_the_parsed_eyeglasses_decide_alone() {
        let mut m = compliant();
        m.parts = Some(parsed(0.02));
        assert_eq!(status_of(ID, &m), Status::Fail);
        // A clean parse overrules the image signs, which misread hands, hair and side light.
        m.parts = Some(parsed(0.0));
        m.face.as_mut().unwrap().bridge_edges = 6.0;
        assert_eq!(status_of(ID, &m), Status::Pass);
        let result = run_all(&m, &Profile::default())
            .into_iter()
            .find(|r| r.id == ID)
            .unwrap();
        assert!(result.limit.contains("face parsing"), "{}", result.limit);
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
