//! `batch.once`: each student is photographed once — no other photo of the run has the same
//! student number, id number, picture or person, and one number is one person. Judged over
//! a whole run (see [`crate::batch`]).

use super::judged;
use crate::batch::{Collision, Found, Limits};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};
use std::path::Path;

pub const ID: &str = "batch.once";

/// The profile's limits for finding collisions.
pub fn limits(p: &Profile) -> Limits {
    let params = &p.rules.batch_once.params;
    Limits {
        max_hash_distance: params.max_hash_distance,
        max_same_person_distance: params.max_same_person_distance as f32,
        min_other_person_distance: params.min_other_person_distance as f32,
    }
}

/// The result for one photo, given the photos it collides with.
pub fn check(found: &Found, p: &Profile) -> CheckResult {
    let rule = &p.rules.batch_once;
    let limit = format!(
        "no other photo with the same student number, id number, picture (≤ {} bits) or person (face distance ≤ {})",
        rule.params.max_hash_distance, rule.params.max_same_person_distance
    );
    if found.named.is_empty() {
        return judged(
            ID,
            rule,
            true,
            0,
            limit,
            Message::new("本批中只有一张", "the only one in this batch"),
        );
    }
    let name = |f: &str| {
        Path::new(f)
            .file_name()
            .map_or(f.to_string(), |n| n.to_string_lossy().into_owned())
    };
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    for (other, why) in &found.named {
        let other = name(other);
        match why {
            Collision::StudentNumber => {
                zh.push(format!("与 {other} 学号相同"));
                en.push(format!("the same student number as {other}"));
            }
            Collision::IdNumber => {
                zh.push(format!("与 {other} 身份证号相同"));
                en.push(format!("the same id number as {other}"));
            }
            Collision::SamePhoto(bits) => {
                zh.push(format!("与 {other} 是同一张照片 (相差 {bits} 位)"));
                en.push(format!("the same photo as {other} ({bits} bits apart)"));
            }
            Collision::SamePerson(distance) => {
                zh.push(format!(
                    "与 {other} 似为同一人 (人脸距离 {distance:.2})，但文件名中的学号、身份证号不同"
                ));
                en.push(format!(
                    "the same person as {other} (face distance {distance:.2}) under another name"
                ));
            }
            Collision::OtherPerson(distance) => {
                zh.push(format!(
                    "与 {other} 编号相同，但似为不同的人 (人脸距离 {distance:.2})"
                ));
                en.push(format!(
                    "the same number as {other} but, by the face, another person (distance {distance:.2})"
                ));
            }
        }
    }
    if found.more > 0 {
        zh.push(format!("另有 {} 张", found.more));
        en.push(format!("and {} more", found.more));
    }
    let message = Message::new(
        format!("{}：每位学生只能采集一次，请确认后保留一张", zh.join("；")),
        format!(
            "{}: each student is photographed once; keep one",
            en.join("; ")
        ),
    );
    judged(
        ID,
        rule,
        false,
        found.named.len() + found.more,
        limit,
        message,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    #[test]
    fn collisions_fail_naming_the_others() {
        let p = Profile::default();
        assert_eq!(check(&Found::default(), &p).status, Status::Pass);
        let found = Found {
            named: vec![
                ("x/2021001234张三.jpg".into(), Collision::StudentNumber),
                ("y/b.jpg".into(), Collision::SamePhoto(3)),
            ],
            more: 40,
        };
        let r = check(&found, &p);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.zh.contains("另有 40 张"), "{}", r.message.zh);
        assert!(
            r.message.zh.contains("2021001234张三.jpg") && r.message.zh.contains("b.jpg"),
            "{}",
            r.message.zh
        );
        assert!(
            r.message.en.contains("same student number"),
            "{}",
            r.message.en
        );
    }
}
