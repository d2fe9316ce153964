//! Every generated test photo gets the verdict, failing rules and error kind that
//! `testdata/expected.jsonl` (written by `cargo run -p testdata-gen`) records for it.

use photocheck::{Checker, Profile, Status};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

#[test]
fn generated_photos_get_their_expected_outcome() {
    let expected = std::fs::read_to_string(testdata().join("expected.jsonl")).unwrap();
    let checker = Checker::new(Profile::default());
    let mut seen = 0;
    for line in expected.lines() {
        let want: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = want["file"].as_str().unwrap();
        let report = checker.check_file(&testdata().join("photos").join(file));
        let fails: BTreeSet<&str> = report
            .with_status(Status::Fail)
            .map(|c| c.id.as_str())
            .collect();
        let want_fails: BTreeSet<&str> = want["fails"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(fails, want_fails, "{file}: {}", want["why"]);
        assert_eq!(report.verdict.as_str(), want["verdict"], "{file}");
        let kind = report.error.as_ref().map(|e| e.kind.as_str());
        assert_eq!(kind, want["error"].as_str(), "{file}");
        seen += 1;
    }
    assert!(seen >= 20, "only {seen} expected photos");
}

#[test]
fn checking_bytes_and_files_agree() {
    let path = testdata().join("photos/compliant.jpg");
    let checker = Checker::new(Profile::default());
    let from_file = checker.check_file(&path);
    let bytes = std::fs::read(&path).unwrap();
    let from_bytes = checker.check_bytes(&path.to_string_lossy(), &bytes);
    assert_eq!(from_file, from_bytes);
}

#[test]
fn many_files_come_back_in_input_order_one_record_each() {
    let photos = testdata().join("photos");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&photos)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    // Repeat the list so that the run spans several parallel windows.
    let inputs: Vec<PathBuf> = paths
        .iter()
        .cycle()
        .take(paths.len() * 5)
        .cloned()
        .collect();
    let mut files = Vec::new();
    Checker::new(Profile::default()).check_files(&inputs, |r| files.push(r.file));
    let want: Vec<String> = inputs
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, want);
}

#[test]
fn a_missing_file_is_an_io_error_record() {
    let report = Checker::new(Profile::default()).check_file(&testdata().join("no-such-photo.jpg"));
    assert_eq!(report.verdict, photocheck::Verdict::Error);
    assert_eq!(report.error.unwrap().kind, "io");
}
