//! `faces.single`: exactly one face in the photo — BlazeFace's faces and the bystanders
//! MTCNN finds beside them.

use super::{judged, skipped, Measurements};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "faces.single";

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.faces_single;
    let limit = "1".to_string();
    let analysis = match &m.analysis {
        Ok(a) => a,
        Err(why) => return skipped(ID, limit, Message::new(why.clone(), why.clone())),
    };
    let n = analysis
        .counted_faces(rule.params.min_other_face_score)
        .count();
    let message = match n {
        0 => Message::new(
            "未检测到人脸：需正面免冠、面部清晰的照片",
            "no face was found: a clear frontal face is needed",
        ),
        1 => Message::new("检测到一张人脸", "one face found"),
        _ => Message::new(
            format!("检测到 {n} 张人脸，照片中只能有本人"),
            format!("{n} faces were found: only the student may be in the photo"),
        ),
    };
    judged(ID, rule, n == 1, n, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    #[test]
    fn a_confident_bystander_counts_and_a_doubtful_one_does_not() {
        let mut m = compliant();
        let limit = Profile::default()
            .rules
            .faces_single
            .params
            .min_other_face_score as f32;
        let bystander = |score| crate::mtcnn::FaceBox {
            bbox: [0.0, 500.0, 100.0, 140.0],
            score,
        };
        let analysis = m.analysis.as_mut().unwrap();
        analysis.other_faces.push(bystander(limit - 0.05));
        assert_eq!(status_of(ID, &m), Status::Pass);
        m.analysis
            .as_mut()
            .unwrap()
            .other_faces
            .push(bystander(limit));
        assert_eq!(status_of(ID, &m), Status::Fail);
    }

    #[test]
    fn none_or_two_faces_fail_and_no_analysis_skips() {
        let mut m = compliant();
        let face = m.analysis.as_ref().unwrap().faces[0].clone();
        m.analysis.as_mut().unwrap().faces.push(face);
        assert_eq!(status_of(ID, &m), Status::Fail);
        m.analysis.as_mut().unwrap().faces.clear();
        assert_eq!(status_of(ID, &m), Status::Fail);
        m.analysis = Err("models not loaded".into());
        assert_eq!(status_of(ID, &m), Status::Skip);
    }
}
