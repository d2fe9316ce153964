//! `bench-summary`: the throughput figures CI stores and compares between commits, as one
//! JSON document — photos/s end to end at one thread and at every core, the model floor
//! measured in the same run and the fraction of it reached, median milliseconds per stage
//! and per model, cold start, and peak memory of whole `photocheck check` processes.
//! Every figure is the median of `--runs` runs.
//!
//! With `--baseline FILE` (an earlier summary, such as `benches/baseline.json`) it also
//! prints which figures moved by more than the noise (see `compare.rs`).
//!
//! `bench-summary three-models FOLDER` instead prints the photos/s of the work the Python
//! MediaPipe pipeline does (face detection, face mesh, person mask, background mean), for
//! `benches/mediapipe_compare.py`.

mod compare;

use clap::{Parser, Subcommand};
use photocheck::analysis::{detect_faces, face_mesh, infer_alone, person_mask, Model, ModelInput};
use photocheck::{intake, Checker, Engine, Profile};
use photocheck_benches::{model_dir, photo_folder};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// Photos per throughput run.
    #[arg(long, default_value_t = 1000)]
    photos: usize,
    /// Runs per figure (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Folder sizes whose whole-process peak memory is measured.
    #[arg(long, value_delimiter = ',', default_values_t = [1000, 10000])]
    memory_photos: Vec<usize>,
    /// Where the JSON summary goes (also printed).
    #[arg(long, default_value = "target/bench-summary.json")]
    out: PathBuf,
    /// An earlier summary to compare with: the figures measured against the model floor,
    /// and peak memory, each named when it moved by more than the noise.
    #[arg(long)]
    baseline: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Write the benchmark photos into FOLDER/photos (for other tools to run over).
    MakePhotos {
        folder: PathBuf,
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
    /// Photos/s of detection + mesh + person mask + background mean over FOLDER's photos.
    ThreeModels {
        folder: PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Threads [default: every core].
        #[arg(long)]
        threads: Option<usize>,
    },
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("start the thread pool")
}

/// The `photocheck` binary built beside this one.
fn cli() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    let cli = exe.with_file_name("photocheck");
    assert!(
        cli.is_file(),
        "{} is missing: build it first (cargo build --release -p photocheck-cli)",
        cli.display()
    );
    cli
}

/// Runs a command to its end: wall time and peak resident memory (bytes).
// The child is reaped by wait4, which std's `wait` cannot replace: it gives no rusage.
#[allow(clippy::zombie_processes)]
fn measure_process(command: &mut Command) -> (Duration, u64) {
    let started = Instant::now();
    let child = command.spawn().expect("start the process");
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; `usage` is a valid rusage to fill.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let took = started.elapsed();
    assert!(waited > 0, "wait4 failed");
    (took, usage.ru_maxrss as u64 * 1024)
}

/// End-to-end throughput on `threads` threads: every rule, each report serialised as the
/// JSON a report file gets. Photos/s per run, and the checker (for its stage timings).
fn end_to_end(
    dir: &Path,
    paths: &[PathBuf],
    threads: usize,
    runs: usize,
) -> (Vec<f64>, Checker, f64) {
    let engine = Engine::load(dir, threads).expect("load the models");
    let checker = Checker::with_engine(Profile::default(), engine);
    let pool = pool(threads);
    let warm = &paths[..paths.len().min(20)];
    pool.install(|| checker.check_files(warm, |_| ()));
    let mut rates = Vec::new();
    let mut writing = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        pool.install(|| {
            checker.check_files(paths, |report| {
                let t = Instant::now();
                serde_json::to_writer(std::io::sink(), &report).expect("serialise");
                writing.push(t.elapsed().as_secs_f64() * 1e3);
            })
        });
        rates.push(paths.len() as f64 / started.elapsed().as_secs_f64());
    }
    (rates, checker, median(writing))
}

