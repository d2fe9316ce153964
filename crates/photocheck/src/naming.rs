//! File names of the form 学号+姓名+身份证号 (student number, name, national id number):
//! parsing, with full-width characters normalised, and the id number's own checks
//! (GB 11643: region code, date of birth, ISO 7064 MOD 11-2 check digit).

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

/// What a photo's file name says about its student.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Student {
    pub number: String,
    pub name: String,
    pub id: String,
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

/// Reads student number, name and id number from a file name (without extension), by the
/// profile's `pattern` with groups `number`, `name` and `id`. `None` when it does not match.
pub fn parse(stem: &str, pattern: &Regex) -> Option<Student> {
    let stem = normalise(stem);
    let caps = pattern.captures(&stem)?;
    let group = |g: &str| caps.name(g).map(|m| m.as_str().to_string());
    Some(Student {
        number: group("number")?,
        name: group("name")?,
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
        Regex::new(&crate::Profile::default().rules.file_naming.params.pattern).unwrap()
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
            assert_eq!(s.number, "2021001234", "{name}");
            assert_eq!(s.id, "11010519491231002X", "{name}");
            assert!(
                s.name == "张三" || s.name == "欧阳娜娜",
                "{name}: {}",
                s.name
            );
        }
        assert_eq!(parse("IMG_20250101_1234", &p), None);
        assert_eq!(parse("张三2021001234", &p), None);
    }
}
