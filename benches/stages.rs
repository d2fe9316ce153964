//! Criterion benchmarks: each model alone, each stage of the pipeline on one photo, and end
//! to end photos/s at one thread and at every core, on 480×640 JPEGs.
//! `cargo bench -p photocheck-benches`; the JSON summary for CI is `bench-summary`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use photocheck::analysis::{analyse, infer_alone, Model, ModelInput, Needs};
use photocheck::rules::run_all;
use photocheck::timings::Timings;
use photocheck::{intake, measurements, Checker, Engine, Profile};
use photocheck_benches::{model_dir, variants};
use rayon::prelude::*;
use std::time::Duration;

fn configure() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

fn models(c: &mut Criterion) {
    let engine = Engine::load(&model_dir(), 1).expect("load the models");
    let image = image::load_from_memory(&variants()[0])
        .expect("decode")
        .to_rgb8();
    let mut group = c.benchmark_group("model");
    for model in Model::ALL {
        let input = ModelInput::new(model, &image);
        group.bench_function(model.stage(), |b| {
            b.iter(|| infer_alone(&engine, &input).expect("inference"))
        });
    }
    group.finish();
}

fn stages(c: &mut Criterion) {
    let profile = Profile::default();
    let engine = Engine::load(&model_dir(), 1).expect("load the models");
    let jpeg = variants().swap_remove(0);
    let photo = intake::load(&jpeg, &profile).expect("decode");
    let timings = Timings::default();
    let analysis = analyse(&engine, &photo.working, &timings, Needs::ALL).expect("analysis");
    let m = measurements(
        "000000.jpg",
        &photo,
        Ok(analysis.clone()),
        &profile,
        &timings,
    );
    let full = Checker::with_engine(
        profile.clone(),
        Engine::load(&model_dir(), 1).expect("load the models"),
    );
    let report = full.check_bytes("000000.jpg", &jpeg);

    let mut group = c.benchmark_group("stage");
    group.bench_function("decode", |b| {
        b.iter(|| intake::load(&jpeg, &profile).expect("decode"))
    });
    group.bench_function("analysis", |b| {
        b.iter(|| analyse(&engine, &photo.working, &timings, Needs::ALL).expect("analysis"))
    });
    group.bench_function("measure", |b| {
        b.iter_batched(
            || Ok(analysis.clone()),
            |a| measurements("000000.jpg", &photo, a, &profile, &timings),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("rules", |b| b.iter(|| run_all(&m, &profile)));
    group.bench_function("report writing", |b| {
        b.iter(|| serde_json::to_writer(std::io::sink(), &report).expect("serialise"))
    });
    group.finish();
}

fn end_to_end(c: &mut Criterion) {
    let photos = variants();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("end to end");
    group.throughput(Throughput::Elements(photos.len() as u64));
    for threads in [1, cores] {
        let engine = Engine::load(&model_dir(), threads).expect("load the models");
        let checker = Checker::with_engine(Profile::default(), engine);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("start the thread pool");
        group.bench_function(format!("{threads} thread(s)"), |b| {
            b.iter(|| {
                pool.install(|| {
                    photos
                        .par_iter()
                        .enumerate()
                        .map(|(i, jpeg)| checker.check_bytes(&format!("{i:06}.jpg"), jpeg))
                        .count()
                })
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = configure();
    targets = models, stages, end_to_end
}
criterion_main!(benches);
