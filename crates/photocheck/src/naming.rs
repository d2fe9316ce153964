//! File names such as 学号+姓名+身份证号 (student number, name, national id number): a
//! school's layout of fields turned into a regular expression, parsing with full-width
//! characters normalised, and the id number's own checks (GB 11643: region code, date of
//! birth, ISO 7064 MOD 11-2 check digit).

use regex::Regex;
use std::cell::RefCell;
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

thread_local! {
    /// The last compiled pattern of this thread (profiles rarely change within a run).
    static PATTERN: RefCell<Option<(String, Regex)>> = const { RefCell::new(None) };
}

/// The student a photo's file name (a path; its extension is ignored) names by `pattern`
/// (the profile's `file.naming` pattern, already checked to compile).
pub fn student_of(file_name: &str, pattern: &str) -> Option<Student> {
    let stem = Path::new(file_name)
        .file_stem()?
        .to_string_lossy()
        .into_owned();
    PATTERN.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.as_ref().is_none_or(|(text, _)| text != pattern) {
            *cache = Some((pattern.to_string(), Regex::new(pattern).ok()?));
        }
        parse(&stem, &cache.as_ref()?.1)
    })
}

/// What a photo's file name says about its student. A layout without 学号 or 姓名 leaves
/// them out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Student {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub id: String,
}

/// The fields a file-name layout may name: the layout's word, the regular expression's
/// group, what the field matches, and an example value.
const FIELDS: [(&str, &str, &str, &str); 6] = [
    ("学号", "number", r"\d{4,20}", "2021001234"),
    (
        "姓名",
        "name",
        r"[\p{Han}·•]{2,12}|[A-Za-z][A-Za-z .\-]{0,40}[A-Za-z]",
        "张三",
    ),
    ("身份证号", "id", r"\d{17}[\dXx]", "11010519491231002X"),
    (
        "专业",
        "major",
        r"[\p{Han}A-Za-z()]{2,30}",
        "计算机科学与技术",
    ),
    ("班级", "class", r"[\p{Han}A-Za-z0-9()]{1,30}", "计科2101"),
    ("电话", "phone", r"1\d{10}", "13800138000"),
];

/// Characters that may stand between two fields of a file name (after normalisation).
const SEPARATORS: &str = r"[\s_+\-、.]";

/// One piece of a parsed layout.
enum Piece {
    Field(usize),
    /// Between two fields: `true` when a separator must be there (`-`, `_`, `、`, a space),
    /// `false` for `+` (any separator or none).
    Joint(bool),
}

fn pieces(layout: &str) -> Result<Vec<Piece>, String> {
    let layout = normalise(layout);
    let mut rest = layout.as_str();
    let mut pieces = Vec::new();
    while let Some(c) = rest.chars().next() {
        if let Some(i) = FIELDS.iter().position(|f| rest.starts_with(f.0)) {
            if pieces
                .iter()
                .any(|p| matches!(p, Piece::Field(j) if *j == i))
            {
                return Err(format!("layout `{layout}` names {} twice", FIELDS[i].0));
            }
            if matches!(pieces.last(), Some(Piece::Field(_))) {
                return Err(format!(
                    "layout `{layout}`: put + or a separator between two fields"
                ));
            }
            pieces.push(Piece::Field(i));
            rest = &rest[FIELDS[i].0.len()..];
        } else if c == '+' || c.is_whitespace() || "-_、.".contains(c) {
            let required = c != '+';
            match pieces.last_mut() {
                Some(Piece::Joint(r)) => *r |= required,
                _ => pieces.push(Piece::Joint(required)),
            }
            rest = &rest[c.len_utf8()..];
        } else {
            let fields: Vec<&str> = FIELDS.iter().map(|f| f.0).collect();
            return Err(format!(
                "layout `{layout}`: `{rest}` does not start with a field ({})",
                fields.join(", ")
            ));
        }
    }
    if !pieces.iter().any(|p| matches!(p, Piece::Field(2))) {
        return Err(format!(
            "layout `{layout}` must hold 身份证号 (the id number)"
        ));
    }
    Ok(pieces)
}

