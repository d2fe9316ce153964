//! `photocheck`: checks a folder of graduation photos against the CHSI rules and writes a report.

mod discover;
mod eval;
mod fixing;
mod identity_eval;
mod output;
mod resume;
mod spool;

use clap::{Args, Parser, Subcommand};
use fixing::FixKind;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use output::{CsvEncoding, ReportFormat, ReportWriter};
use photocheck::engine::{default_model_dir, fetch_models, missing_files};
use photocheck::profile::PRESETS;
use photocheck::roster::Roster;
use photocheck::rules::title;
use photocheck::{Checker, Engine, PhotoReport, Profile, Summary, Verdict};
use spool::Spool;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "photocheck",
    version,
    about = "检查学信网毕业照片 / check graduation photos against the CHSI (学信网) rules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check photos (files and folders, recursively) and write a report.
    Check(CheckArgs),
    /// List the built-in presets, or show the profile in force with each value's origin.
    Spec(SpecArgs),
    /// Score the checker against hand labels, per rule (the accuracy harness).
    Eval(EvalArgs),
    /// Score the face descriptor on photos of known people (a folder per person): the
    /// distances of same-person and different-person pairs, and the error rates at the
    /// profile's limits (the identity harness).
    EvalIdentity(EvalIdentityArgs),
    /// Write compliant copies of photos that fail only on file rules or framing (size,
    /// dpi, JPEG quality, head position) into a folder; the originals are never touched.
    Fix(FixArgs),
}

#[derive(Args)]
struct FixArgs {
    /// Photo files or folders (folders are searched recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Folder for the fixed copies (created; sub-folders are kept, names end in .jpg).
    #[arg(short, long, visible_alias = "out", value_name = "DIR")]
    output: PathBuf,
    /// No progress bar and no summary.
    #[arg(short, long)]
    quiet: bool,
    /// Language of the listing and summary [default: zh under a Chinese locale, else en].
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Args)]
struct EvalArgs {
    /// Label files (JSON Lines; `file` is relative to the label file's folder).
    #[arg(long, required = true, value_name = "LABELS.jsonl")]
    labels: Vec<PathBuf>,
    /// Print the scores as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write each photo's face descriptor (JSON Lines: file, descriptor; null without
    /// a face) to FILE, for fitting the profile's descriptor weights (accuracy/).
    #[arg(long, value_name = "FILE")]
    descriptors: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Args)]
struct EvalIdentityArgs {
    /// Folder with one sub-folder of photos per person.
    #[arg(value_name = "DIR")]
    people: PathBuf,
    /// Also write every pair's distance (JSON Lines: a, b, same, distance) to FILE.
    #[arg(long, value_name = "FILE")]
    pairs: Option<PathBuf>,
    /// Keep only photos that pass these checks (comma-separated rule ids, e.g.
    /// pose.frontal,eyes.open): pairs as a school's photos and reference photos are.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    only_passing: Vec<String>,
    #[command(flatten)]
    engine: EngineArgs,
}

/// How the checker is set up: profile, threads, models.
#[derive(Args)]
struct EngineArgs {
    /// Photos checked at once [default: the number of cores].
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    #[command(flatten)]
    spec: SpecChoice,
    /// Folder of the face and person models [default: $PHOTOCHECK_MODELS, the checkout's
    /// models/cache, or ~/.cache/photocheck/models]. Fetched there once when missing.
    #[arg(long, value_name = "DIR")]
    models: Option<PathBuf>,
    /// Skip the face and person models: only the file and image rules run.
    #[arg(long, conflicts_with = "face_parsing")]
    no_models: bool,
    /// Also run the optional face-parsing model: glasses.none and accessories.none then
    /// judge by the eyeglasses, earrings, necklaces and hats it finds, mouth.no_teeth by the
    /// open mouth, and ears.visible forgives hair beside ears it sees (about 0.4 s more per
    /// photo and core). Its weights may be used for non-commercial research and education
    /// only; fetch it once with `python3 models/fetch.py DIR --with face_parsing`.
    #[arg(long)]
    face_parsing: bool,
}