/// The model floor on `threads` threads: photos/s when each photo costs only its
/// model runs (on the photos scaled to the models' inputs), per run.
fn floor(
    dir: &Path,
    inputs: &[Vec<ModelInput>],
    photos: usize,
    threads: usize,
    runs: usize,
) -> Vec<f64> {
    let engine = Engine::load(dir, threads).expect("load the models");
    let pool = pool(threads);
    let photo = |i: usize| {
        for input in &inputs[i % inputs.len()] {
            infer_alone(&engine, input).expect("inference");
        }
    };
    pool.install(|| (0..20).into_par_iter().for_each(photo));
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            pool.install(|| (0..photos).into_par_iter().for_each(photo));
            photos as f64 / started.elapsed().as_secs_f64()
        })
        .collect()
}

/// Median milliseconds of each model alone on one thread.
fn models_alone(dir: &Path, inputs: &[Vec<ModelInput>]) -> Value {
    let engine = Engine::load(dir, 1).expect("load the models");
    let mut out = serde_json::Map::new();
    for (k, model) in Model::ALL.iter().enumerate() {
        let times: Vec<f64> = (0..220)
            .map(|i| {
                let input = &inputs[i % inputs.len()][k];
                let t = Instant::now();
                infer_alone(&engine, input).expect("inference");
                t.elapsed().as_secs_f64() * 1e3
            })
            .skip(20)
            .collect();
        out.insert(model.stage().to_string(), json!(round2(median(times))));
    }
    Value::Object(out)
}

/// Photos/s of the MediaPipe pipeline's work: decode, face detection, face mesh of the
/// largest face, person mask, mean colour of the background.
fn three_models(dir: &Path, paths: &[PathBuf], threads: usize, runs: usize) -> Vec<f64> {
    let engine = Engine::load(dir, threads).expect("load the models");
    let profile = Profile::default();
    let pool = pool(threads);
    let photo = |path: &PathBuf| -> [f64; 3] {
        let bytes = std::fs::read(path).expect("read the photo");
        let image = intake::load(&bytes, &profile).expect("decode").working;
        let faces = detect_faces(&engine, &image).expect("detection");
        if let Some(face) = faces.first() {
            face_mesh(&engine, &image, face).expect("mesh");
        }
        let mask = person_mask(&engine, &image).expect("mask");
        let (mut sum, mut n) = ([0.0f64; 3], 0.0f64);
        for (p, m) in image.pixels().zip(mask.pixels()) {
            if m[0] < 128 {
                for c in 0..3 {
                    sum[c] += p[c] as f64;
                }
                n += 1.0;
            }
        }
        sum.map(|s| s / n.max(1.0))
    };
    pool.install(|| {
        paths[..paths.len().min(20)].par_iter().for_each(|p| {
            photo(p);
        })
    });
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            pool.install(|| {
                paths.par_iter().for_each(|p| {
                    photo(p);
                })
            });
            paths.len() as f64 / started.elapsed().as_secs_f64()
        })
        .collect()
}