/// The regular expression a layout such as `学号+姓名+身份证号` or
/// `专业-姓名-身份证号-电话` stands for, or why the layout is not one.
pub fn layout_pattern(layout: &str) -> Result<String, String> {
    let body: String = pieces(layout)?
        .iter()
        .map(|piece| match piece {
            Piece::Field(i) => format!("(?P<{}>{})", FIELDS[*i].1, FIELDS[*i].2),
            Piece::Joint(true) => format!("{SEPARATORS}+"),
            Piece::Joint(false) => format!("{SEPARATORS}*"),
        })
        .collect();
    Ok(format!("^{body}$"))
}

/// An example file name (without extension) in a layout, `None` when it is not one.
pub fn layout_example(layout: &str) -> Option<String> {
    let pieces = pieces(layout).ok()?;
    let separator = normalise(layout)
        .chars()
        .find(|c| c.is_whitespace() || "-_、.".contains(*c))
        .unwrap_or('_');
    Some(
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Field(i) => FIELDS[*i].3.to_string(),
                Piece::Joint(true) => separator.to_string(),
                Piece::Joint(false) => String::new(),
            })
            .collect(),
    )
}

/// Why an id number is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    /// The 18th character is not the one the first 17 call for.
    CheckDigit { expected: char, found: char },
    /// Characters 7–14 are no date (or a date outside 1900 – today).
    BirthDate(String),
    /// The first six digits cannot be a region code.
    Region(String),
}

/// Full-width digits, letters and signs to their ASCII forms (NFKC), trimmed.
pub fn normalise(name: &str) -> String {
    name.nfkc().collect::<String>().trim().to_string()
}

/// Reads student number, name and id number from a file name (without extension), by a
/// pattern with the group `id` and optionally `number` and `name`. `None` when it does not
/// match.
pub fn parse(stem: &str, pattern: &Regex) -> Option<Student> {
    let stem = normalise(stem);
    let caps = pattern.captures(&stem)?;
    let group = |g: &str| caps.name(g).map(|m| m.as_str().to_string());
    Some(Student {
        number: group("number"),
        name: group("name"),
        id: group("id")?.to_ascii_uppercase(),
    })
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character that the first 17 digits of an id number call for.
pub fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    (first17.chars().count() == 17).then(|| CHECK_CHARS[(sum % 11) as usize])
}

