//! `frame.crown`: the top of the head lies in the specification's band below the top edge.

use super::{band_check, face_or_skip, judged, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "frame.crown";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.frame_crown;
    let band = &rule.params;
    let f = match face_or_skip(m, ID, &format!("{}–{} px", band.min, band.max)) {
        Ok(f) => f,
        Err(skip) => return *skip,
    };
    let Some(crown) = f.crown_y else {
        return judged(
            ID,
            rule,
            false,
            0,
            format!("{}–{} px", band.min, band.max),
            Message::new(
                "头顶被裁掉 (头发顶到上边)：头顶上方需留出空白",
                "the top of the head is cut off by the top edge: leave space above the head",
            ),
        );
    };
    band_check(
        ID,
        rule,
        band,
        crown,
        ("头顶距上边", "the crown is"),
        (
            "头顶离上边太近，请把人像下移或缩小",
            "too close to the top edge: move the head down or zoom out",
        ),
        (
            "头顶离上边太远，请把人像上移或放大",
            "too far below the top edge: move the head up or zoom in",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn crown_outside_the_band_or_cut_off_fails() {
        for (crown, want) in [
            (Some(38.0), Status::Fail),
            (Some(80.0), Status::Pass),
            (Some(130.0), Status::Fail),
            (None, Status::Fail),
        ] {
            let mut m = compliant();
            m.face.as_mut().unwrap().crown_y = crown;
            assert_eq!(status_of(ID, &m), want, "{crown:?}");
        }
        let mut m = compliant();
        m.face.as_mut().unwrap().crown_y = Some(38.0);
        let r = check(&m, &Profile::default());
        assert!(
            r.message.zh.contains("38 px") && r.message.zh.contains("50–110"),
            "{}",
            r.message.zh
        );
    }
}
