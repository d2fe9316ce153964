//! `photocheck fix`: compliant copies of photos that fail only on file rules or framing,
//! written to an output folder (never over the originals), one line per photo saying
//! what was done.

use photocheck::fix::{fix_file, FixOutcome};
use photocheck::report::Message;
use photocheck::Checker;
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What happened to one photo, for the listing.
pub struct FixLine {
    pub source: PathBuf,
    pub kind: FixKind,
    /// The copy written, for fixed photos.
    pub copy: Option<PathBuf>,
    /// What was changed, or why no copy was made.
    pub details: Vec<Message>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    Fixed,
    Compliant,
    Declined,
}

impl FixKind {
    /// The word scripts read in the listing's first column.
    pub fn as_str(self) -> &'static str {
        match self {
            FixKind::Fixed => "fixed",
            FixKind::Compliant => "compliant",
            FixKind::Declined => "declined",
        }
    }
}

/// Where the copy of `file` goes: its path below the folder it was found in (so class
/// sub-folders are kept), under `out`, ending in `.jpg`.
pub fn copy_path(out: &Path, file: &Path, roots: &[PathBuf]) -> PathBuf {
    let relative = roots
        .iter()
        .filter(|root| root.is_dir())
        .find_map(|root| file.strip_prefix(root).ok())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| file.file_name().map(PathBuf::from).unwrap_or_default());
    out.join(relative).with_extension("jpg")
}

/// Fixes `files` on the current rayon pool, writing copies under `out`; `on_done` is called
/// once per photo as it finishes. Lines come back in input order.
pub fn fix_all(
    checker: &Checker,
    files: &[PathBuf],
    roots: &[PathBuf],
    out: &Path,
    on_done: impl Fn() + Sync,
) -> Vec<FixLine> {
    // Copies are made beside their targets under temporary names, then moved into place in
    // input order: of two photos whose copies would share a name (a.png and a.jpg), the
    // first keeps it.
    let made: Vec<(FixLine, Option<tempfile::TempPath>)> = files
        .par_iter()
        .map(|file| {
            let made = fix_one(checker, file, &copy_path(out, file, roots));
            on_done();
            made
        })
        .collect();
    let mut claimed: HashMap<PathBuf, PathBuf> = HashMap::new();
    made.into_iter()
        .map(|(line, temp)| {
            let (Some(target), Some(temp)) = (&line.copy, temp) else {
                return line;
            };
            if let Some(first) = claimed.get(target) {
                return declined(
                    &line.source,
                    Message::new(
                        format!("修复件会与 {} 的修复件重名：请先改名", first.display()),
                        format!(
                            "its copy would have the same name as the copy of {}: rename one first",
                            first.display()
                        ),
                    ),
                );
            }
            match temp.persist(target) {
                Ok(()) => {
                    claimed.insert(target.clone(), line.source.clone());
                    line
                }
                Err(e) => cannot_write(&line.source, target, &e.error),
            }
        })
        .collect()
}

fn cannot_write(file: &Path, target: &Path, e: &std::io::Error) -> FixLine {
    declined(
        file,
        Message::new(
            format!("无法写入 {}：{e}", target.display()),
            format!("cannot write {}: {e}", target.display()),
        ),
    )
}

fn declined(file: &Path, reason: Message) -> FixLine {
    FixLine {
        source: file.to_path_buf(),
        kind: FixKind::Declined,
        copy: None,
        details: vec![reason],
    }
}

/// Fixes one photo; a copy is left in a temporary file beside `target`.
fn fix_one(checker: &Checker, file: &Path, target: &Path) -> (FixLine, Option<tempfile::TempPath>) {
    let same_file = std::fs::canonicalize(file)
        .ok()
        .zip(std::fs::canonicalize(target).ok())
        .is_some_and(|(a, b)| a == b);
    if same_file {
        let reason = Message::new(
            "修复件会覆盖原照片：请换一个输出文件夹",
            "the copy would overwrite the original: choose another output folder",
        );
        return (declined(file, reason), None);
    }
    let line = |kind, copy, details| FixLine {
        source: file.to_path_buf(),
        kind,
        copy,
        details,
    };
    match fix_file(checker, file) {
        FixOutcome::Compliant => (line(FixKind::Compliant, None, Vec::new()), None),
        FixOutcome::Declined { reasons } => (line(FixKind::Declined, None, reasons), None),
        FixOutcome::Fixed { jpeg, changes, .. } => match write_temporary(target, &jpeg) {
            Ok(temp) => (
                line(FixKind::Fixed, Some(target.to_path_buf()), changes),
                Some(temp),
            ),
            Err(e) => (cannot_write(file, target, &e), None),
        },
    }
}

/// Writes `bytes` to a temporary file in `target`'s folder (created), synced to disk.
fn write_temporary(target: &Path, bytes: &[u8]) -> std::io::Result<tempfile::TempPath> {
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    // Readable like any other file the user makes (temporary files are private).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut temp = builder.tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    Ok(temp.into_temp_path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_keep_the_sub_folder_and_end_in_jpg() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("photos");
        std::fs::create_dir_all(root.join("class1")).unwrap();
        let out = Path::new("/out");
        let roots = vec![root.clone()];
        assert_eq!(
            copy_path(out, &root.join("class1/张三.png"), &roots),
            Path::new("/out/class1/张三.jpg")
        );
        assert_eq!(
            copy_path(out, Path::new("/elsewhere/a.b.JPEG"), &roots),
            Path::new("/out/a.b.jpg")
        );
    }
}