/// Checks an 18-character id number (already matched as 17 digits and a digit or X).
pub fn validate_id(id: &str, this_year: i32) -> Result<(), IdProblem> {
    let region = &id[..6];
    let province: u32 = region[..2].parse().unwrap_or(0);
    if !(11..=91).contains(&province) {
        return Err(IdProblem::Region(region.to_string()));
    }
    let (y, m, d): (i32, u32, u32) = (
        id[6..10].parse().unwrap_or(0),
        id[10..12].parse().unwrap_or(0),
        id[12..14].parse().unwrap_or(0),
    );
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    if !(1900..=this_year).contains(&y) || d == 0 || d > days {
        return Err(IdProblem::BirthDate(id[6..14].to_string()));
    }
    let expected = check_char(&id[..17]).ok_or_else(|| IdProblem::Region(region.to_string()))?;
    let found = id.chars().nth(17).unwrap_or(' ');
    if expected != found {
        return Err(IdProblem::CheckDigit { expected, found });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern() -> Regex {
        Regex::new(&crate::Profile::default().rules.file_naming.params.regex()).unwrap()
    }

    fn by_layout(layout: &str) -> Regex {
        Regex::new(&layout_pattern(layout).unwrap()).unwrap()
    }

    #[test]
    fn a_published_example_id_is_valid() {
        // The example of GB 11643-1999's annex: 11010519491231002X.
        assert_eq!(check_char("11010519491231002"), Some('X'));
        assert_eq!(validate_id("11010519491231002X", 2026), Ok(()));
    }

    #[test]
    fn a_wrong_check_digit_names_the_expected_character() {
        assert_eq!(
            validate_id("110105194912310021", 2026),
            Err(IdProblem::CheckDigit {
                expected: 'X',
                found: '1'
            })
        );
    }

    #[test]
    fn impossible_dates_and_regions_are_refused() {
        let with = |first17: &str| format!("{first17}{}", check_char(first17).unwrap());
        assert!(matches!(
            validate_id(&with("11010519490230002"), 2026),
            Err(IdProblem::BirthDate(_))
        ));
        assert!(matches!(
            validate_id(&with("11010520300101002"), 2026),
            Err(IdProblem::BirthDate(_))
        ));
        assert!(matches!(
            validate_id(&with("00010519491231002"), 2026),
            Err(IdProblem::Region(_))
        ));
        assert_eq!(
            validate_id(&with("11010520000229002"), 2026),
            Ok(()),
            "2000 is a leap year"
        );
    }

    #[test]
    fn names_parse_with_or_without_separators_and_in_full_width() {
        let p = pattern();
        for name in [
            "2021001234张三11010519491231002X",
            "2021001234_张三_11010519491231002x",
            "2021001234+张三+11010519491231002X",
            "２０２１００１２３４张三１１０１０５１９４９１２３１００２Ｘ",
            "2021001234 欧阳娜娜 11010519491231002X",
        ] {
            let s = parse(name, &p).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(s.number.as_deref(), Some("2021001234"), "{name}");
            assert_eq!(s.id, "11010519491231002X", "{name}");
            let n = s.name.unwrap();
            assert!(n == "张三" || n == "欧阳娜娜", "{name}: {n}");
        }
        assert_eq!(parse("IMG_20250101_1234", &p), None);
        assert_eq!(parse("张三2021001234", &p), None);
    }

    #[test]
    fn three_layouts_parse_their_own_names_and_refuse_the_others() {
        let notice = by_layout("学号+姓名+身份证号");
        let major_first = by_layout("专业-姓名-身份证号-电话");
        let id_only = by_layout("身份证号");
        let s = parse(
            "计算机科学与技术-李四-11010519491231002X-13800138000",
            &major_first,
        )
        .expect("专业-姓名-身份证号-电话");
        assert_eq!((s.number, s.name.as_deref()), (None, Some("李四")));
        assert_eq!(s.id, "11010519491231002X");
        // A separator the layout asks for must be there: 专业 and 姓名 run together otherwise.
        assert_eq!(
            parse(
                "计算机科学与技术李四11010519491231002X13800138000",
                &major_first
            ),
            None
        );
        assert_eq!(
            parse("2021001234张三11010519491231002X", &major_first),
            None
        );
        assert_eq!(
            parse("11010519491231002x", &id_only).map(|s| s.id),
            Some("11010519491231002X".to_string())
        );
        assert_eq!(parse("2021001234张三11010519491231002X", &id_only), None);
        assert_eq!(
            parse(
                "计算机科学与技术-李四-11010519491231002X-13800138000",
                &notice
            ),
            None
        );
    }

    #[test]
    fn the_default_layout_is_the_notice_pattern() {
        assert_eq!(
            layout_pattern("学号+姓名+身份证号").unwrap(),
            r"^(?P<number>\d{4,20})[\s_+\-、.]*(?P<name>[\p{Han}·•]{2,12}|[A-Za-z][A-Za-z .\-]{0,40}[A-Za-z])[\s_+\-、.]*(?P<id>\d{17}[\dXx])$"
        );
        assert_eq!(
            layout_example("专业-姓名-身份证号-电话").as_deref(),
            Some("计算机科学与技术-张三-11010519491231002X-13800138000")
        );
        assert_eq!(
            layout_example("学号＋姓名＋身份证号").as_deref(),
            Some("2021001234张三11010519491231002X"),
            "full-width plus signs"
        );
    }

    #[test]
    fn a_layout_that_is_no_layout_says_why() {
        for (layout, says) in [
            ("学号+姓名", "身份证号"),
            ("学号姓名身份证号", "between two fields"),
            ("学号+手机+身份证号", "does not start with a field"),
            ("身份证号-身份证号", "twice"),
        ] {
            let err = layout_pattern(layout).unwrap_err();
            assert!(err.contains(says), "{layout}: {err}");
        }
    }
}
