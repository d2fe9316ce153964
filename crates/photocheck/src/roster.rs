//! A class roster (学号, 姓名, 身份证号, optionally 班级) and its reconciliation with the
//! photos of a run: students with no photo, photos with no student, names or id numbers
//! that disagree.
//!
//! Rosters come out of Excel: UTF-8 (with or without BOM), UTF-16 with BOM ("Unicode text",
//! tab-separated) and GBK are all read; the header row may be in Chinese or English, or
//! absent (then the columns are 学号, 姓名, 身份证号, 班级 in that order).

use crate::naming::{normalise, Student};
use crate::report::Message;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// One student of the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub number: String,
    pub name: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

/// Why a roster cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("无法读取名单 / cannot read the roster {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("名单既不是 UTF-8 也不是 GBK 编码 / the roster is neither UTF-8 nor GBK text")]
    Encoding,
    #[error("名单缺少“{0}”列 / the roster has no {0} column")]
    MissingColumn(&'static str),
    #[error("名单第 {line} 行 / roster line {line}: {problem}")]
    Row { line: usize, problem: String },
    #[error("名单中{what_zh} {value} 出现两次 (第 {first} 行和第 {second} 行) / {what_en} {value} is on lines {first} and {second}")]
    Duplicate {
        what_zh: &'static str,
        what_en: &'static str,
        value: String,
        first: usize,
        second: usize,
    },
    #[error("名单是空的 / the roster lists no students")]
    Empty,
}

/// The column names recognised in a header row, per field (compared after NFKC,
/// lower-cased, without spaces and underscores).
const HEADERS: [(&str, &[&str]); 4] = [
    (
        "学号",
        &[
            "学号",
            "学生学号",
            "学生号",
            "studentnumber",
            "studentno",
            "number",
            "no",
        ],
    ),
    ("姓名", &["姓名", "学生姓名", "name", "studentname"]),
    (
        "身份证号",
        &[
            "身份证号",
            "身份证号码",
            "身份证",
            "证件号码",
            "证件号",
            "id",
            "idnumber",
            "idno",
        ],
    ),
    ("班级", &["班级", "班级名称", "class", "classname"]),
];

/// A class roster.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    entries: Vec<RosterEntry>,
    by_number: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
}

impl Roster {
    /// Reads a roster file (CSV or tab-separated; UTF-8, UTF-16 or GBK).
    pub fn read(path: &Path) -> Result<Roster, RosterError> {
        let bytes = std::fs::read(path).map_err(|source| RosterError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Roster::parse(&bytes)
    }

    /// Parses a roster held in memory.
    pub fn parse(bytes: &[u8]) -> Result<Roster, RosterError> {
        let text = decode(bytes)?;
        let first_line = text.lines().next().unwrap_or("");
        let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() {
            b'\t'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let mut columns: Option<[Option<usize>; 4]> = None;
        let mut roster = Roster::default();
        // Line of each student number and each id number seen.
        let mut numbers: HashMap<String, usize> = HashMap::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 1;
            let record = record.map_err(|e| RosterError::Row {
                line,
                problem: e.to_string(),
            })?;
            let cells: Vec<String> = record.iter().map(normalise).collect();
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            let cols = match columns {
                Some(cols) => cols,
                None => {
                    let header = header_columns(&cells);
                    let cols = header.unwrap_or([Some(0), Some(1), Some(2), Some(3)]);
                    for (field, col) in HEADERS.iter().zip(cols).take(3) {
                        if col.is_none() {
                            return Err(RosterError::MissingColumn(field.0));
                        }
                    }
                    columns = Some(cols);
                    if header.is_some() {
                        continue;
                    }
                    cols
                }
            };
            let cell = |k: usize| {
                cols[k]
                    .and_then(|c| cells.get(c))
                    .cloned()
                    .unwrap_or_default()
            };
            let entry = RosterEntry {
                number: cell(0),
                name: cell(1),
                id: cell(2).to_ascii_uppercase(),
                class: Some(cell(3)).filter(|c| !c.is_empty()),
            };
            check_entry(&entry).map_err(|problem| RosterError::Row { line, problem })?;
            for (seen, value, what_zh, what_en) in [
                (&mut numbers, &entry.number, "学号", "student number"),
                (&mut ids, &entry.id, "身份证号", "id number"),
            ] {
                if let Some(&first) = seen.get(value) {
                    return Err(RosterError::Duplicate {
                        what_zh,
                        what_en,
                        value: value.clone(),
                        first,
                        second: line,
                    });
                }
                seen.insert(value.clone(), line);
            }
            roster.push(entry);
        }
        if roster.entries.is_empty() {
            return Err(RosterError::Empty);
        }
        Ok(roster)
    }

    fn push(&mut self, entry: RosterEntry) {
        let k = self.entries.len();
        self.by_number.insert(entry.number.clone(), k);
        self.by_id.insert(entry.id.clone(), k);
        self.entries.push(entry);
    }

    /// The students, in roster order.
    pub fn entries(&self) -> &[RosterEntry] {
        &self.entries
    }

    /// Starts reconciling this roster with a run's photos.
    pub fn matcher(&self) -> RosterMatcher<'_> {
        RosterMatcher {
            roster: self,
            seen: vec![false; self.entries.len()],
            summary: RosterSummary {
                students: self.entries.len(),
                ..RosterSummary::default()
            },
        }
    }
}

