//! `identity.match`: the photo shows the student of its file name — its face is near the
//! face of the student's reference photo (`photocheck check --reference DIR`; CHSI compares
//! the diploma photo with the enrolment and household-register photos: 不是本人 comes back).

use super::{judged, round3, skipped};
use crate::analysis::descriptor_distance;
use crate::profile::Profile;
use crate::report::{CheckResult, Message};

pub const ID: &str = "identity.match";

/// What a photo is compared with: its reference photo's descriptor, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Reference<'a> {
    /// The reference photo (its file name) and its face descriptor.
    Found {
        file: &'a str,
        descriptor: &'a [f32],
    },
    /// The reference photo has no usable face, or could not be read: why.
    Unusable { file: &'a str, why: &'a str },
    /// No reference photo for the photo's student number or id number.
    Missing,
    /// The photo's file name names no student to look up.
    Unnamed,
}

/// The result for a photo with face descriptor `descriptor` (none without a face).
pub fn check(descriptor: Option<&[f32]>, reference: Reference, p: &Profile) -> CheckResult {
    let rule = &p.rules.identity_match;
    let max = rule.params.max_distance;
    let limit = format!("face distance to the reference photo ≤ {max}");
    let skip = |zh: String, en: String| skipped(ID, limit.clone(), Message::new(zh, en));
    let (file, theirs) = match reference {
        Reference::Unnamed => {
            return skip(
                "文件名中没有学号或身份证号，无法查找参考照片".into(),
                "the file name gives no student or id number to find a reference photo by".into(),
            )
        }
        Reference::Missing => {
            return skip(
                "没有此学生的参考照片 (按学号或身份证号命名)".into(),
                "no reference photo for this student (named by student or id number)".into(),
            )
        }
        Reference::Unusable { file, why } => {
            return skip(
                format!("参考照片 {file} 无法使用：{why}"),
                format!("the reference photo {file} cannot be used: {why}"),
            )
        }
        Reference::Found { file, descriptor } => (file, descriptor),
    };
    let Some(mine) = descriptor else {
        return skip(
            "未检测到人脸，无法与参考照片比对".into(),
            "no face was found, so it cannot be compared with the reference photo".into(),
        );
    };
    let distance = descriptor_distance(mine, theirs) as f64;
    let message = if distance <= max {
        Message::new(
            format!("与参考照片 {file} 是同一人 (人脸距离 {distance:.2})"),
            format!("the same person as the reference photo {file} (face distance {distance:.2})"),
        )
    } else {
        Message::new(
            format!("与参考照片 {file} 似不是同一人 (人脸距离 {distance:.2})，请核对是否本人照片"),
            format!(
                "not, by the face, the person of the reference photo {file} (distance {distance:.2}): check that this is the student"
            ),
        )
    };
    judged(ID, rule, distance <= max, round3(distance), limit, message)
}
