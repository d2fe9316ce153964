//! Time per stage and per model, kept as log-scale histograms so that memory stays the
//! same however many photos are checked; medians are good to about 2 %.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bins per decade; 8 decades from 1 µs to 100 s.
const BINS_PER_DECADE: f64 = 125.0;
const DECADES: usize = 8;
const SMALLEST_SECONDS: f64 = 1e-6;

/// Durations recorded per stage name.
#[derive(Debug, Default)]
pub struct Timings {
    stages: Mutex<BTreeMap<&'static str, Vec<u32>>>,
}

impl Timings {
    /// Records one duration of `stage`.
    pub fn record(&self, stage: &'static str, took: Duration) {
        let seconds = took.as_secs_f64().max(SMALLEST_SECONDS);
        let bin = ((seconds / SMALLEST_SECONDS).log10() * BINS_PER_DECADE) as usize;
        let bins = BINS_PER_DECADE as usize * DECADES;
        let mut stages = self.stages.lock().unwrap_or_else(|p| p.into_inner());
        let histogram = stages.entry(stage).or_insert_with(|| vec![0; bins]);
        histogram[bin.min(bins - 1)] += 1;
    }

    /// Runs `work`, recording its duration under `stage`.
    pub fn time<T>(&self, stage: &'static str, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = work();
        self.record(stage, start.elapsed());
        out
    }

    /// Per stage: how many times it ran and its median in milliseconds.
    pub fn medians(&self) -> Vec<(&'static str, u64, f64)> {
        let stages = self.stages.lock().unwrap_or_else(|p| p.into_inner());
        stages
            .iter()
            .map(|(stage, histogram)| {
                let count: u64 = histogram.iter().map(|&n| n as u64).sum();
                let mut seen = 0;
                let bin = histogram
                    .iter()
                    .position(|&n| {
                        seen += n as u64;
                        seen * 2 >= count
                    })
                    .unwrap_or(0);
                let seconds = SMALLEST_SECONDS * 10f64.powf((bin as f64 + 0.5) / BINS_PER_DECADE);
                (*stage, count, seconds * 1e3)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_within_two_percent() {
        let t = Timings::default();
        for ms in [1.0, 2.0, 3.0, 50.0, 60.0] {
            t.record("decode", Duration::from_secs_f64(ms / 1e3));
        }
        t.record("rules", Duration::from_micros(250));
        let m = t.medians();
        assert_eq!(m.len(), 2);
        let (stage, count, median) = m[0];
        assert_eq!((stage, count), ("decode", 5));
        assert!((median - 3.0).abs() / 3.0 < 0.02, "median {median}");
        assert!((m[1].2 - 0.25).abs() / 0.25 < 0.02);
    }
}
