//! `glasses.none`: no glasses — by a score on the face descriptor and four image signs: a
//! frame's edges across the nose bridge, a lens's lower rim below the eyes, a frame's arm
//! across the temple, dark lenses over the eyes; with the optional face-parsing model, by
//! the eyeglasses it finds instead.

use super::{face_or_skip, judged, round3, round5, Measurements};
use crate::analysis::PartShares;
use crate::face_measures::FaceMeasures;
use crate::profile::{GlassesNone, Profile};
use crate::report::{CheckResult, Message};

pub const ID: &str = "glasses.none";

/// A sign's ratio to its limit is taken at least this, so that its logarithm stays finite.
const LEAST_RATIO: f64 = 0.01;

/// Whether the face wears glasses (`glasses.clear` asks too): by the face-parsing model's
/// eyeglasses when it ran, else by the glasses score, else (no descriptor, or a profile
/// without descriptor weights) by any of the four signs.
pub fn worn(
    f: &FaceMeasures,
    descriptor: Option<&[f32]>,
    parts: Option<&PartShares>,
    limits: &GlassesNone,
) -> bool {
    match parts {
        Some(parts) => parts.eyeglasses > limits.max_parsed_eyeglasses,
        None => match descriptor.and_then(|d| glasses_score(f, d, limits)) {
            Some(score) => score > 0.0,
            None => sign_ratios(f, limits).iter().any(|&r| r > 1.0),
        },
    }
}

/// The four signs over their limits (the lens shade: its limit over the shade), each over 1
/// where it alone would say glasses; the lens signs read 0 where the eyes are too small.
fn sign_ratios(f: &FaceMeasures, limits: &GlassesNone) -> [f64; 4] {
    let [rim, temple, shade] = f.lenses.map_or([0.0; 3], |l| {
        [
            l.rim_step / limits.max_rim_step,
            l.temple_step / limits.max_temple_step,
            limits.min_lens_shade / l.shade.max(f64::EPSILON),
        ]
    });
    [f.bridge_edges / limits.max_bridge_edges, rim, temple, shade]
}

/// The glasses score: a weighted sum of the face descriptor and the logarithms of the sign
/// ratios, over 0 where glasses are worn (weights fitted by accuracy/glasses_probe.py);
/// `None` when the profile has no descriptor weights.
pub fn glasses_score(f: &FaceMeasures, descriptor: &[f32], limits: &GlassesNone) -> Option<f64> {
    if limits.descriptor_weights.len() != descriptor.len() {
        return None;
    }
    let from_descriptor: f64 = (limits.descriptor_weights.iter())
        .zip(descriptor)
        .map(|(w, &d)| w * d as f64)
        .sum();
    let from_signs: f64 = (limits.sign_weights.iter())
        .zip(sign_ratios(f, limits))
        .map(|(w, r)| w * r.max(LEAST_RATIO).ln())
        .sum();
    Some(limits.glasses_bias + from_descriptor + from_signs)
}

/// The limit as the reports show it, for a photo with or without the face parts.
pub fn limit_text(limits: &GlassesNone, parsed: bool) -> String {
    if parsed {
        format!(
            "eyeglasses ≤ {:.2}% of the head crop (face parsing)",
            limits.max_parsed_eyeglasses * 100.0
        )
    } else {
        let signs = format!(
            "bridge edges {}, rim step {}, temple step {}, lens shade {}",
            limits.max_bridge_edges,
            limits.max_rim_step,
            limits.max_temple_step,
            limits.min_lens_shade
        );
        if limits.descriptor_weights.is_empty() {
            format!("no sign past its limit ({signs})")
        } else {
            format!("glasses score ≤ 0 (face descriptor and signs over {signs})")
        }
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
            "score": m.descriptor().and_then(|d| glasses_score(f, d, &rule.params)).map(round3),
            "bridge_edges": round3(f.bridge_edges),
            "rim_step": f.lenses.map(|l| round3(l.rim_step)),
            "temple_step": f.lenses.map(|l| round3(l.temple_step)),
            "lens_shade": f.lenses.map(|l| round3(l.shade)),
        }),
    };
    let ok = !worn(f, m.descriptor(), parts, &rule.params);
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

    /// The compliant measurements with a descriptor `along` times the profile's descriptor
    /// weights (unit length) away from the origin.
    fn with_descriptor(along: f64) -> Measurements {
        let weights = &Profile::default()
            .rules
            .glasses_none
            .params
            .descriptor_weights;
        let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
        let descriptor = weights.iter().map(|w| (along * w / norm) as f32).collect();
        let mut m = compliant();
        let analysis = m.analysis.as_mut().unwrap();
        analysis.main.as_mut().unwrap().descriptor = Some(descriptor);
        m
    }

    fn score_of(m: &Measurements) -> f64 {
        let result = run_all(m, &Profile::default())
            .into_iter()
            .find(|r| r.id == ID)
            .unwrap();
        result.value["score"]
            .as_f64()
            .expect("a score with a descriptor")
    }

    #[test]
    fn with_a_descriptor_the_glasses_score_decides_over_the_signs() {
        // Far along the weights the score says glasses, far against them it does not,
        // whatever a single sign says.
        let glasses = with_descriptor(1.0);
        assert!(score_of(&glasses) > 0.0);
        assert_eq!(status_of(ID, &glasses), Status::Fail);
        let mut none = with_descriptor(-1.0);
        none.face.as_mut().unwrap().bridge_edges = 6.0;
        assert!(score_of(&none) < 0.0);
        assert_eq!(status_of(ID, &none), Status::Pass);
        // The signs weigh in: a stronger sign raises the score.
        let mut stronger = with_descriptor(0.0);
        let plain = score_of(&stronger);
        stronger
            .face
            .as_mut()
            .unwrap()
            .lenses
            .as_mut()
            .unwrap()
            .temple_step = 0.8;
        assert!(score_of(&stronger) > plain);
    }

    #[test]
    fn without_descriptor_weights_the_signs_decide_alone() {
        let mut limits = Profile::default().rules.glasses_none.params;
        let m = with_descriptor(1.0);
        let (f, descriptor) = (m.face.as_ref().unwrap(), m.descriptor());
        assert!(worn(f, descriptor, None, &limits));
        limits.descriptor_weights.clear();
        assert_eq!(glasses_score(f, descriptor.unwrap(), &limits), None);
        assert!(!worn(f, descriptor, None, &limits));
        assert!(limit_text(&limits, false).starts_with("no sign past its limit"));
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
