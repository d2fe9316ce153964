//! `photocheck eval`: the checker against hand labels, per rule — the confusion table
//! (positive = the rule is broken), recall, specificity, balanced accuracy, and the photos
//! it got wrong.

use photocheck::{PhotoReport, Status};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Labels = Map<String, Value>;

/// A label field as "broken" (true) or not; `None` when unlabelled or uncertain.
fn flag(l: &Labels, field: &str) -> Option<bool> {
    l.get(field)?.as_bool()
}

fn not(l: &Labels, field: &str) -> Option<bool> {
    flag(l, field).map(|v| !v)
}

/// True if any field is true; unknown if none is true and one is unknown.
fn any(l: &Labels, fields: &[&str]) -> Option<bool> {
    let values: Vec<Option<bool>> = fields.iter().map(|f| flag(l, f)).collect();
    if values.contains(&Some(true)) {
        Some(true)
    } else if values.contains(&None) {
        None
    } else {
        Some(false)
    }
}

/// Reads from a photo's labels whether a rule is broken.
type LabelReader = fn(&Labels) -> Option<bool>;

/// Which label says a rule is broken. The frame.* rules are not scored: the labels'
/// `framing_ok` judges composition loosely (head 40–80 % of the height), not the CHSI pixel
/// bands that frame.* hold a photo to.
const MAPPING: &[(&str, LabelReader)] = &[
    ("faces.single", |l| {
        l.get("faces_count")?.as_u64().map(|n| n != 1)
    }),
    ("pose.frontal", |l| flag(l, "face_turned")),
    ("pose.roll", |l| flag(l, "head_roll_tilted")),
    ("eyes.open", |l| not(l, "eyes_open")),
    ("eyebrows.visible", |l| not(l, "eyebrows_visible")),
    ("mouth.no_teeth", |l| flag(l, "teeth_visible")),
    ("glasses.none", |l| flag(l, "glasses")),
    ("quality.sharp", |l| flag(l, "blurry")),
    ("exposure.ok", |l| flag(l, "badly_exposed")),
    ("background.blue", |l| not(l, "background_blue")),
    ("background.uniform", |l| not(l, "background_uniform")),
    ("clothing.not_blue", |l| flag(l, "blue_clothing")),
    ("ears.visible", |l| not(l, "both_ears_visible")),
    ("shoulders.level", |l| not(l, "shoulders_level")),
    ("clothing.covered", |l| flag(l, "shoulders_bare")),
    ("accessories.none", |l| {
        any(
            l,
            &[
                "headwear",
                "earrings_visible",
                "necklace_visible",
                "scarf_visible",
            ],
        )
    }),
];

/// One labelled photo.
pub struct Labelled {
    pub path: PathBuf,
    labels: Labels,
}

/// Reads label files (JSON Lines, one object per photo with `file` relative to the label
/// file's folder; fields at the top or under `labels`).
pub fn read_labels(files: &[PathBuf]) -> Result<Vec<Labelled>, String> {
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let dir = file.parent().unwrap_or(Path::new("."));
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let record: Labels = serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: {e}", file.display(), n + 1))?;
            let name = record
                .get("file")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{}:{}: no `file`", file.display(), n + 1))?;
            let mut labels = record.clone();
            if let Some(Value::Object(inner)) = record.get("labels") {
                labels.extend(inner.clone());
            }
            out.push(Labelled {
                path: dir.join(name),
                labels,
            });
        }
    }
    Ok(out)
}

/// Whether the checker found the rule broken: `None` when it skipped or did not run it.
fn predicted(report: &PhotoReport, rule: &str) -> Option<bool> {
    let statuses: Vec<Status> = report
        .checks
        .iter()
        .filter(|c| c.id == rule)
        .map(|c| c.status)
        .filter(|s| *s != Status::Skip)
        .collect();
    if statuses.is_empty() {
        return None;
    }
    Some(
        statuses
            .iter()
            .any(|s| matches!(s, Status::Fail | Status::Warn)),
    )
}

/// One rule's confusion table and the photos it got wrong.
#[derive(Debug, Default, serde::Serialize)]
pub struct RuleScore {
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
    pub skipped: usize,
    pub false_positives: Vec<String>,
    pub false_negatives: Vec<String>,
    pub skipped_photos: Vec<String>,
}

impl RuleScore {
    pub fn recall(&self) -> Option<f64> {
        let p = self.tp + self.fn_;
        (p > 0).then(|| self.tp as f64 / p as f64)
    }
    pub fn specificity(&self) -> Option<f64> {
        let n = self.tn + self.fp;
        (n > 0).then(|| self.tn as f64 / n as f64)
    }
    /// Mean of recall and specificity; `None` unless the labels have both classes.
    pub fn balanced_accuracy(&self) -> Option<f64> {
        Some((self.recall()? + self.specificity()?) / 2.0)
    }
}

