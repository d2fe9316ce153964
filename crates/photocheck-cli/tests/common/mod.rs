//! What the command-line tests share: running the built `photocheck`, the test photos.
// Each test file uses a different part of this.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the built `photocheck` with `args` to its end.
pub fn photocheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_photocheck"))
        .args(args)
        .output()
        .expect("run photocheck")
}

/// The project's generated test photos.
pub fn photos() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/photos")
}

/// One test photo's path.
pub fn photo(name: &str) -> String {
    photos().join(name).to_string_lossy().into_owned()
}

/// Profile overrides that switch off the rules the reference portrait breaks by nature, not
/// by anything a test varies: her smile shows teeth (mouth.no_teeth), and beside her neck
/// the person mask's top is her spacesuit's helmet ring on one side, which shoulders.level
/// reads as a tilted shoulder line.
pub const REFERENCE_EXCEPTIONS: &str =
    "[rules.\"mouth.no_teeth\"]\nenabled = false\n[rules.\"shoulders.level\"]\nenabled = false\n";