#[derive(Args)]
struct CheckArgs {
    /// Photo files or folders (folders are searched recursively; images found by content).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Report format [default: from the --output file name (.csv, .jsonl, .html), else json].
    #[arg(short, long, value_enum)]
    format: Option<ReportFormat>,
    /// Write the report to FILE (atomically) instead of standard output (`-` is standard
    /// output, as without the option).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// No progress bar and no summary.
    #[arg(short, long)]
    quiet: bool,
    /// Encoding of a CSV report: utf8 (with BOM, for current Excel) or gbk (old Excel).
    #[arg(long, value_enum, default_value = "utf8")]
    csv_encoding: CsvEncoding,
    /// Language of the summary printed at the end [default: zh under a Chinese locale,
    /// else en].
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    /// Continue an interrupted run: keep the photos already in this JSON Lines report,
    /// check the rest, and write the whole report there (or to --output).
    #[arg(long, value_name = "REPORT")]
    resume: Option<PathBuf>,
    /// Class roster (CSV: 学号, 姓名, 身份证号, optional 班级; UTF-8 or GBK) to reconcile the
    /// photos with: students with no photo, photos of no student, names or ids that differ.
    #[arg(long, value_name = "FILE.csv")]
    roster: Option<PathBuf>,
    /// Folder of reference photos (e.g. enrolment photos) named by student number or id
    /// number: each photo is compared with its student's (identity.match).
    #[arg(long, value_name = "DIR")]
    reference: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
    /// Write each photo with its face box, landmarks and mask outline drawn into DIR.
    #[arg(long, value_name = "DIR")]
    annotate: Option<PathBuf>,
    /// Print the median time per stage and per model at the end.
    #[arg(long)]
    timings: bool,
}

/// Which specification profile to use.
#[derive(Args)]
struct SpecChoice {
    /// The specification profile: a built-in preset's name (`photocheck spec --list`) or a
    /// school's TOML file, which holds only what it changes from the preset it `extends`
    /// [default: notice].
    #[arg(long, value_name = "NAME|FILE")]
    spec: Option<PathBuf>,
}

#[derive(Args)]
struct SpecArgs {
    /// List the built-in presets with their sources.
    #[arg(long)]
    list: bool,
    /// Print the profile in force (TOML), each value with the preset or file that set it.
    #[arg(long)]
    show: bool,
    #[command(flatten)]
    spec: SpecChoice,
}

/// The language of console output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Lang {
    Zh,
    En,
}

impl Lang {
    /// Chinese when the locale (LC_ALL, LC_MESSAGES, LANG) is Chinese, else English.
    fn from_locale() -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        if locale.starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Exit status for usage and set-up errors.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Spec(args) => spec(args),
        Command::Eval(args) => evaluate(args),
        Command::EvalIdentity(args) => evaluate_identity(args),
        Command::Fix(args) => fix(args),
    };
    result.unwrap_or_else(|message| {
        eprintln!("photocheck: {message}");
        ExitCode::from(USAGE_ERROR)
    })
}

impl SpecChoice {
    /// The profile chosen: a file when the argument names one (or looks like a path), else
    /// the preset of that name; the default preset without `--spec`.
    fn load(&self) -> Result<Profile, String> {
        let Some(spec) = &self.spec else {
            return Ok(Profile::default());
        };
        let as_name = spec.to_str().filter(|name| {
            !spec.is_file() && !name.contains(['/', '\\']) && !name.ends_with(".toml")
        });
        match as_name {
            Some(name) => Profile::preset(name).map_err(|_| {
                let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
                format!(
                    "--spec {name}: no such file, and no preset of that name (presets: {})",
                    names.join(", ")
                )
            }),
            None => Profile::load_overrides(spec).map_err(|e| e.to_string()),
        }
    }
}