/// Scores every mapped rule over the labelled photos and their reports.
pub fn score(labelled: &[Labelled], reports: &[PhotoReport]) -> BTreeMap<&'static str, RuleScore> {
    let mut scores: BTreeMap<&'static str, RuleScore> = BTreeMap::new();
    for (item, report) in labelled.iter().zip(reports) {
        let name = photo_name(item);
        for (rule, label) in MAPPING {
            let Some(truth) = label(&item.labels) else {
                continue;
            };
            let s = scores.entry(rule).or_default();
            match (truth, predicted(report, rule)) {
                (_, None) => {
                    s.skipped += 1;
                    s.skipped_photos.push(name.clone());
                }
                (true, Some(true)) => s.tp += 1,
                (false, Some(false)) => s.tn += 1,
                (false, Some(true)) => {
                    s.fp += 1;
                    s.false_positives.push(name.clone());
                }
                (true, Some(false)) => {
                    s.fn_ += 1;
                    s.false_negatives.push(name.clone());
                }
            }
        }
    }
    scores
}

/// The photos whose labels judge at least one rule and call none broken, and those of them
/// that a labelled rule refuses anyway: the false refusals a student would be sent back for.
#[derive(Debug, Default, serde::Serialize)]
pub struct CompliantScore {
    /// Photos labelled compliant.
    pub photos: usize,
    /// Each of them that a labelled rule refused (failed or warned), with those rules.
    pub refused: Vec<(String, Vec<&'static str>)>,
}

impl CompliantScore {
    /// How many refused photos each rule refused, most first (then by name).
    pub fn by_rule(&self) -> Vec<(&'static str, usize)> {
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        for rule in self.refused.iter().flat_map(|(_, rules)| rules) {
            *counts.entry(rule).or_default() += 1;
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts
    }
}

/// Finds the photos labelled compliant and those of them a labelled rule refuses.
pub fn compliant(labelled: &[Labelled], reports: &[PhotoReport]) -> CompliantScore {
    let mut out = CompliantScore::default();
    for (item, report) in labelled.iter().zip(reports) {
        let labelled_rules: Vec<(&'static str, bool)> = MAPPING
            .iter()
            .filter_map(|(rule, label)| Some((*rule, label(&item.labels)?)))
            .collect();
        if labelled_rules.is_empty() || labelled_rules.iter().any(|(_, broken)| *broken) {
            continue;
        }
        out.photos += 1;
        let refusing: Vec<&'static str> = labelled_rules
            .iter()
            .map(|(rule, _)| *rule)
            .filter(|rule| predicted(report, rule) == Some(true))
            .collect();
        if !refusing.is_empty() {
            out.refused.push((photo_name(item), refusing));
        }
    }
    out
}

/// The photo's file name, as the tables name it.
fn photo_name(item: &Labelled) -> String {
    item.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The compliant photos' line for the table, then the refused ones with their rules.
pub fn compliant_lines(c: &CompliantScore) -> String {
    let rules: Vec<String> = c
        .by_rule()
        .iter()
        .map(|(rule, n)| format!("{rule} {n}"))
        .collect();
    let mut out = format!(
        "labelled compliant (no labelled rule broken) — {} photos, {} refused by a labelled rule{}\n",
        c.photos,
        c.refused.len(),
        if rules.is_empty() {
            String::new()
        } else {
            format!(" ({})", rules.join(", "))
        }
    );
    if !c.refused.is_empty() {
        let photos: Vec<String> = c
            .refused
            .iter()
            .map(|(name, rules)| format!("{name} ({})", rules.join(", ")))
            .collect();
        out += &format!("compliant but refused: {}\n", photos.join(", "));
    }
    out
}

fn show(v: Option<f64>) -> String {
    v.map_or_else(|| "   –".to_string(), |v| format!("{v:.2}"))
}

/// The table as text: one row per rule, then the photos each rule got wrong.
pub fn table(scores: &BTreeMap<&'static str, RuleScore>) -> String {
    let mut out = format!(
        "{:<20}{:>4}{:>4}{:>5}{:>4}{:>6}{:>8}{:>7}{:>9}\n",
        "rule", "TP", "FP", "TN", "FN", "skip", "recall", "spec", "bal.acc"
    );
    for (rule, s) in scores {
        out += &format!(
            "{:<20}{:>4}{:>4}{:>5}{:>4}{:>6}{:>8}{:>7}{:>9}\n",
            rule,
            s.tp,
            s.fp,
            s.tn,
            s.fn_,
            s.skipped,
            show(s.recall()),
            show(s.specificity()),
            show(s.balanced_accuracy())
        );
    }
    for (rule, s) in scores {
        if s.tp + s.fp + s.tn + s.fn_ == 0 {
            out += &format!("{rule}: not judged on any photo (not in this profile, or skipped)\n");
            continue;
        }
        for (what, list) in [
            ("false positive", &s.false_positives),
            ("false negative", &s.false_negatives),
            ("skipped", &s.skipped_photos),
        ] {
            if !list.is_empty() {
                out += &format!("{rule} {what}: {}\n", list.join(", "));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use photocheck::{CheckResult, Message};

    fn report(checks: &[(&str, Status)]) -> PhotoReport {
        let checks = checks
            .iter()
            .map(|(id, status)| CheckResult {
                id: id.to_string(),
                status: *status,
                value: Value::Null,
                limit: String::new(),
                message: Message::new("", ""),
            })
            .collect();
        let mut r = PhotoReport::failed(
            "x".into(),
            photocheck::PhotoError {
                kind: String::new(),
                message: String::new(),
            },
        );
        r.checks = checks;
        r
    }

    fn labelled(json: &str) -> Labelled {
        Labelled {
            path: PathBuf::from("p.jpg"),
            labels: serde_json::from_str(json).unwrap(),
        }
    }

    #[test]
    fn confusion_counts_and_balanced_accuracy() {
        let items = [
            labelled(r#"{"glasses": true}"#),
            labelled(r#"{"glasses": true}"#),
            labelled(r#"{"glasses": false}"#),
            labelled(r#"{"glasses": false}"#),
            labelled(r#"{"glasses": null}"#),
            labelled(r#"{"glasses": false}"#),
        ];
        let reports = [
            report(&[("glasses.none", Status::Fail)]),
            report(&[("glasses.none", Status::Pass)]),
            report(&[("glasses.none", Status::Pass)]),
            report(&[("glasses.none", Status::Warn)]),
            report(&[("glasses.none", Status::Fail)]),
            report(&[("glasses.none", Status::Skip)]),
        ];
        let scores = score(&items, &reports);
        let g = &scores["glasses.none"];
        assert_eq!((g.tp, g.fn_, g.tn, g.fp, g.skipped), (1, 1, 1, 1, 1));
        assert_eq!(g.balanced_accuracy(), Some(0.5));
        assert_eq!(g.false_positives, ["p.jpg"]);
    }

    #[test]
    fn compliant_photos_are_those_labelled_with_no_broken_rule() {
        let items = [
            labelled(r#"{"glasses": false, "teeth_visible": false}"#),
            labelled(r#"{"glasses": false, "teeth_visible": false}"#),
            labelled(r#"{"glasses": true, "teeth_visible": false}"#),
            labelled(r#"{"glasses": false, "teeth_visible": null}"#),
            labelled(r#"{"group": "no rule labelled"}"#),
        ];
        let reports = [
            report(&[
                ("glasses.none", Status::Fail),
                ("mouth.no_teeth", Status::Warn),
            ]),
            report(&[
                ("glasses.none", Status::Pass),
                ("mouth.no_teeth", Status::Pass),
            ]),
            report(&[
                ("glasses.none", Status::Fail),
                ("mouth.no_teeth", Status::Fail),
            ]),
            // The teeth are unlabelled here, so their refusal is not counted against it.
            report(&[
                ("glasses.none", Status::Skip),
                ("mouth.no_teeth", Status::Fail),
            ]),
            report(&[("glasses.none", Status::Fail)]),
        ];
        let c = compliant(&items, &reports);
        assert_eq!(c.photos, 3);
        assert_eq!(
            c.refused,
            [("p.jpg".to_string(), vec!["mouth.no_teeth", "glasses.none"])]
        );
        assert_eq!(c.by_rule(), [("glasses.none", 1), ("mouth.no_teeth", 1)]);
        assert!(compliant_lines(&c).starts_with(
            "labelled compliant (no labelled rule broken) — 3 photos, 1 refused by a labelled rule (glasses.none 1, mouth.no_teeth 1)"
        ));
    }

    #[test]
    fn synthetic_labels_nest_and_any_of_several_fields() {
        let l = labelled(r#"{"labels": {"earrings_visible": true, "headwear": null}}"#);
        let mut merged = l.labels.clone();
        if let Some(Value::Object(inner)) = l.labels.get("labels") {
            merged.extend(inner.clone());
        }
        assert_eq!(any(&merged, &["headwear", "earrings_visible"]), Some(true));
        assert_eq!(any(&merged, &["headwear"]), None);
    }
}
