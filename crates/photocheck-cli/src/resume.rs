//! Reading back the finished photos of an interrupted JSON Lines report.

use photocheck::PhotoReport;
use std::collections::HashMap;
use std::path::Path;

/// The records of `report`, by file. A last line cut short by a hard stop is ignored (that
/// photo is checked again).
pub fn finished(report: &Path) -> Result<HashMap<String, PhotoReport>, String> {
    let text = std::fs::read_to_string(report)
        .map_err(|e| format!("cannot read {} to resume: {e}", report.display()))?;
    let mut done = HashMap::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<PhotoReport>(line) {
            Ok(record) => {
                done.insert(record.file.clone(), record);
            }
            Err(e) => eprintln!(
                "photocheck: {} line {} is not a complete record ({e}); that photo is checked again",
                report.display(),
                n + 1
            ),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_records_are_kept_and_a_cut_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.jsonl");
        std::fs::write(
            &report,
            "{\"file\":\"a.jpg\",\"verdict\":\"pass\",\"checks\":[]}\n{\"file\":\"b.jpg\",\"verd",
        )
        .unwrap();
        let done = finished(&report).unwrap();
        assert_eq!(done.len(), 1);
        assert!(done.contains_key("a.jpg"));
    }
}