fn main() {
    let args = Args::parse();
    if let Some(Mode::MakePhotos { folder, count }) = &args.command {
        photo_folder(folder, *count).expect("write the photos");
        return;
    }
    let models = model_dir();
    if let Some(Mode::ThreeModels {
        folder,
        runs,
        threads,
    }) = &args.command
    {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
            .expect("read the folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        let rates = three_models(&models, &paths, threads.unwrap_or_else(cores), *runs);
        println!(
            "{}",
            json!({ "photos": paths.len(), "photos_per_s": round2(median(rates.clone())), "runs": rates })
        );
        return;
    }
    let work = tempfile::tempdir().expect("temporary folder");
    let (_, paths) = photo_folder(work.path(), args.photos).expect("write the photos");
    // Whole processes first, while this one is small: a child's peak memory (wait4's
    // maxrss) counts the pages it shares with this process between fork and exec.
    eprintln!("bench-summary: cold start and peak memory (whole processes)");
    let cli = cli();
    let one = &paths[0];
    // `photocheck check` as a user runs it, over `input`, the report into `report`.
    let check = |input: &Path, report: PathBuf| {
        let mut command = Command::new(&cli);
        command.args(["check", "-q", "-o"]).arg(report);
        command.arg("--models").arg(&models).arg(input);
        command
    };
    let cold: Vec<f64> = (0..args.runs)
        .map(|_| {
            let mut command = check(one, work.path().join("one.json"));
            measure_process(&mut command).0.as_secs_f64() * 1e3
        })
        .collect();
    let mut memory = serde_json::Map::new();
    for &count in &args.memory_photos {
        let folder = tempfile::tempdir_in(work.path()).expect("temporary folder");
        let (photos, _) = photo_folder(folder.path(), count).expect("write the photos");
        let (mut peaks, mut rates) = (Vec::new(), Vec::new());
        for _ in 0..args.runs {
            let mut command = check(&photos, folder.path().join("report.jsonl"));
            let (took, peak) = measure_process(&mut command);
            peaks.push(peak as f64 / 1e6);
            rates.push(count as f64 / took.as_secs_f64());
        }
        memory.insert(
            count.to_string(),
            json!({ "peak_mb": round2(median(peaks)), "photos_per_s": round2(median(rates)) }),
        );
    }
    // Each variant as each model's input, made once: the floor times inference alone.
    let inputs: Vec<Vec<ModelInput>> = photocheck_benches::variants()
        .iter()
        .map(|jpeg| {
            let image = image::load_from_memory(jpeg).expect("decode").to_rgb8();
            Model::ALL
                .iter()
                .map(|m| ModelInput::new(*m, &image))
                .collect()
        })
        .collect();
    let mut threads_report = serde_json::Map::new();
    for threads in [1, cores()] {
        eprintln!(
            "bench-summary: {threads} thread(s), {} photos × {} runs",
            args.photos, args.runs
        );
        let (rates, checker, writing) = end_to_end(&models, &paths, threads, args.runs);
        let floor_rates = floor(&models, &inputs, args.photos, threads, args.runs);
        let three = three_models(&models, &paths, threads, args.runs);
        let (rate, floor_rate) = (median(rates.clone()), median(floor_rates.clone()));
        let mut stages = serde_json::Map::new();
        for (stage, _, ms) in checker.timings().medians() {
            stages.insert(stage.to_string(), json!(round2(ms)));
        }
        stages.insert("report writing".to_string(), json!(round2(writing)));
        threads_report.insert(
            threads.to_string(),
            json!({
                "photos_per_s": round2(rate),
                "runs": rates.iter().map(|r| round2(*r)).collect::<Vec<_>>(),
                "model_floor_photos_per_s": round2(floor_rate),
                "model_floor_runs": floor_rates.iter().map(|r| round2(*r)).collect::<Vec<_>>(),
                "fraction_of_floor": round2(rate / floor_rate),
                "three_models_photos_per_s": round2(median(three)),
                "stage_median_ms": stages,
            }),
        );
    }
    let mut summary = json!({
        "photocheck": env!("CARGO_PKG_VERSION"),
        "photos": args.photos,
        "runs": args.runs,
        "cores": cores(),
        "photo": "480×640 JPEG, quality 90, 300 dpi (16 variants of testdata/photos/reference.jpg)",
        "threads": threads_report,
        "model_alone_median_ms": models_alone(&models, &inputs),
        "cold_start_ms": round2(median(cold)),
        "whole_process": memory,
    });
    let mut comparison = None;
    if let Some(path) = &args.baseline {
        let baseline: Value = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            .unwrap_or_else(|e| panic!("cannot read the baseline {}: {e}", path.display()));
        let rows = compare::compare(&baseline, &summary);
        let noise = compare::noise(&summary);
        summary["comparison"] = compare::to_json(&path.display().to_string(), &rows, noise);
        comparison = Some(compare::table(&rows, noise));
    }
    let text = serde_json::to_string_pretty(&summary).expect("serialise");
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent).expect("create the summary's folder");
    }
    std::fs::write(&args.out, &text).expect("write the summary");
    println!("{text}");
    if let Some(table) = comparison {
        println!("{table}");
    }
}