/// Text of a roster file: UTF-8 (BOM or not), UTF-16 with BOM, else GBK (as GB 18030).
fn decode(bytes: &[u8]) -> Result<String, RosterError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return if had_errors {
            Err(RosterError::Encoding)
        } else {
            Ok(text.into_owned())
        };
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|t| t.into_owned())
        .ok_or(RosterError::Encoding)
}

/// The column of each field when `cells` is a header row (number, name and id at least).
fn header_columns(cells: &[String]) -> Option<[Option<usize>; 4]> {
    let key = |c: &str| c.to_lowercase().replace([' ', '_', '-'], "");
    let mut cols = [None; 4];
    for (k, (_, names)) in HEADERS.iter().enumerate() {
        cols[k] = cells.iter().position(|c| names.contains(&key(c).as_str()));
    }
    cols.iter().take(3).any(Option::is_some).then_some(cols)
}

/// What is wrong with a roster row, if anything.
fn check_entry(e: &RosterEntry) -> Result<(), String> {
    if e.number.is_empty() || e.name.is_empty() || e.id.is_empty() {
        return Err(
            "学号、姓名、身份证号不能为空 / number, name and id number are required".into(),
        );
    }
    if e.id.contains("E+") || e.number.contains("E+") {
        return Err(format!(
            "“{}”被 Excel 改成了科学计数法：请把该列设为文本后重新导出 / Excel turned a number into scientific notation: format the column as text and export again",
            if e.id.contains("E+") { &e.id } else { &e.number }
        ));
    }
    Ok(())
}

/// How a photo stands against the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterStatus {
    /// Student number, name and id number agree with a roster row.
    Matched,
    /// A roster row was found by student number or id number, but the rest disagrees.
    Mismatch,
    /// Neither the student number nor the id number is on the roster.
    NotOnRoster,
    /// The file name does not say who the student is.
    Unnamed,
}

/// One photo's reconciliation with the roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterMatch {
    pub status: RosterStatus,
    /// The roster's class of the student, when the roster has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub message: Message,
}

/// The run against the roster: counts, and the students with no photo.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RosterSummary {
    /// Students on the roster.
    pub students: usize,
    pub matched: usize,
    pub mismatched: usize,
    pub not_on_roster: usize,
    pub unnamed: usize,
    /// Roster students no photo of the run names, in roster order.
    pub missing: Vec<RosterEntry>,
}

/// Reconciles photos with a roster one at a time, remembering whom it has seen.
pub struct RosterMatcher<'a> {
    roster: &'a Roster,
    seen: Vec<bool>,
    summary: RosterSummary,
}

