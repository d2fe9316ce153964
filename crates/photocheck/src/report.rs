//! The report: one record per photo, in the shape `docs/report-format.md` fixes.

use serde::{Deserialize, Serialize};

/// The outcome of one rule on one photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Warn,
    Skip,
}

/// The outcome for a whole photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Review,
    Fail,
    Error,
}

impl Verdict {
    /// Every verdict, in the order summaries list them.
    pub const ALL: [Verdict; 4] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Review,
        Verdict::Error,
    ];

    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Review => "review",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }
}

/// A message in both report languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub zh: String,
    pub en: String,
}

impl Message {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Message {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// One rule's result: what was measured, the bound it was held to, what to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub status: Status,
    pub value: serde_json::Value,
    pub limit: String,
    pub message: Message,
}

/// Why a photo could not be checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoError {
    /// A stable machine-readable kind: `io`, `too_large`, `format`, `decode`, `truncated`, `panic`.
    pub kind: String,
    pub message: String,
}

/// The facts read from the file itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpi: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jpeg_quality: Option<f64>,
}

/// Everything the report says about one input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoReport {
    pub file: String,
    pub verdict: Verdict,
    pub checks: Vec<CheckResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<PhotoError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<FileSummary>,
    /// The overlay image written for this photo (`--annotate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
    /// The student the file name names (学号+姓名+身份证号), when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub student: Option<crate::naming::Student>,
    /// A 256-bit difference hash of the face (or of the frame without one), as 64 hex
    /// digits: near-identical photos have hashes a few bits apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The face descriptor batch.once compares (see [`crate::analysis::FaceDetail`]). Never
    /// written to a report: it stays in memory for the run.
    #[serde(skip)]
    pub descriptor: Option<Vec<f32>>,
    /// Small JPEG previews as data URIs, for HTML reports: the photo and its overlay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay_thumbnail: Option<String>,
    /// How the photo stands against the class roster (`--roster`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<crate::roster::RosterMatch>,
}

impl PhotoReport {
    /// A report for a photo whose rules ran.
    pub fn checked(file: String, checks: Vec<CheckResult>, facts: FileSummary) -> Self {
        PhotoReport {
            file,
            verdict: verdict_of(&checks),
            checks,
            error: None,
            facts: Some(facts),
            overlay: None,
            student: None,
            fingerprint: None,
            descriptor: None,
            thumbnail: None,
            overlay_thumbnail: None,
            roster: None,
        }
    }

    /// A report for a file that could not be checked.
    pub fn failed(file: String, error: PhotoError) -> Self {
        PhotoReport {
            file,
            verdict: Verdict::Error,
            checks: Vec::new(),
            error: Some(error),
            facts: None,
            overlay: None,
            student: None,
            fingerprint: None,
            descriptor: None,
            thumbnail: None,
            overlay_thumbnail: None,
            roster: None,
        }
    }

    /// The checks with the given status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(move |c| c.status == status)
    }
}

/// `fail` if any rule fails, `review` if none fails but one warns or is skipped, else `pass`.
pub fn verdict_of(checks: &[CheckResult]) -> Verdict {
    if checks.iter().any(|c| c.status == Status::Fail) {
        Verdict::Fail
    } else if checks
        .iter()
        .any(|c| matches!(c.status, Status::Warn | Status::Skip))
    {
        Verdict::Review
    } else {
        Verdict::Pass
    }
}

/// Counts over a run: photos per verdict, failures and warnings per rule, errors per kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub photos: usize,
    pub verdicts: std::collections::BTreeMap<Verdict, usize>,
    /// Photos failing each rule.
    pub failures: std::collections::BTreeMap<String, usize>,
    /// Photos warned on by each rule.
    pub warnings: std::collections::BTreeMap<String, usize>,
    /// Unreadable photos per error kind.
    pub errors: std::collections::BTreeMap<String, usize>,
    /// The run against the class roster, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<crate::roster::RosterSummary>,
}

impl Summary {
    /// Counts one photo.
    pub fn add(&mut self, report: &PhotoReport) {
        self.photos += 1;
        *self.verdicts.entry(report.verdict).or_default() += 1;
        for check in &report.checks {
            let counter = match check.status {
                Status::Fail => &mut self.failures,
                Status::Warn => &mut self.warnings,
                _ => continue,
            };
            *counter.entry(check.id.clone()).or_default() += 1;
        }
        if let Some(error) = &report.error {
            *self.errors.entry(error.kind.clone()).or_default() += 1;
        }
    }

    /// Photos with the given verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.verdicts.get(&verdict).copied().unwrap_or(0)
    }

    /// Rules by the number of photos failing them, most first.
    pub fn top_failures(&self) -> Vec<(&str, usize)> {
        let mut top: Vec<(&str, usize)> = self
            .failures
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        top
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: Status) -> CheckResult {
        CheckResult {
            id: "format.size".into(),
            status,
            value: serde_json::Value::Null,
            limit: String::new(),
            message: Message::new("", ""),
        }
    }

    #[test]
    fn verdict_follows_the_worst_status() {
        use Status::*;
        assert_eq!(verdict_of(&[check(Pass), check(Pass)]), Verdict::Pass);
        assert_eq!(verdict_of(&[check(Pass), check(Warn)]), Verdict::Review);
        assert_eq!(verdict_of(&[check(Skip), check(Pass)]), Verdict::Review);
        assert_eq!(verdict_of(&[check(Warn), check(Fail)]), Verdict::Fail);
    }

    #[test]
    fn record_serialises_with_the_contract_field_names() {
        let r = PhotoReport::failed(
            "a.jpg".into(),
            PhotoError {
                kind: "decode".into(),
                message: "bad".into(),
            },
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["verdict"], "error");
        assert_eq!(v["error"]["kind"], "decode");
        assert!(v["checks"].as_array().unwrap().is_empty());
        let ok = PhotoReport::checked(
            "b.jpg".into(),
            vec![check(Status::Fail)],
            FileSummary::default(),
        );
        let v = serde_json::to_value(&ok).unwrap();
        assert_eq!(v["checks"][0]["status"], "fail");
        assert_eq!(v["checks"][0]["id"], "format.size");
        assert!(v.get("error").is_none());
    }

    #[test]
    fn summary_counts_verdicts_and_failing_rules() {
        let facts = FileSummary::default();
        let mut s = Summary::default();
        s.add(&PhotoReport::checked(
            "a".into(),
            vec![check(Status::Fail)],
            facts.clone(),
        ));
        s.add(&PhotoReport::checked(
            "b".into(),
            vec![check(Status::Fail)],
            facts.clone(),
        ));
        s.add(&PhotoReport::checked(
            "c".into(),
            vec![check(Status::Pass)],
            facts,
        ));
        let err = PhotoError {
            kind: "io".into(),
            message: String::new(),
        };
        s.add(&PhotoReport::failed("d".into(), err));
        assert_eq!(s.photos, 4);
        assert_eq!(s.count(Verdict::Fail), 2);
        assert_eq!(s.count(Verdict::Pass), 1);
        assert_eq!(s.count(Verdict::Error), 1);
        assert_eq!(s.top_failures(), vec![("format.size", 2)]);
        assert_eq!(s.errors["io"], 1);
    }
}
