//! `glasses.clear`: where a profile allows glasses, they must be clear — lenses not tinted,
//! no glare on them (frames over the eyes are not looked for). Each problem is its own finding. A face
//! without glasses (by `glasses.none`'s limits) passes.

use super::{face_or_skip, judged, round1, round3, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "glasses.clear";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.glasses_clear;
    let s = &rule.params;
    let glasses = &p.rules.glasses_none.params;
    let limit = format!(
        "where glasses are worn (not {}): tint ΔE2000 ≤ {}, glare ≤ {}",
        super::glasses_none::limit_text(glasses, m.parts.is_some()),
        s.max_tint_delta_e,
        s.max_glare
    );
    let f = match face_or_skip(m, ID, &limit) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    if !super::glasses_none::worn(f, m.descriptor(), m.parts.as_ref(), glasses) {
        return judged(
            ID,
            rule,
            true,
            serde_json::Value::Null,
            limit,
            Message::new("未戴眼镜", "no glasses"),
        );
    }
    let Some(lenses) = f.lenses else {
        return skipped(
            ID,
            limit,
            Message::new(
                "眼睛太小，无法判断镜片",
                "the eyes are too small to judge the lenses",
            ),
        );
    };
    let value = serde_json::json!({
        "tint": round1(lenses.tint),
        "glare": round3(lenses.glare),
    });
    let mut findings: Vec<(&str, &str)> = Vec::new();
    if lenses.tint > s.max_tint_delta_e {
        findings.push((
            "镜片有颜色 (有色镜片或墨镜)：请换用透明镜片",
            "the lenses are tinted (tinted or sun glasses): wear clear lenses",
        ));
    }
    if lenses.glare > s.max_glare {
        findings.push((
            "镜片反光：请调整灯光或眼镜角度后重拍",
            "glare on the lenses: move the light or tilt the glasses and retake it",
        ));
    }
    let message = if findings.is_empty() {
        Message::new(
            "眼镜镜片透明，无反光 (镜框是否遮挡眼睛未检查)",
            "clear lenses, no glare (whether the frame covers the eyes was not checked)",
        )
    } else {
        Message::new(
            findings.iter().map(|f| f.0).collect::<Vec<_>>().join("；"),
            findings.iter().map(|f| f.1).collect::<Vec<_>>().join("; "),
        )
    };
    judged(ID, rule, findings.is_empty(), value, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::compliant;
    use super::*;
    use crate::lens_measures::Lenses;
    use crate::report::Status;

    fn with_glasses(lenses: Lenses) -> CheckResult {
        let mut m = compliant();
        let face = m.face.as_mut().unwrap();
        face.bridge_edges = 6.0;
        face.lenses = Some(lenses);
        check(&m, &Profile::preset("standard-2017").unwrap())
    }

    const CLEAR: Lenses = Lenses {
        tint: 3.0,
        glare: 0.0,
        rim_step: 0.2,
        temple_step: 0.1,
        shade: 0.8,
    };

    #[test]
    fn clear_glasses_and_no_glasses_pass() {
        assert_eq!(with_glasses(CLEAR).status, Status::Pass);
        let r = check(&compliant(), &Profile::preset("standard-2017").unwrap());
        assert_eq!(
            (r.status, r.message.en.as_str()),
            (Status::Pass, "no glasses")
        );
    }

    #[test]
    fn each_problem_is_its_own_finding() {
        let tinted = with_glasses(Lenses {
            tint: 50.0,
            ..CLEAR
        });
        assert_eq!(tinted.status, Status::Fail);
        assert!(tinted.message.zh.contains("镜片有颜色") && !tinted.message.zh.contains("反光"));
        let glare = with_glasses(Lenses {
            glare: 0.2,
            ..CLEAR
        });
        assert!(glare.message.zh.contains("反光") && !glare.message.zh.contains("颜色"));
        let both = with_glasses(Lenses {
            tint: 50.0,
            glare: 0.2,
            ..CLEAR
        });
        assert_eq!(
            both.message.zh.matches('；').count(),
            1,
            "{}",
            both.message.zh
        );
    }

    #[test]
    fn the_notice_refuses_glasses_and_does_not_run_this_rule() {
        let mut m = compliant();
        m.face.as_mut().unwrap().bridge_edges = 6.0;
        let results = super::super::run_all(&m, &Profile::default());
        assert!(results.iter().all(|r| r.id != ID));
        let none = results.iter().find(|r| r.id == "glasses.none").unwrap();
        assert_eq!(none.status, Status::Fail);
    }
}