impl RosterMatcher<'_> {
    /// Reconciles one photo, given the student its file name names.
    pub fn check(&mut self, student: Option<&Student>) -> RosterMatch {
        let r = self.roster;
        let result = match student {
            None => RosterMatch {
                status: RosterStatus::Unnamed,
                class: None,
                message: Message::new(
                    "文件名不符合命名规则 (学号、姓名、身份证号)，无法与名单核对",
                    "the file name does not follow the naming layout: it cannot be matched with the roster",
                ),
            },
            Some(s) => match s
                .number
                .as_ref()
                .and_then(|n| r.by_number.get(n))
                .or_else(|| r.by_id.get(&s.id))
            {
                None => RosterMatch {
                    status: RosterStatus::NotOnRoster,
                    class: None,
                    message: match &s.number {
                        Some(number) => Message::new(
                            format!("名单中没有学号 {number} 或身份证号 {}", s.id),
                            format!("neither student number {number} nor id number {} is on the roster", s.id),
                        ),
                        None => Message::new(
                            format!("名单中没有身份证号 {}", s.id),
                            format!("id number {} is not on the roster", s.id),
                        ),
                    },
                },
                Some(&k) => {
                    self.seen[k] = true;
                    let e = &r.entries[k];
                    let differences = differences(s, e);
                    RosterMatch {
                        status: if differences.is_empty() {
                            RosterStatus::Matched
                        } else {
                            RosterStatus::Mismatch
                        },
                        class: e.class.clone(),
                        message: if differences.is_empty() {
                            Message::new("与名单一致", "agrees with the roster")
                        } else {
                            Message::new(
                                differences.iter().map(|d| d.zh.as_str()).collect::<Vec<_>>().join("；"),
                                differences.iter().map(|d| d.en.as_str()).collect::<Vec<_>>().join("; "),
                            )
                        },
                    }
                }
            },
        };
        let counter = match result.status {
            RosterStatus::Matched => &mut self.summary.matched,
            RosterStatus::Mismatch => &mut self.summary.mismatched,
            RosterStatus::NotOnRoster => &mut self.summary.not_on_roster,
            RosterStatus::Unnamed => &mut self.summary.unnamed,
        };
        *counter += 1;
        result
    }

    /// The counts, and the roster students no photo named.
    pub fn finish(self) -> RosterSummary {
        let mut summary = self.summary;
        summary.missing = self
            .roster
            .entries
            .iter()
            .zip(&self.seen)
            .filter(|(_, seen)| !**seen)
            .map(|(e, _)| e.clone())
            .collect();
        summary
    }
}

