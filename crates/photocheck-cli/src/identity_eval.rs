//! The identity harness: face descriptors of photos of known people (one folder per
//! person), the distances of every same-person and different-person pair, and the error
//! rates at the profile's limits.

use photocheck::analysis::descriptor_distance;
use photocheck::references::visible_entries;
use photocheck::{Checker, Status};
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One photo of a known person and its descriptor, or why it has none.
struct Sample {
    person: String,
    path: PathBuf,
    descriptor: Result<Vec<f32>, String>,
}

/// Sub-folders of `dir` (people) and their files (photos), sorted by name.
fn people(dir: &Path) -> Result<Vec<(String, Vec<PathBuf>)>, String> {
    let list =
        |d: &Path| visible_entries(d).map_err(|e| format!("cannot list {}: {e}", d.display()));
    let mut found = Vec::new();
    for person in list(dir)?.into_iter().filter(|p| p.is_dir()) {
        let photos: Vec<PathBuf> = list(&person)?.into_iter().filter(|p| p.is_file()).collect();
        let name = person
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        found.push((name, photos));
    }
    Ok(found)
}

/// The `q` quantile (0–1) of sorted values, by the nearest rank.
fn quantile(sorted: &[f32], q: f64) -> f32 {
    if sorted.is_empty() {
        return f32::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

/// Share of `values` for which `pred` holds.
fn share(values: &[f32], pred: impl Fn(f32) -> bool) -> f64 {
    values.iter().filter(|&&v| pred(v)).count() as f64 / values.len().max(1) as f64
}

/// The photo's descriptor, unless one of the checks `passing` does not pass on it. The
/// check's own descriptor is taken when it has one (batch.once on), so that the photo is
/// analysed once.
fn descriptor(checker: &Checker, path: &Path, passing: &[String]) -> Result<Vec<f32>, String> {
    if passing.is_empty() {
        return checker.descriptor_of(path);
    }
    let report = checker.check_file(path);
    for id in passing {
        let status = report.checks.iter().find(|c| &c.id == id).map(|c| c.status);
        if status != Some(Status::Pass) {
            return Err(format!("left out: {id} is {status:?}"));
        }
    }
    match report.descriptor {
        Some(d) => Ok(d),
        None => checker.descriptor_of(path),
    }
}

/// Runs the harness and returns its table. With `passing`, only photos on which those
/// checks pass take part.
pub fn run(
    checker: &Checker,
    dir: &Path,
    pairs_out: Option<&Path>,
    passing: &[String],
) -> Result<String, String> {
    let folders = people(dir)?;
    let jobs: Vec<(String, PathBuf)> = folders
        .iter()
        .flat_map(|(name, photos)| photos.iter().map(move |p| (name.clone(), p.clone())))
        .collect();
    let samples: Vec<Sample> = jobs
        .into_par_iter()
        .map(|(person, path)| Sample {
            descriptor: descriptor(checker, &path, passing),
            person,
            path,
        })
        .collect();
    let usable: Vec<(&Sample, &[f32])> = samples
        .iter()
        .filter_map(|s| s.descriptor.as_deref().ok().map(|d| (s, d)))
        .collect();
    let (mut same, mut different) = (Vec::new(), Vec::new());
    let mut writer = match pairs_out {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| format!("cannot write {}: {e}", p.display()))?,
        )),
        None => None,
    };
    for (i, &(a, da)) in usable.iter().enumerate() {
        for &(b, db) in &usable[i + 1..] {
            let d = descriptor_distance(da, db);
            let is_same = a.person == b.person;
            if is_same { &mut same } else { &mut different }.push(d);
            if let Some(w) = writer.as_mut() {
                let line = serde_json::json!({
                    "a": a.path, "b": b.path, "same": is_same, "distance": d,
                });
                writeln!(w, "{line}").map_err(|e| e.to_string())?;
            }
        }
    }
    same.sort_by(f32::total_cmp);
    different.sort_by(f32::total_cmp);
    let mut out = String::new();
    let people_with = usable
        .iter()
        .map(|(s, _)| &s.person)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    out += &format!(
        "{} photos of {} people; {} with a face descriptor ({} people); {} same-person pairs, {} different-person pairs\n",
        samples.len(),
        folders.len(),
        usable.len(),
        people_with,
        same.len(),
        different.len()
    );
    for s in samples.iter().filter(|s| s.descriptor.is_err()) {
        out += &format!(
            "  no descriptor: {} ({})\n",
            s.path.display(),
            s.descriptor.as_ref().err().map_or("", |e| e.as_str())
        );
    }
    let quantiles = |name: &str, v: &[f32]| {
        format!(
            "{name:<10} min {:.3}  p0.1 {:.3}  p1 {:.3}  p5 {:.3}  median {:.3}  p95 {:.3}  p99 {:.3}  max {:.3}\n",
            quantile(v, 0.0),
            quantile(v, 0.001),
            quantile(v, 0.01),
            quantile(v, 0.05),
            quantile(v, 0.5),
            quantile(v, 0.95),
            quantile(v, 0.99),
            quantile(v, 1.0)
        )
    };
    out += &quantiles("same", &same);
    out += &quantiles("different", &different);
    let rates = |label: &str, t: f32| {
        format!(
            "{label:<44} {t:.3}: false match {:.3} % ({} of {}), false non-match {:.2} % ({} of {})\n",
            100.0 * share(&different, |d| d <= t),
            different.iter().filter(|&&d| d <= t).count(),
            different.len(),
            100.0 * share(&same, |d| d > t),
            same.iter().filter(|&&d| d > t).count(),
            same.len()
        )
    };
    let rules = &checker.profile().rules;
    out += &rates(
        "batch.once max_same_person_distance",
        rules.batch_once.params.max_same_person_distance as f32,
    );
    out += &rates(
        "identity.match max_distance",
        rules.identity_match.params.max_distance as f32,
    );
    // The largest limit with at most 0.1 % false matches: just below the closest
    // different-person pairs that make up more than 0.1 %.
    let allowed = different.len() / 1000;
    if let Some(&d) = different.get(allowed) {
        out += &rates("limit at 0.1 % false match (measured here)", d - 1e-4);
    }
    Ok(out)
}
