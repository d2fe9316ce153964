//! `file.naming`: the file is named by the profile's layout (学号+姓名+身份证号 by default)
//! and the id number in it is a valid one.

use super::{judged, Measurements};
use crate::naming::{self, IdProblem};
use crate::profile::Profile;
use crate::report::{CheckResult, Message};
use std::path::Path;

pub const ID: &str = "file.naming";

fn this_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    1970 + (secs / 31_556_952) as i32
}

pub fn check(m: &Measurements, p: &Profile) -> CheckResult {
    let rule = &p.rules.file_naming;
    let stem = Path::new(&m.file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let naming_rule = &rule.params;
    let limit = naming_rule.shown().to_string();
    let student = naming::student_of(&m.file_name, &naming_rule.regex());
    let Some(student) = student else {
        let example = match (
            &naming_rule.pattern,
            naming::layout_example(&naming_rule.layout),
        ) {
            (None, Some(example)) => format!(" (例 / e.g. {example}.jpg)"),
            _ => String::new(),
        };
        return judged(
            ID,
            rule,
            false,
            stem.clone(),
            limit.clone(),
            Message::new(
                format!("文件名「{stem}」不符合 {limit}{example}"),
                format!("the file name \"{stem}\" does not follow {limit}{example}"),
            ),
        );
    };
    let mut said_zh = Vec::new();
    let mut said_en = Vec::new();
    if let Some(number) = &student.number {
        said_zh.push(format!("学号 {number}"));
        said_en.push(format!("student number {number}"));
    }
    if let Some(name) = &student.name {
        said_zh.push(format!("姓名 {name}"));
        said_en.push(format!("name {name}"));
    }
    said_zh.push("身份证号有效".to_string());
    said_en.push("valid id number".to_string());
    let message = match naming::validate_id(&student.id, this_year()) {
        Ok(()) => Message::new(said_zh.join("，"), said_en.join(", ")),
        Err(IdProblem::CheckDigit { expected, found }) => {
            let msg = Message::new(
                format!("身份证号第 18 位 (校验码) 应为 {expected}，文件名中是 {found}：请核对身份证号"),
                format!("character 18 of the id number (the check character) should be {expected}, the file name has {found}: check the id number"),
            );
            return judged(ID, rule, false, student.id, limit, msg);
        }
        Err(IdProblem::BirthDate(date)) => {
            let msg = Message::new(
                format!("身份证号第 7–14 位的出生日期 {date} 不存在：请核对身份证号"),
                format!("characters 7–14 of the id number, the date of birth {date}, are no real date: check the id number"),
            );
            return judged(ID, rule, false, student.id, limit, msg);
        }
        Err(IdProblem::Region(code)) => {
            let msg = Message::new(
                format!("身份证号前 6 位地区码 {code} 不合格式：请核对身份证号"),
                format!("the first six digits of the id number, the region code {code}, are not a region code: check the id number"),
            );
            return judged(ID, rule, false, student.id, limit, msg);
        }
    };
    judged(ID, rule, true, student.id, limit, message)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{compliant, status_of};
    use super::*;
    use crate::report::Status;

    fn named(name: &str) -> CheckResult {
        let mut m = compliant();
        m.file_name = name.to_string();
        check(&m, &Profile::default())
    }

    #[test]
    fn a_valid_name_passes() {
        assert_eq!(status_of(ID, &compliant()), Status::Pass);
        assert_eq!(
            named("二班/2021001234_张三_11010519491231002x.JPG").status,
            Status::Pass
        );
    }

    #[test]
    fn a_wrong_check_digit_fails_with_the_position_and_expected_character() {
        let r = named("2021001234张三110105194912310021.jpg");
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.message.zh.contains("第 18 位") && r.message.zh.contains("应为 X"),
            "{}",
            r.message.zh
        );
        assert!(
            r.message.en.contains("should be X, the file name has 1"),
            "{}",
            r.message.en
        );
    }

    #[test]
    fn a_school_layout_is_followed_and_its_id_still_checked() {
        let p = Profile::from_overrides_str(
            "[rules.\"file.naming\"]\nlayout = \"专业-姓名-身份证号-电话\"\n",
            "school.toml",
        )
        .unwrap();
        let named_by = |name: &str| {
            let mut m = compliant();
            m.file_name = name.to_string();
            check(&m, &p)
        };
        let r = named_by("软件工程-李四-11010519491231002X-13800138000.jpg");
        assert_eq!(r.status, Status::Pass, "{}", r.message.zh);
        assert!(r.message.zh.contains("姓名 李四") && !r.message.zh.contains("学号"));
        let wrong = named_by("软件工程-李四-110105194912310021-13800138000.jpg");
        assert!(wrong.message.zh.contains("应为 X"), "{}", wrong.message.zh);
        let other = named_by("2021001234张三11010519491231002X.jpg");
        assert_eq!(other.status, Status::Fail);
        assert!(
            other.message.zh.contains("专业-姓名-身份证号-电话")
                && other
                    .message
                    .zh
                    .contains("计算机科学与技术-张三-11010519491231002X-13800138000.jpg"),
            "{}",
            other.message.zh
        );
    }

    #[test]
    fn other_names_fail_saying_what_is_expected() {
        let r = named("IMG_0042.jpg");
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.zh.contains("学号+姓名+身份证号"));
        assert_eq!(
            named("2021001234张三11010519490230002X.jpg").status,
            Status::Fail,
            "no 30 February"
        );
    }
}
