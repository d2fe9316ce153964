//! `batch.once` across a run: the same student number, the same id number, or the same
//! photo (near-identical face hashes) under two names. Only a few facts per photo are kept,
//! so memory stays small however many photos a run has.

use crate::measure::hash_distance;
use crate::report::PhotoReport;
use std::collections::HashMap;

/// Why two photos collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collision {
    StudentNumber,
    IdNumber,
    /// Face hashes this many bits apart.
    SamePhoto(u32),
}

/// The facts of one photo that collisions are found by.
#[derive(Debug, Clone)]
struct Entry {
    file: String,
    number: Option<String>,
    id: Option<String>,
    hash: Option<[u64; 4]>,
}

/// The photos of a run, in the order they were added.
#[derive(Debug, Default)]
pub struct BatchIndex {
    entries: Vec<Entry>,
}

fn parse_hash(hex: &str) -> Option<[u64; 4]> {
    if hex.len() != 64 {
        return None;
    }
    let mut hash = [0u64; 4];
    for (i, word) in hash.iter_mut().enumerate() {
        *word = u64::from_str_radix(&hex[i * 16..(i + 1) * 16], 16).ok()?;
    }
    Some(hash)
}

impl BatchIndex {
    /// Adds a photo's report (error records take part by name only).
    pub fn add(&mut self, report: &PhotoReport) {
        self.entries.push(Entry {
            file: report.file.clone(),
            number: report.student.as_ref().map(|s| s.number.clone()),
            id: report.student.as_ref().map(|s| s.id.clone()),
            hash: report.fingerprint.as_deref().and_then(parse_hash),
        });
    }

    /// For each photo (by the order added) that collides with others: the others' files
    /// and why. Photos whose face hashes are at most `max_distance` bits apart are the same.
    pub fn collisions(&self, max_distance: u32) -> HashMap<usize, Vec<(String, Collision)>> {
        let mut found: HashMap<usize, Vec<(String, Collision)>> = HashMap::new();
        let mut note = |a: usize, b: usize, why: Collision| {
            found
                .entry(a)
                .or_default()
                .push((self.entries[b].file.clone(), why));
            found
                .entry(b)
                .or_default()
                .push((self.entries[a].file.clone(), why));
        };
        let mut by_key = |key: fn(&Entry) -> Option<&String>, why: Collision| {
            let mut groups: HashMap<&String, Vec<usize>> = HashMap::new();
            for (i, e) in self.entries.iter().enumerate() {
                if let Some(k) = key(e) {
                    groups.entry(k).or_default().push(i);
                }
            }
            for members in groups.values().filter(|m| m.len() > 1) {
                for (n, &a) in members.iter().enumerate() {
                    for &b in &members[n + 1..] {
                        note(a, b, why);
                    }
                }
            }
        };
        by_key(|e| e.number.as_ref(), Collision::StudentNumber);
        by_key(|e| e.id.as_ref(), Collision::IdNumber);
        for a in 0..self.entries.len() {
            let Some(ha) = &self.entries[a].hash else {
                continue;
            };
            for b in a + 1..self.entries.len() {
                if let Some(hb) = &self.entries[b].hash {
                    let d = hash_distance(ha, hb);
                    if d <= max_distance {
                        note(a, b, Collision::SamePhoto(d));
                    }
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::Student;
    use crate::report::{FileSummary, PhotoReport};

    fn photo(file: &str, number: &str, id: &str, hash: [u64; 4]) -> PhotoReport {
        let facts = FileSummary {
            format: "jpeg".into(),
            width: 1,
            height: 1,
            bytes: 1,
            dpi: None,
            jpeg_quality: None,
        };
        let mut r = PhotoReport::checked(file.into(), vec![], facts);
        r.student = Some(Student {
            number: number.into(),
            name: "x".into(),
            id: id.into(),
        });
        r.fingerprint = Some(hash.iter().map(|w| format!("{w:016x}")).collect());
        r
    }

    #[test]
    fn same_number_same_id_and_same_photo_are_found_on_both_sides() {
        let mut index = BatchIndex::default();
        index.add(&photo("a.jpg", "1", "A", [0, 0, 0, 0]));
        index.add(&photo("b.jpg", "1", "B", [u64::MAX, 0, 0, 0]));
        index.add(&photo("c.jpg", "3", "A", [0, u64::MAX, 0, 0]));
        index.add(&photo("d.jpg", "4", "D", [0b111, 0, 0, 0]));
        index.add(&photo("e.jpg", "5", "E", [0, 0, u64::MAX, u64::MAX]));
        let found = index.collisions(24);
        assert_eq!(found[&0].len(), 3, "{:?}", found[&0]);
        assert!(found[&1].contains(&("a.jpg".into(), Collision::StudentNumber)));
        assert!(found[&2].contains(&("a.jpg".into(), Collision::IdNumber)));
        assert!(found[&3].contains(&("a.jpg".into(), Collision::SamePhoto(3))));
        assert!(
            !found.contains_key(&4),
            "a different photo of another student"
        );
    }
}