fn spec(args: SpecArgs) -> Result<ExitCode, String> {
    if args.list {
        for preset in &PRESETS {
            let profile = Profile::preset(preset.name).map_err(|e| e.to_string())?;
            let base = match preset.extends() {
                Some(base) => format!("extends {base}"),
                None => "the default".to_string(),
            };
            println!("{} ({base})", preset.name);
            println!("  {}", profile.description);
            println!("  source: {}\n", profile.source);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !args.show {
        return Err(
            "nothing to do: use `photocheck spec --list` or `photocheck spec --show`".to_string(),
        );
    }
    print!("{}", args.spec.load()?.to_toml_with_origins());
    Ok(ExitCode::SUCCESS)
}

/// The checker and the thread pool it runs on, as the arguments ask.
fn build_checker(args: &EngineArgs) -> Result<(Checker, rayon::ThreadPool), String> {
    let profile = args.spec.load()?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        return Err("--jobs must be at least 1".to_string());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("cannot start {jobs} threads: {e}"))?;
    if args.no_models {
        return Ok((Checker::new(profile), pool));
    }
    let dir = args.models.clone().unwrap_or_else(default_model_dir);
    if !missing_files(&dir).is_empty() {
        eprintln!(
            "photocheck: 首次运行，正在获取人脸模型 / first run: fetching the face models into {}",
            dir.display()
        );
        fetch_models(&dir).map_err(|e| e.to_string())?;
    }
    let engine = if args.face_parsing {
        Engine::load_with_face_parsing(&dir, jobs)
    } else {
        Engine::load(&dir, jobs)
    }
    .map_err(|e| e.to_string())?;
    Ok((Checker::with_engine(profile, engine), pool))
}

fn evaluate_identity(args: EvalIdentityArgs) -> Result<ExitCode, String> {
    let (checker, pool) = build_checker(&args.engine)?;
    let table = pool.install(|| {
        identity_eval::run(
            &checker,
            &args.people,
            args.pairs.as_deref(),
            &args.only_passing,
        )
    })?;
    print!("{table}");
    Ok(ExitCode::SUCCESS)
}

fn evaluate(args: EvalArgs) -> Result<ExitCode, String> {
    let labelled = eval::read_labels(&args.labels)?;
    let (checker, pool) = build_checker(&args.engine)?;
    let paths: Vec<PathBuf> = labelled.iter().map(|l| l.path.clone()).collect();
    let mut reports = Vec::with_capacity(paths.len());
    pool.install(|| checker.check_files(&paths, |r| reports.push(r)));
    if let Some(file) = &args.descriptors {
        let lines: String = paths
            .iter()
            .zip(&reports)
            .map(|(path, report)| {
                let record = serde_json::json!({
                    "file": path.display().to_string(),
                    "descriptor": report.descriptor,
                });
                format!("{record}\n")
            })
            .collect();
        std::fs::write(file, lines).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    let scores = eval::score(&labelled, &reports);
    let compliant = eval::compliant(&labelled, &reports);
    if args.json {
        let both = serde_json::json!({"rules": scores, "compliant": compliant});
        println!(
            "{}",
            serde_json::to_string_pretty(&both).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", eval::table(&scores));
        print!("{}", eval::compliant_lines(&compliant));
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit status when a run was interrupted (as shells report a SIGINT).
const INTERRUPTED: u8 = 130;

/// The photos under `paths`; folders that cannot be listed are named on standard error.
fn find_photos(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let inputs = discover::discover(paths);
    for (path, problem) in &inputs.problems {
        eprintln!("photocheck: skipped {}: {problem}", path.display());
    }
    if inputs.files.is_empty() {
        return Err("no photos found in the given paths".to_string());
    }
    Ok(inputs.files)
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let files = find_photos(&args.paths)?;
    let output = (args.output.clone())
        .filter(|path| path.as_os_str() != "-")
        .or_else(|| args.resume.clone());
    let format = args.format.unwrap_or_else(|| {
        output
            .as_deref()
            .map_or(ReportFormat::Json, ReportFormat::from_file_name)
    });
    let mut done = match &args.resume {
        Some(report) if format == ReportFormat::Jsonl => resume::finished(report)?,
        Some(_) => return Err("--resume needs a JSON Lines report (--format jsonl)".to_string()),
        None => Default::default(),
    };
    let names: Vec<String> = files
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let remaining: Vec<PathBuf> = files
        .iter()
        .zip(&names)
        .filter(|(_, name)| !done.contains_key(*name))
        .map(|(path, _)| path.clone())
        .collect();
    let roster = match &args.roster {
        Some(path) => Some(Roster::read(path).map_err(|e| e.to_string())?),
        None => None,
    };
    let (checker, pool) = build_checker(&args.engine)?;
    let checker = match &args.reference {
        Some(dir) => {
            let references = pool.install(|| checker.read_references(dir))?;
            let (count, usable) = references.counts();
            if !args.quiet {
                eprintln!(
                    "photocheck: 参考照片 {count} 张，其中 {usable} 张可用 / {count} reference photos, {usable} with a usable face"
                );
            }
            checker.with_references(references)
        }
        None => checker,
    };

    let header = serde_json::json!({
        "tool": "photocheck",
        "version": env!("CARGO_PKG_VERSION"),
        "profile": checker.profile().name,
        "face_parsing": checker.face_parsing(),
    });
    let writer = ReportWriter::create(
        format,
        output.as_deref(),
        checker.rule_ids(),
        &header,
        args.csv_encoding,
        roster.is_some(),
    )
    .map_err(|e| format!("cannot write the report: {e}"))?;

    let progress = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(remaining.len() as u64), ProgressDrawTarget::stderr())
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} 张 photos  {per_sec}  剩余 {eta}")
            .expect("valid progress template"),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let on_signal = Arc::clone(&stop);
    ctrlc::set_handler(move || on_signal.store(true, Ordering::Relaxed))
        .map_err(|e| format!("cannot watch for Ctrl-C: {e}"))?;

    let started = Instant::now();
    let checker = if format == ReportFormat::Html {
        checker.with_thumbnails()
    } else {
        checker
    };
    let checker = match &args.annotate {
        None => checker,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            checker.annotate_into(dir.clone())
        }
    };
    // Records go to a spool first: batch.once is judged over the whole run, then every
    // record is written with it. Only a few facts per photo stay in memory.
    let mut spool =
        Spool::new(checker.profile()).map_err(|e| format!("cannot make a temporary file: {e}"))?;
    let mut spool_error = None;
    let mut emit = |report: &PhotoReport| {
        if spool_error.is_none() {
            spool_error = spool.add(report).err();
        }
    };
    // Reports come in input order; finished records of a resumed run are put back in
    // their places between them.
    let mut order = names.iter();
    let checked = pool.install(|| {
        checker.check_files_until(&remaining, &stop, |report| {
            for name in order.by_ref() {
                if *name == report.file {
                    break;
                }
                if let Some(old) = done.remove(name) {
                    emit(&old);
                }
            }
            emit(&report);
            progress.inc(1);
        })
    });
    for name in order {
        if let Some(old) = done.remove(name) {
            emit(&old);
        }
    }
    progress.finish_and_clear();
    if let Some(e) = spool_error {
        return Err(format!("cannot write the temporary report: {e}"));
    }
    let summary = spool
        .replay(checker.profile(), roster.as_ref(), writer)
        .map_err(|e| format!("cannot write the report: {e}"))?;
    if !args.quiet {
        let lang = args.lang.unwrap_or_else(Lang::from_locale);
        let seconds = started.elapsed().as_secs_f64();
        print_summary(&summary, checked, seconds, output.as_deref(), lang);
    }
    if args.timings {
        eprintln!("中位耗时 / median time per photo:");
        for (stage, count, ms) in checker.timings().medians() {
            eprintln!("  {stage:<30}{ms:>9.2} ms  ({count} runs)");
        }
    }
    if checked < remaining.len() {
        let resume = match &output {
            Some(path) if format == ReportFormat::Jsonl => format!(
                "; continue with: photocheck check --resume {} …",
                path.display()
            ),
            _ => String::new(),
        };
        eprintln!(
            "photocheck: 已中断 / interrupted after {checked} of {} photos{resume}",
            remaining.len()
        );
        return Ok(ExitCode::from(INTERRUPTED));
    }
    Ok(if summary.count(Verdict::Pass) == summary.photos {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn fix(args: FixArgs) -> Result<ExitCode, String> {
    let files = find_photos(&args.paths)?;
    std::fs::create_dir_all(&args.output)
        .map_err(|e| format!("cannot create {}: {e}", args.output.display()))?;
    let out = std::fs::canonicalize(&args.output).map_err(|e| e.to_string())?;
    if args
        .paths
        .iter()
        .any(|p| std::fs::canonicalize(p).is_ok_and(|p| p == out))
    {
        return Err(
            "the output folder must not be a folder of the photos: originals are never overwritten"
                .to_string(),
        );
    }
    let (checker, pool) = build_checker(&args.engine)?;
    let progress = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(files.len() as u64), ProgressDrawTarget::stderr())
    };
    let lines = pool.install(|| {
        fixing::fix_all(&checker, &files, &args.paths, &args.output, || {
            progress.inc(1)
        })
    });
    progress.finish_and_clear();
    let lang = args.lang.unwrap_or_else(Lang::from_locale);
    let count = |kind| lines.iter().filter(|l| l.kind == kind).count();
    let (fixed, compliant, declined) = (
        count(FixKind::Fixed),
        count(FixKind::Compliant),
        count(FixKind::Declined),
    );
    for line in &lines {
        let details: Vec<&str> = line
            .details
            .iter()
            .map(|m| lang.pick(&m.zh, &m.en))
            .collect();
        println!(
            "{}\t{}\t{}\t{}",
            line.kind.as_str(),
            line.source.display(),
            line.copy
                .as_ref()
                .map_or(String::new(), |c| c.display().to_string()),
            details.join(lang.pick("；", "; "))
        );
    }
    if !args.quiet {
        match lang {
            Lang::Zh => eprintln!(
                "已修复 {fixed} 张 (写入 {})，本已合格 {compliant} 张，无法修复 {declined} 张",
                args.output.display()
            ),
            Lang::En => eprintln!(
                "fixed {fixed} (copies in {}), already compliant {compliant}, declined {declined}",
                args.output.display()
            ),
        }
    }
    Ok(if declined == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_summary(
    summary: &Summary,
    checked: usize,
    seconds: f64,
    output: Option<&std::path::Path>,
    lang: Lang,
) {
    let rate = checked as f64 / seconds.max(1e-9);
    match lang {
        Lang::Zh => eprintln!("\n检查了 {checked} 张照片，用时 {seconds:.1} 秒 ({rate:.1} 张/秒)"),
        Lang::En => eprintln!("\nchecked {checked} photos in {seconds:.1} s ({rate:.1} photos/s)"),
    }
    if checked != summary.photos {
        eprintln!(
            "{} {}",
            lang.pick("报告共有照片", "the report holds photos:"),
            summary.photos
        );
    }
    let names = [
        ("合格", "pass"),
        ("不合格", "fail"),
        ("待复核", "review"),
        ("无法读取", "error"),
    ];
    for (verdict, (zh, en)) in Verdict::ALL.iter().zip(names) {
        eprintln!("  {:<8}{:>7}", lang.pick(zh, en), summary.count(*verdict));
    }
    let top = summary.top_failures();
    if !top.is_empty() {
        eprintln!("{}", lang.pick("最常见的问题：", "most common failures:"));
        for (id, n) in top.iter().take(8) {
            let t = title(id);
            eprintln!("  {n:>6}  {id:<20} {}", lang.pick(&t.zh, &t.en));
        }
    }
    for (kind, n) in &summary.errors {
        eprintln!("  {n:>6}  {} {kind}", lang.pick("无法读取：", "error:"));
    }
    if let Some(r) = &summary.roster {
        match lang {
            Lang::Zh => eprintln!(
                "名单 {} 人：一致 {}，信息不符 {}，缺照片 {}；名单外照片 {}，文件名无法识别 {}",
                r.students, r.matched, r.mismatched, r.missing.len(), r.not_on_roster, r.unnamed
            ),
            Lang::En => eprintln!(
                "roster of {}: {} agree, {} differ, {} without a photo; {} photos not on it, {} unnamed",
                r.students, r.matched, r.mismatched, r.missing.len(), r.not_on_roster, r.unnamed
            ),
        }
        const SHOWN: usize = 10;
        for e in r.missing.iter().take(SHOWN) {
            eprintln!(
                "  {} {} {} {}",
                lang.pick("缺照片", "no photo:"),
                e.number,
                e.name,
                e.class.as_deref().unwrap_or("")
            );
        }
        if r.missing.len() > SHOWN {
            eprintln!("  … {}", r.missing.len() - SHOWN);
        }
    }
    if let Some(path) = output {
        eprintln!("{} {}", lang.pick("报告：", "report:"), path.display());
    }
}
