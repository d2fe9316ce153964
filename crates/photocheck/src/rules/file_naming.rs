//! `file.naming`: the file is named 学号+姓名+身份证号 and the id number is a valid one.

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
    let limit = "学号+姓名+身份证号".to_string();
    let student = naming::student_of(&m.file_name, &rule.params.pattern);
    let Some(student) = student else {
        return judged(
            ID,
            rule,
            false,
            stem.clone(),
            limit,
            Message::new(
                format!("文件名「{stem}」不是 学号+姓名+身份证号 (例：2021001234张三11010519491231002X.jpg)"),
                format!("the file name \"{stem}\" is not student number + name + id number (e.g. 2021001234张三11010519491231002X.jpg)"),
            ),
        );
    };
    let message = match naming::validate_id(&student.id, this_year()) {
        Ok(()) => Message::new(
            format!(
                "学号 {}，姓名 {}，身份证号有效",
                student.number, student.name
            ),
            format!(
                "student number {}, name {}, valid id number",
                student.number, student.name
            ),
        ),
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
