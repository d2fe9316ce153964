//! A summary against a stored baseline. Absolute times depend on the machine, so what is
//! compared are figures measured against the model floor of the same run (end to end over
//! floor, each stage's median over the floor's time per photo), and peak memory. A figure
//! has moved when it differs from the baseline by more than the noise: at least
//! [`LEAST_NOISE`], or twice the run-to-run spread this run measured, whichever is more.

use serde_json::{json, Value};

/// The least change that counts as a move: one run's figures wander by a few per cent on a
/// quiet machine, and stage medians come from histograms good to about 2 %.
pub const LEAST_NOISE: f64 = 0.10;

/// Stages shorter than this share of the floor's time per photo in both summaries are left
/// out: their medians are a few hundredths of a millisecond, below what the timings resolve,
/// and cannot move the throughput.
pub const LEAST_STAGE_SHARE: f64 = 0.02;

/// The least change that counts as a move for one stage's median: stage medians wander more
/// than whole runs (the grey copy's moved 12 % between two runs of the same commit on 200
/// photos × 3 runs).
pub const LEAST_STAGE_NOISE: f64 = 0.20;

/// One compared figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub figure: String,
    pub baseline: f64,
    pub now: f64,
    /// now / baseline − 1.
    pub change: f64,
    /// Whether a larger value is better (photos/s) or worse (time, memory).
    pub higher_is_better: bool,
}

impl Row {
    /// Whether the change is beyond `noise` (for a stage, at least [`LEAST_STAGE_NOISE`]),
    /// and which way: `Some(true)` better.
    pub fn moved(&self, noise: f64) -> Option<bool> {
        let noise = if self.is_stage() {
            noise.max(LEAST_STAGE_NOISE)
        } else {
            noise
        };
        (self.change.abs() > noise).then_some((self.change > 0.0) == self.higher_is_better)
    }

    fn is_stage(&self) -> bool {
        self.figure.ends_with(STAGE_SUFFIX)
    }
}

/// How the names of stage figures end.
const STAGE_SUFFIX: &str = " / floor per photo";

/// "1 thread:", "2 threads:".
fn at(threads: &str) -> String {
    let plural = if threads == "1" { "" } else { "s" };
    format!("{threads} thread{plural}:")
}

/// The machine-independent figures of a summary, by name, each with whether higher is
/// better.
pub fn figures(summary: &Value) -> Vec<(String, f64, bool)> {
    let mut out = Vec::new();
    let threads = summary["threads"].as_object().cloned().unwrap_or_default();
    for (n, t) in &threads {
        let floor = t["model_floor_photos_per_s"].as_f64().unwrap_or(f64::NAN);
        if let Some(rate) = t["photos_per_s"].as_f64() {
            out.push((
                format!("{} end to end / model floor", at(n)),
                rate / floor,
                true,
            ));
        }
        if let Some(rate) = t["three_models_photos_per_s"].as_f64() {
            out.push((
                format!("{} three models / model floor", at(n)),
                rate / floor,
                true,
            ));
        }
        if n == "1" {
            let floor_ms = 1e3 / floor;
            for (stage, ms) in t["stage_median_ms"].as_object().into_iter().flatten() {
                if let Some(ms) = ms.as_f64() {
                    out.push((
                        format!("1 thread: {stage}{STAGE_SUFFIX}"),
                        ms / floor_ms,
                        false,
                    ));
                }
            }
        }
    }
    for (photos, w) in summary["whole_process"].as_object().into_iter().flatten() {
        if let Some(mb) = w["peak_mb"].as_f64() {
            out.push((format!("peak MB at {photos} photos"), mb, false));
        }
    }
    out
}

/// The run-to-run spread of this summary's runs: the largest (max − min) / median of any
/// thread count's end-to-end or floor runs.
pub fn spread(summary: &Value) -> f64 {
    let of = |runs: &Value| -> f64 {
        let mut values: Vec<f64> = runs
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect();
        if values.len() < 2 {
            return 0.0;
        }
        values.sort_by(f64::total_cmp);
        let middle = values[values.len() / 2];
        (values[values.len() - 1] - values[0]) / middle
    };
    summary["threads"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(_, t)| [of(&t["runs"]), of(&t["model_floor_runs"])])
        .fold(0.0, f64::max)
}

/// The noise a change must exceed to count as a move.
pub fn noise(summary: &Value) -> f64 {
    LEAST_NOISE.max(2.0 * spread(summary))
}

