//! Every generated test photo gets the verdict, failing rules and error kind that
//! `testdata/expected.jsonl` (written by `cargo run -p testdata-gen`) records for it.

use photocheck::engine::{default_model_dir, fetch_models};
use photocheck::{Checker, Engine, Profile, Status};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// A checker with the face engine, fetching the models once if they are missing.
fn checker() -> Checker {
    let dir = default_model_dir();
    fetch_models(&dir).expect("fetch the models");
    Checker::with_engine(
        Profile::default(),
        Engine::load(&dir, 2).expect("load the models"),
    )
}

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

#[test]
fn generated_photos_get_their_expected_outcome() {
    let expected = std::fs::read_to_string(testdata().join("expected.jsonl")).unwrap();
    let checker = checker();
    let mut seen = 0;
    for line in expected.lines() {
        let want: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = want["file"].as_str().unwrap();
        let report = checker.check_file(&testdata().join("photos").join(file));
        let ids = |key: &str| -> BTreeSet<&str> {
            want[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect()
        };
        let ignore = ids("ignore");
        let fails: BTreeSet<&str> = report
            .with_status(Status::Fail)
            .map(|c| c.id.as_str())
            .filter(|id| !ignore.contains(id))
            .collect();
        let want_fails = ids("fails");
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
    let path = testdata().join("photos/reference.jpg");
    let checker = checker();
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
    checker().check_files(&inputs, |r| files.push(r.file));
    let want: Vec<String> = inputs
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, want);
}

#[test]
fn without_the_engine_face_rules_are_skipped_with_the_reason() {
    let report = Checker::new(Profile::default())
        .check_file(&testdata().join("photos/2021001234张三11010519491231002X.jpg"));
    let face = report
        .checks
        .iter()
        .find(|c| c.id == "faces.single")
        .unwrap();
    assert_eq!(face.status, Status::Skip);
    assert!(
        face.message.en.contains("not loaded"),
        "{}",
        face.message.en
    );
    assert_eq!(report.verdict, photocheck::Verdict::Review);
}

#[test]
fn a_missing_file_is_an_io_error_record() {
    let report = checker().check_file(&testdata().join("no-such-photo.jpg"));
    assert_eq!(report.verdict, photocheck::Verdict::Error);
    assert_eq!(report.error.unwrap().kind, "io");
}

#[test]
fn a_strip_found_by_the_fuzzer_gets_a_small_working_copy() {
    // A 4096×12 CMYK JPEG whose working copy once grew to 218,453×640 pixels.
    let strip =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/wide_4096x12_cmyk.jpg");
    let bytes = std::fs::read(&strip).unwrap();
    let photo = photocheck::intake::load(&bytes, &Profile::default()).unwrap();
    assert_eq!((photo.width, photo.height), (4096, 12));
    assert!(
        photo.working.width() <= 1280 && photo.working.height() <= 640,
        "{:?}",
        photo.working.dimensions()
    );
    let report = Checker::new(Profile::default()).check_file(&strip);
    assert!(report
        .checks
        .iter()
        .any(|c| c.id == "format.size" && c.status == Status::Fail));
}