/// Where a file name's student disagrees with a roster row, field by field (the fields the
/// file name holds).
fn differences(s: &Student, e: &RosterEntry) -> Vec<Message> {
    let mut out = Vec::new();
    for (zh, en, file, roster) in [
        ("学号", "student number", s.number.as_ref(), &e.number),
        ("姓名", "name", s.name.as_ref(), &e.name),
        ("身份证号", "id number", Some(&s.id), &e.id),
    ] {
        let Some(file) = file else { continue };
        if file != roster {
            out.push(Message::new(
                format!("{zh}与名单不符：文件名为 {file}，名单为 {roster}"),
                format!("the {en} differs from the roster: {file} in the file name, {roster} on the roster"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZHANG: &str = "11010519491231002X";
    const LI: &str = "110105200001010011";

    fn student(number: &str, name: &str, id: &str) -> Student {
        Student {
            number: Some(number.into()),
            name: Some(name.into()),
            id: id.into(),
        }
    }

    fn roster() -> Roster {
        let text = format!(
            "学号,姓名,身份证号,班级\n2021001,张三,{ZHANG},计科1班\n2021002,李四,{LI},计科2班\n"
        );
        Roster::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn a_roster_row_with_no_photo_is_missing() {
        let r = roster();
        let mut m = r.matcher();
        let found = m.check(Some(&student("2021001", "张三", ZHANG)));
        assert_eq!(found.status, RosterStatus::Matched);
        assert_eq!(found.class.as_deref(), Some("计科1班"));
        let summary = m.finish();
        assert_eq!(summary.matched, 1);
        assert_eq!(summary.missing.len(), 1);
        assert_eq!(summary.missing[0].name, "李四");
    }

    #[test]
    fn mismatches_name_the_field_and_both_values() {
        let r = roster();
        let mut m = r.matcher();
        let wrong_name = m.check(Some(&student("2021001", "张珊", ZHANG)));
        assert_eq!(wrong_name.status, RosterStatus::Mismatch);
        assert!(
            wrong_name.message.zh.contains("姓名")
                && wrong_name.message.zh.contains("张珊")
                && wrong_name.message.zh.contains("张三"),
            "{}",
            wrong_name.message.zh
        );
        // A mistyped student number is still found by the id number.
        let wrong_number = m.check(Some(&student("2021099", "李四", LI)));
        assert_eq!(wrong_number.status, RosterStatus::Mismatch);
        assert!(
            wrong_number.message.en.contains("student number"),
            "{}",
            wrong_number.message.en
        );
        let stranger = m.check(Some(&student("2030001", "王五", "110105199001010015")));
        assert_eq!(stranger.status, RosterStatus::NotOnRoster);
        assert_eq!(m.check(None).status, RosterStatus::Unnamed);
        let summary = m.finish();
        assert_eq!(
            (summary.mismatched, summary.not_on_roster, summary.unnamed),
            (2, 1, 1)
        );
        assert!(summary.missing.is_empty());
    }

    #[test]
    fn gbk_utf16_and_headerless_rosters_read_alike() {
        let text = format!("学号,姓名,身份证号,班级\r\n2021001,张三,{ZHANG},计科1班\r\n");
        let gbk = encoding_rs::GBK.encode(&text).0.into_owned();
        assert!(
            std::str::from_utf8(&gbk).is_err(),
            "the test needs non-UTF-8 bytes"
        );
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in text.replace(',', "\t").encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        let headerless = format!("2021001,张三,{},计科1班\n", ZHANG.to_lowercase());
        for bytes in [gbk, utf16, bom, headerless.into_bytes()] {
            let r = Roster::parse(&bytes).unwrap();
            assert_eq!(
                r.entries(),
                &[RosterEntry {
                    number: "2021001".into(),
                    name: "张三".into(),
                    id: ZHANG.into(),
                    class: Some("计科1班".into()),
                }]
            );
        }
    }

    #[test]
    fn english_headers_in_another_order_and_no_class() {
        let text = format!("Name,ID Number,Student No\n张三,{ZHANG},2021001\n");
        let r = Roster::parse(text.as_bytes()).unwrap();
        assert_eq!(r.entries()[0].number, "2021001");
        assert_eq!(r.entries()[0].name, "张三");
        assert_eq!(r.entries()[0].class, None);
    }

    #[test]
    fn bad_rosters_are_refused_with_the_line() {
        let missing_id = "学号,姓名,班级\n2021001,张三,1班\n";
        assert!(matches!(
            Roster::parse(missing_id.as_bytes()),
            Err(RosterError::MissingColumn("身份证号"))
        ));
        let duplicate = format!("学号,姓名,身份证号\n2021001,张三,{ZHANG}\n2021001,李四,{LI}\n");
        assert!(matches!(
            Roster::parse(duplicate.as_bytes()),
            Err(RosterError::Duplicate {
                what_en: "student number",
                first: 2,
                second: 3,
                ..
            })
        ));
        let same_id = format!("学号,姓名,身份证号\n2021001,张三,{ZHANG}\n2021002,李四,{ZHANG}\n");
        assert!(matches!(
            Roster::parse(same_id.as_bytes()),
            Err(RosterError::Duplicate {
                what_en: "id number",
                first: 2,
                second: 3,
                ..
            })
        ));
        let excel = "学号,姓名,身份证号\n2021001,张三,1.10105E+17\n";
        match Roster::parse(excel.as_bytes()) {
            Err(RosterError::Row { line: 2, problem }) => {
                assert!(problem.contains("科学计数法"), "{problem}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(Roster::parse(b"\n\n"), Err(RosterError::Empty)));
        assert!(matches!(
            Roster::parse(&[0xFF, 0xFF, 0x00, 0x81]),
            Err(RosterError::Encoding)
        ));
    }
}