/// Every figure both summaries hold, `now` against `baseline`.
pub fn compare(baseline: &Value, now: &Value) -> Vec<Row> {
    let before = figures(baseline);
    figures(now)
        .into_iter()
        .filter_map(|(figure, value, higher_is_better)| {
            let (_, base, _) = before.iter().find(|(f, _, _)| *f == figure)?;
            let tiny_stage = figure.ends_with(STAGE_SUFFIX) && value.max(*base) < LEAST_STAGE_SHARE;
            (base.is_finite() && *base > 0.0 && value.is_finite() && !tiny_stage).then(|| Row {
                change: value / base - 1.0,
                figure,
                baseline: *base,
                now: value,
                higher_is_better,
            })
        })
        .collect()
}

/// The comparison as a table for the log, the moves named last.
pub fn table(rows: &[Row], noise: f64) -> String {
    let mut text = format!(
        "{:<62} {:>9} {:>9} {:>8}\n",
        "figure (against the baseline)", "baseline", "now", "change"
    );
    for r in rows {
        let mark = match r.moved(noise) {
            Some(true) => "  better",
            Some(false) => "  WORSE",
            None => "",
        };
        text += &format!(
            "{:<62} {:>9.3} {:>9.3} {:>+7.1}%{mark}\n",
            r.figure,
            r.baseline,
            r.now,
            r.change * 100.0
        );
    }
    let moved: Vec<&Row> = rows.iter().filter(|r| r.moved(noise).is_some()).collect();
    text += &if moved.is_empty() {
        format!(
            "no figure moved by more than the noise (±{:.0} %)\n",
            noise * 100.0
        )
    } else {
        format!(
            "{} figure(s) moved by more than the noise (±{:.0} %)\n",
            moved.len(),
            noise * 100.0
        )
    };
    text
}

/// The comparison as JSON, for the summary file.
pub fn to_json(baseline: &str, rows: &[Row], noise: f64) -> Value {
    json!({
        "baseline": baseline,
        "noise": noise,
        "figures": rows.iter().map(|r| json!({
            "figure": r.figure,
            "baseline": r.baseline,
            "now": r.now,
            "change": r.change,
            "moved": r.moved(noise).map(|better| if better { "better" } else { "worse" }),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(rate: f64, floor: f64, measure_ms: f64, runs: [f64; 3]) -> Value {
        // A stage far below the floor's time, which a few hundredths of a millisecond
        // double: never compared.
        let rules_ms = 0.0001 * runs[0];
        json!({
            "threads": { "1": {
                "photos_per_s": rate,
                "runs": runs,
                "model_floor_photos_per_s": floor,
                "model_floor_runs": [floor, floor, floor],
                "three_models_photos_per_s": floor,
                "stage_median_ms": { "measure": measure_ms, "rules": rules_ms },
            }},
            "whole_process": { "400": { "peak_mb": 150.0 } },
        })
    }

    #[test]
    fn a_slower_stage_on_a_faster_machine_is_named_and_a_uniform_speed_up_is_not() {
        let baseline = summary(50.0, 100.0, 3.0, [50.0, 50.0, 50.0]);
        // Twice as fast a machine: every figure against the floor stays the same.
        let faster = summary(100.0, 200.0, 1.5, [100.0, 100.0, 100.0]);
        let rows = compare(&baseline, &faster);
        assert_eq!(rows.len(), 4);
        assert!(
            rows.iter().all(|r| r.moved(noise(&faster)).is_none()),
            "{rows:?}"
        );
        // The same machine, the measure stage 40 % slower.
        let slower = summary(50.0, 100.0, 4.2, [50.0, 50.0, 50.0]);
        let rows = compare(&baseline, &slower);
        let moved: Vec<_> = rows
            .iter()
            .filter_map(|r| {
                r.moved(noise(&slower))
                    .map(|better| (r.figure.as_str(), better))
            })
            .collect();
        assert_eq!(moved, [("1 thread: measure / floor per photo", false)]);
        // 15 % slower: within a stage's wander.
        let wandering = summary(50.0, 100.0, 3.45, [50.0, 50.0, 50.0]);
        assert!(compare(&baseline, &wandering)
            .iter()
            .all(|r| r.moved(noise(&wandering)).is_none()));
    }

    #[test]
    fn noisy_runs_widen_what_counts_as_a_move() {
        let quiet = summary(50.0, 100.0, 3.0, [49.0, 50.0, 51.0]);
        assert_eq!(noise(&quiet), LEAST_NOISE);
        let noisy = summary(50.0, 100.0, 3.0, [40.0, 50.0, 60.0]);
        assert!((noise(&noisy) - 0.8).abs() < 1e-9, "{}", noise(&noisy));
        let baseline = summary(50.0, 100.0, 3.0, [50.0, 50.0, 50.0]);
        let slower = summary(50.0, 100.0, 4.2, [40.0, 50.0, 60.0]);
        assert!(compare(&baseline, &slower)
            .iter()
            .all(|r| r.moved(noise(&slower)).is_none()));
    }
}
