//! Reference photos (`photocheck check --reference DIR`): one photo per student, such as the
//! enrolment photo, named by the student number or the id number (`2021001234.jpg`,
//! `11010519491231002X.png`). Each is read once, for its face descriptor.

use crate::naming::Student;
use crate::rules::identity_match::Reference;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A reference photo's descriptor, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferencePhoto {
    /// Its file name.
    pub file: String,
    pub descriptor: Result<Vec<f32>, String>,
}

/// The reference photos of a run, by student number or id number.
#[derive(Debug, Default)]
pub struct References {
    by_key: HashMap<String, ReferencePhoto>,
}

/// The key a file name or a number is looked up by: full-width digits and letters made
/// ASCII, the id's check letter upper case.
fn key(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            c => c,
        })
        .collect::<String>()
        .to_uppercase()
}

/// The entries of `dir` but hidden ones, sorted by name.
pub fn visible_entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    Ok(paths)
}

impl References {
    /// The files of `dir` (not its subfolders), sorted by name, that could be reference
    /// photos: every file but hidden ones.
    pub fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        Ok(visible_entries(dir)?
            .into_iter()
            .filter(|p| p.is_file())
            .collect())
    }

    /// Adds a reference photo under its file stem. A second photo under the same key is
    /// refused: which one is the student's cannot be told.
    pub fn add(&mut self, path: &Path, descriptor: Result<Vec<f32>, String>) -> Result<(), String> {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        let key = key(&stem);
        if let Some(earlier) = self.by_key.get(&key) {
            return Err(format!(
                "两张参考照片同为 {key}：{} 和 {file} / two reference photos for {key}: {} and {file}",
                earlier.file, earlier.file
            ));
        }
        self.by_key.insert(key, ReferencePhoto { file, descriptor });
        Ok(())
    }

    /// How many reference photos there are, and how many of them have a usable face.
    pub fn counts(&self) -> (usize, usize) {
        let usable = self
            .by_key
            .values()
            .filter(|r| r.descriptor.is_ok())
            .count();
        (self.by_key.len(), usable)
    }

    /// The reference of the student a photo's file name names: by student number, then by
    /// id number.
    pub fn lookup(&self, student: Option<&Student>) -> Reference<'_> {
        let Some(student) = student else {
            return Reference::Unnamed;
        };
        let found = student
            .number
            .as_deref()
            .and_then(|n| self.by_key.get(&key(n)))
            .or_else(|| self.by_key.get(&key(&student.id)));
        match found {
            None => Reference::Missing,
            Some(ReferencePhoto {
                file,
                descriptor: Ok(d),
            }) => Reference::Found {
                file,
                descriptor: d,
            },
            Some(ReferencePhoto {
                file,
                descriptor: Err(why),
            }) => Reference::Unusable { file, why },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn student(number: Option<&str>, id: &str) -> Student {
        Student {
            number: number.map(str::to_string),
            name: Some("张三".into()),
            id: id.into(),
        }
    }

    #[test]
    fn a_student_is_found_by_number_then_by_id() {
        let mut refs = References::default();
        refs.add(Path::new("r/2021001234.jpg"), Ok(vec![1.0]))
            .unwrap();
        refs.add(Path::new("r/11010519491231002x.png"), Ok(vec![2.0]))
            .unwrap();
        refs.add(Path::new("r/2021009999.jpg"), Err("no face".into()))
            .unwrap();
        let by_number = refs.lookup(Some(&student(Some("2021001234"), "110105194912310021")));
        assert!(matches!(
            by_number,
            Reference::Found {
                file: "2021001234.jpg",
                ..
            }
        ));
        // Full-width digits in the name, and the id's check letter in either case.
        let by_id = refs.lookup(Some(&student(
            Some("２０２１０００００１"),
            "11010519491231002X",
        )));
        assert!(matches!(
            by_id,
            Reference::Found {
                file: "11010519491231002x.png",
                ..
            }
        ));
        assert!(matches!(
            refs.lookup(Some(&student(Some("2021009999"), "1"))),
            Reference::Unusable { why: "no face", .. }
        ));
        assert_eq!(refs.lookup(Some(&student(None, "2"))), Reference::Missing);
        assert_eq!(refs.lookup(None), Reference::Unnamed);
        assert_eq!(refs.counts(), (3, 2));
    }

    #[test]
    fn two_reference_photos_of_one_student_are_refused() {
        let mut refs = References::default();
        refs.add(Path::new("2021001234.jpg"), Ok(vec![1.0]))
            .unwrap();
        let err = refs
            .add(Path::new("2021001234.png"), Ok(vec![1.0]))
            .unwrap_err();
        assert!(
            err.contains("2021001234.jpg") && err.contains("2021001234.png"),
            "{err}"
        );
    }
}
