//! The pipeline: intake → measurements → rules → report, for one photo or many in parallel.

use crate::intake::{self, Photo};
use crate::measure;
use crate::profile::Profile;
use crate::report::{FileSummary, PhotoError, PhotoReport};
use crate::rules::{self, Measurements};
use rayon::prelude::*;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Checks photos against one specification profile. Cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Checker {
    profile: Profile,
}

impl Checker {
    /// A checker for the given profile.
    pub fn new(profile: Profile) -> Self {
        Checker { profile }
    }

    /// The profile in force.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Checks one photo held in memory; `name` is what the report calls it.
    pub fn check_bytes(&self, name: &str, bytes: &[u8]) -> PhotoReport {
        isolate(name, || match intake::load(bytes, &self.profile) {
            Ok(photo) => self.judge(name, &photo),
            Err(error) => PhotoReport::failed(name.to_string(), error),
        })
    }

    /// Checks one photo file. A file that cannot be read gets an `error` record.
    pub fn check_file(&self, path: &Path) -> PhotoReport {
        let name = path.to_string_lossy().into_owned();
        match read_limited(path, self.profile.limits.max_file_bytes) {
            Ok(bytes) => self.check_bytes(&name, &bytes),
            Err(error) => PhotoReport::failed(name, error),
        }
    }

    /// Checks many files on the current rayon pool. Reports are handed to `on_report` in
    /// input order as they are ready; at most a few photos per thread are held at once.
    pub fn check_files(&self, paths: &[PathBuf], mut on_report: impl FnMut(PhotoReport)) {
        let window = rayon::current_num_threads() * 4;
        for chunk in paths.chunks(window.max(1)) {
            let reports: Vec<PhotoReport> = chunk.par_iter().map(|p| self.check_file(p)).collect();
            reports.into_iter().for_each(&mut on_report);
        }
    }

    /// Measures a decoded photo and runs the rules.
    fn judge(&self, name: &str, photo: &Photo) -> PhotoReport {
        let m = measurements(photo);
        let checks = rules::run_all(&m, &self.profile);
        let facts = &photo.facts;
        let summary = FileSummary {
            format: facts.format.name().to_string(),
            width: photo.width,
            height: photo.height,
            bytes: facts.bytes,
            dpi: facts.dpi.map(|d| (d.0 * 10.0).round() / 10.0),
            jpeg_quality: facts.jpeg_quality,
        };
        PhotoReport::checked(name.to_string(), checks, summary)
    }
}

/// The measurements the rules judge a photo by.
pub fn measurements(photo: &Photo) -> Measurements {
    let working = &photo.working;
    let grey = image::imageops::grayscale(working);
    let border = measure::border_region(working.width(), working.height());
    Measurements {
        facts: photo.facts.clone(),
        width: photo.width,
        height: photo.height,
        sharpness: measure::laplacian_variance(&grey),
        exposure: measure::exposure(&grey, |x, y| !border(x, y)),
        background: measure::background(working, border, 2),
    }
}

/// Runs `check`, turning a panic into that photo's `error` record.
fn isolate(name: &str, check: impl FnOnce() -> PhotoReport) -> PhotoReport {
    catch_unwind(AssertUnwindSafe(check)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".to_string());
        PhotoReport::failed(
            name.to_string(),
            PhotoError {
                kind: "panic".to_string(),
                message: format!("检查此照片时程序出错 / the checker failed on this photo: {what}"),
            },
        )
    })
}

/// Reads a file, refusing one larger than `limit` bytes without reading it.
fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, PhotoError> {
    let io_error = |e: std::io::Error| PhotoError {
        kind: "io".to_string(),
        message: format!("无法读取文件 / cannot read the file: {e}"),
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let len = file.metadata().map_err(io_error)?.len();
    if len > limit {
        return Err(PhotoError {
            kind: "too_large".to_string(),
            message: format!(
                "文件 {len} 字节，超过上限 {limit} 字节 / the file is {len} bytes, over the limit of {limit}"
            ),
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    Ok(bytes)
}
