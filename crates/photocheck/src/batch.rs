//! `batch.once` across a run: the same student number, the same id number, the same photo
//! (near-identical face hashes) or the same person (near face descriptors) under two
//! names, and two people under one number. Only a few facts per photo are kept (a
//! descriptor is 512 bytes), so memory stays small however many photos a run has.

use crate::analysis::descriptor_distance;
use crate::measure::hash_distance;
use crate::report::PhotoReport;
use rayon::prelude::*;
use std::collections::HashMap;

/// Why two photos collide.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Collision {
    StudentNumber,
    IdNumber,
    /// Face hashes this many bits apart.
    SamePhoto(u32),
    /// Different photos, and numbers, of one person: descriptors this far apart.
    SamePerson(f32),
    /// One student or id number on photos of two people: descriptors this far apart.
    OtherPerson(f32),
}

/// When two photos' faces are of one person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Face hashes at most this many bits apart are the same photo.
    pub max_hash_distance: u32,
    /// Descriptors at most this far apart are the same person.
    pub max_same_person_distance: f32,
    /// Descriptors of photos under one number further apart than this are two people.
    pub min_other_person_distance: f32,
}

/// The facts of one photo that collisions are found by.
#[derive(Debug, Clone)]
struct Entry {
    file: String,
    number: Option<String>,
    id: Option<String>,
    hash: Option<[u64; 4]>,
    descriptor: Option<Box<[f32]>>,
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

/// The photos one photo collides with: the first few by name, the rest counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    pub named: Vec<(String, Collision)>,
    pub more: usize,
}

/// How many colliding photos a result names; the rest are counted.
const NAMED: usize = 5;

impl Found {
    /// Notes the photos `others` (which may include `me`) as colliding for `why`.
    fn note(&mut self, me: usize, others: &[usize], entries: &[Entry], why: Collision) {
        let count = others.iter().filter(|&&o| o != me).count();
        let mut taken = 0;
        for &o in others.iter().filter(|&&o| o != me) {
            if self.named.len() >= NAMED {
                break;
            }
            self.named.push((entries[o].file.clone(), why));
            taken += 1;
        }
        self.more += count - taken;
    }
}

impl BatchIndex {
    /// Adds a photo's report (error records take part by name only).
    pub fn add(&mut self, report: &PhotoReport) {
        self.entries.push(Entry {
            file: report.file.clone(),
            number: report.student.as_ref().and_then(|s| s.number.clone()),
            id: report.student.as_ref().map(|s| s.id.clone()),
            hash: report.fingerprint.as_deref().and_then(parse_hash),
            descriptor: report.descriptor.clone().map(Vec::into_boxed_slice),
        });
    }

