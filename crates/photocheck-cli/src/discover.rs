//! Finding the photos to check among the paths given on the command line.

use photocheck::intake::Format;
use std::io::Read;
use std::path::{Path, PathBuf};

/// File name endings of photos, for files that may be broken (so their content says nothing).
const PHOTO_EXTENSIONS: [&str; 8] = ["jpg", "jpeg", "jpe", "png", "heic", "heif", "webp", "gif"];

/// Files to check, in a stable order, and paths that could not be listed.
#[derive(Debug, Default)]
pub struct Inputs {
    pub files: Vec<PathBuf>,
    /// Paths that could not be listed, with the reason.
    pub problems: Vec<(PathBuf, String)>,
}

/// Expands the command line's paths: a file is always checked; a folder is walked
/// recursively and yields every file that is an image by content or has a photo's file
/// name ending. Links are listed like files (a broken one gets an error record) but never
/// followed into folders, so link loops cannot trap the walk.
pub fn discover(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs::default();
    for path in paths {
        if !path.is_dir() {
            inputs.files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            match entry {
                Ok(e) if !e.file_type().is_dir() && looks_like_photo(e.path()) => {
                    found.push(e.into_path())
                }
                Ok(_) => {}
                Err(e) => {
                    let at = e.path().unwrap_or(path).to_path_buf();
                    inputs.problems.push((at, e.to_string()));
                }
            }
        }
        inputs.files.extend(found);
    }
    inputs
}

fn looks_like_photo(path: &Path) -> bool {
    let by_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PHOTO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
    by_name || sniff_file(path).is_some()
}

fn sniff_file(path: &Path) -> Option<Format> {
    let mut head = [0u8; 32];
    let mut file = std::fs::File::open(path).ok()?;
    let n = file.read(&mut head).ok()?;
    Format::sniff(&head[..n])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_yield_photos_by_content_or_name_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("class2");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(dir.path().join("b.jpg"), b"").unwrap(); // broken, but named as a photo
        std::fs::write(sub.join("a_no_extension"), b"\x89PNG\r\n\x1a\n0000").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"hello").unwrap();
        std::fs::write(dir.path().join("a.JPEG"), b"\xFF\xD8\xFF").unwrap();
        let inputs = discover(&[dir.path().to_path_buf()]);
        let names: Vec<String> = inputs
            .files
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["a.JPEG", "b.jpg", "class2/a_no_extension"]);
    }

    #[test]
    fn a_named_file_is_always_checked() {
        let inputs = discover(&[PathBuf::from("/no/such/file.txt")]);
        assert_eq!(inputs.files.len(), 1);
    }
}