    /// For each photo (by the order added) that collides with others: whom and why, the
    /// others named in the order they were added (by student number, id, face hash, then
    /// person). Work grows with the number of distinct hashes squared, never with the
    /// copies of one, and with the photos with a descriptor squared.
    pub fn collisions(&self, limits: Limits) -> HashMap<usize, Found> {
        let max_distance = limits.max_hash_distance;
        let entries = &self.entries;
        let mut found: HashMap<usize, Found> = HashMap::new();
        let groups = |key: &dyn Fn(&Entry) -> Option<&String>| {
            let mut groups: HashMap<&String, Vec<usize>> = HashMap::new();
            for (i, e) in entries.iter().enumerate() {
                if let Some(k) = key(e) {
                    groups.entry(k).or_default().push(i);
                }
            }
            let mut groups: Vec<Vec<usize>> =
                groups.into_values().filter(|m| m.len() > 1).collect();
            // Members are in the order added; groups too, so that reports do not change
            // from run to run with the hash map's order.
            groups.sort_unstable_by_key(|m| m[0]);
            groups
        };
        for (members, why) in groups(&|e| e.number.as_ref())
            .into_iter()
            .map(|m| (m, Collision::StudentNumber))
            .chain(
                groups(&|e| e.id.as_ref())
                    .into_iter()
                    .map(|m| (m, Collision::IdNumber)),
            )
        {
            for &me in &members {
                found
                    .entry(me)
                    .or_default()
                    .note(me, &members, entries, why);
            }
        }
        let mut buckets: HashMap<[u64; 4], Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(h) = e.hash {
                buckets.entry(h).or_default().push(i);
            }
        }
        let mut buckets: Vec<([u64; 4], Vec<usize>)> = buckets.into_iter().collect();
        buckets.sort_unstable_by_key(|(_, members)| members[0]);
        for (a, (ha, ma)) in buckets.iter().enumerate() {
            if ma.len() > 1 {
                for &me in ma {
                    found
                        .entry(me)
                        .or_default()
                        .note(me, ma, entries, Collision::SamePhoto(0));
                }
            }
            for (hb, mb) in &buckets[a + 1..] {
                let d = hash_distance(ha, hb);
                if d <= max_distance {
                    for &me in ma {
                        found
                            .entry(me)
                            .or_default()
                            .note(me, mb, entries, Collision::SamePhoto(d));
                    }
                    for &me in mb {
                        found
                            .entry(me)
                            .or_default()
                            .note(me, ma, entries, Collision::SamePhoto(d));
                    }
                }
            }
        }
        self.note_people(&mut found, limits);
        found
    }

    /// Adds the pairs the face descriptors find: one person under two numbers (unless
    /// already found as one photo) and two people under one number.
    fn note_people(&self, found: &mut HashMap<usize, Found>, limits: Limits) {
        let entries = &self.entries;
        let with: Vec<(usize, &[f32])> = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.descriptor.as_deref().map(|d| (i, d)))
            .collect();
        // Photos whose hashes already make them one photo are not named again.
        let same_photo = |a: &Entry, b: &Entry| match (a.hash, b.hash) {
            (Some(ha), Some(hb)) => hash_distance(&ha, &hb) <= limits.max_hash_distance,
            _ => false,
        };
        let same_number = |a: &Entry, b: &Entry| {
            let same = |x: &Option<String>, y: &Option<String>| x.is_some() && x == y;
            same(&a.number, &b.number) || same(&a.id, &b.id)
        };
        // Rayon over the first photo of each pair: the pairs grow with the run squared.
        let pairs: Vec<(usize, usize, Collision)> = with
            .par_iter()
            .enumerate()
            .flat_map_iter(|(k, &(a, da))| {
                with[k + 1..].iter().filter_map(move |&(b, db)| {
                    let d = descriptor_distance(da, db);
                    let (ea, eb) = (&entries[a], &entries[b]);
                    if same_number(ea, eb) {
                        (d > limits.min_other_person_distance).then_some((
                            a,
                            b,
                            Collision::OtherPerson(d),
                        ))
                    } else if d <= limits.max_same_person_distance && !same_photo(ea, eb) {
                        Some((a, b, Collision::SamePerson(d)))
                    } else {
                        None
                    }
                })
            })
            .collect();
        for (a, b, why) in pairs {
            found.entry(a).or_default().note(a, &[b], entries, why);
            found.entry(b).or_default().note(b, &[a], entries, why);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::Student;
    use crate::report::{FileSummary, PhotoReport};

    const LIMITS: Limits = Limits {
        max_hash_distance: 24,
        max_same_person_distance: 0.2,
        min_other_person_distance: 0.6,
    };

    fn photo(file: &str, number: &str, id: &str, hash: [u64; 4]) -> PhotoReport {
        let mut r = PhotoReport::checked(file.into(), vec![], FileSummary::default());
        r.student = Some(Student {
            number: Some(number.into()),
            name: Some("x".into()),
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
        let found = index.collisions(LIMITS);
        assert_eq!(found[&0].named.len(), 3, "{:?}", found[&0]);
        assert!(found[&1]
            .named
            .contains(&("a.jpg".into(), Collision::StudentNumber)));
        assert!(found[&2]
            .named
            .contains(&("a.jpg".into(), Collision::IdNumber)));
        assert!(found[&3]
            .named
            .contains(&("a.jpg".into(), Collision::SamePhoto(3))));
        assert!(
            !found.contains_key(&4),
            "a different photo of another student"
        );
    }

    fn with_descriptor(mut r: PhotoReport, descriptor: [f32; 2]) -> PhotoReport {
        r.descriptor = Some(descriptor.to_vec());
        r
    }

    #[test]
    fn one_person_under_two_numbers_and_two_people_under_one_are_found() {
        let mut index = BatchIndex::default();
        // a and b: one person (0.1 apart) under two numbers, with hashes far apart.
        index.add(&with_descriptor(
            photo("a.jpg", "1", "A", [0; 4]),
            [0.0, 0.0],
        ));
        index.add(&with_descriptor(
            photo("b.jpg", "2", "B", [u64::MAX; 4]),
            [0.1, 0.0],
        ));
        // c: another person (0.5 from a) under another number: no collision.
        index.add(&with_descriptor(
            photo("c.jpg", "3", "C", [0, u64::MAX, 0, 0]),
            [0.0, 0.5],
        ));
        // d: c's number on a face 0.7 from c's: two people under one number.
        index.add(&with_descriptor(
            photo("d.jpg", "3", "D", [0, 0, u64::MAX, 0]),
            [0.0, 1.2],
        ));
        // e: d's id on a face 0.3 from d's, within the two-people limit: only the id.
        index.add(&with_descriptor(
            photo("e.jpg", "5", "D", [0, 0, 0, u64::MAX]),
            [0.0, 1.5],
        ));
        let found = index.collisions(LIMITS);
        let reasons = |i: usize| found[&i].named.clone();
        assert_eq!(
            reasons(0),
            [("b.jpg".to_string(), Collision::SamePerson(0.1))]
        );
        assert_eq!(
            reasons(1),
            [("a.jpg".to_string(), Collision::SamePerson(0.1))]
        );
        let c = reasons(2);
        assert_eq!(c[0], ("d.jpg".to_string(), Collision::StudentNumber));
        assert!(
            matches!(c[1], (ref f, Collision::OtherPerson(d)) if f == "d.jpg" && (d - 0.7).abs() < 1e-6),
            "{c:?}"
        );
        assert_eq!(reasons(4), [("d.jpg".to_string(), Collision::IdNumber)]);
    }

    #[test]
    fn a_copy_found_by_its_hash_is_not_named_again_as_the_same_person() {
        let mut index = BatchIndex::default();
        index.add(&with_descriptor(
            photo("a.jpg", "1", "A", [7; 4]),
            [0.0, 0.0],
        ));
        index.add(&with_descriptor(
            photo("b.jpg", "2", "B", [7; 4]),
            [0.0, 0.0],
        ));
        let found = index.collisions(LIMITS);
        assert_eq!(
            found[&0].named,
            [("b.jpg".to_string(), Collision::SamePhoto(0))]
        );
        assert_eq!(found[&0].more, 0);
    }

    #[test]
    fn copies_of_one_photo_are_counted_once_each_however_many_there_are() {
        let mut index = BatchIndex::default();
        for i in 0..300 {
            let r = photo(
                &format!("{i}.jpg"),
                &format!("n{i}"),
                &format!("id{i}"),
                [7; 4],
            );
            index.add(&with_descriptor(r, [0.0, 0.0]));
        }
        let found = index.collisions(LIMITS);
        // Each copy once, as the same photo; none again as the same person.
        assert_eq!(found[&0].named.len() + found[&0].more, 299);
        assert!(found[&0]
            .named
            .iter()
            .all(|(_, why)| *why == Collision::SamePhoto(0)));
    }

    #[test]
    fn the_photos_named_are_the_first_added_in_the_order_added() {
        let mut index = BatchIndex::default();
        // Seven near-identical photos, each a different hash one or two bits from the
        // others: photo 3 collides with the six others and names the first five of them.
        for i in 0..7u64 {
            index.add(&photo(
                &format!("{i}.jpg"),
                &format!("n{i}"),
                &format!("id{i}"),
                [1 << i, 0, 0, 0],
            ));
        }
        let found = index.collisions(LIMITS);
        let named: Vec<&str> = found[&3].named.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(named, ["0.jpg", "1.jpg", "2.jpg", "4.jpg", "5.jpg"]);
        assert_eq!(found[&3].more, 1);
    }

    #[test]
    fn many_copies_of_one_photo_name_a_few_and_count_the_rest() {
        let mut index = BatchIndex::default();
        for i in 0..1000 {
            index.add(&photo(
                &format!("{i}.jpg"),
                &format!("n{i}"),
                &format!("id{i}"),
                [7, 7, 7, 7],
            ));
        }
        let found = index.collisions(LIMITS);
        assert_eq!(found.len(), 1000);
        assert_eq!(found[&0].named.len(), 5);
        assert_eq!(found[&0].named.len() + found[&0].more, 999);
        assert!(
            found[&0].named.iter().all(|(f, _)| f != "0.jpg"),
            "never itself"
        );
    }
}
