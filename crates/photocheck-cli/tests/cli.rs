//! The command line as a user runs it: reports, exit codes, profile errors.

mod common;

use common::{photo, photocheck, photos, REFERENCE_EXCEPTIONS};
use std::path::Path;
use std::process::Command;

fn photo_count() -> usize {
    std::fs::read_dir(photos()).unwrap().count()
}

#[test]
fn folder_gives_one_jsonl_record_per_photo_in_name_order() {
    let out = photocheck(&["check", "-q", "-f", "jsonl", photos().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "some test photos fail");
    let text = String::from_utf8(out.stdout).unwrap();
    let files: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["file"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(files.len(), photo_count());
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    assert!(
        out.stderr.is_empty(),
        "--quiet prints nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_photo_passing_every_enabled_rule_exits_zero_and_json_holds_photos_and_summary() {
    // The reference portrait, named by the convention, breaks only the rules this school's
    // profile turns off.
    let dir = tempfile::tempdir().unwrap();
    let school = dir.path().join("school.toml");
    std::fs::write(&school, REFERENCE_EXCEPTIONS).unwrap();
    let out = photocheck(&[
        "check",
        "-f",
        "json",
        "--lang",
        "zh",
        "--spec",
        school.to_str().unwrap(),
        &photo("2021001234张三11010519491231002X.jpg"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["photos"].as_array().unwrap().len(), 1);
    assert_eq!(doc["photos"][0]["verdict"], "pass");
    assert_eq!(doc["summary"]["photos"], 1);
    assert_eq!(doc["profile"], "notice");
    let summary = String::from_utf8(out.stderr).unwrap();
    assert!(
        summary.contains("合格") && !summary.contains("pass"),
        "{summary}"
    );
}

#[test]
fn the_summary_speaks_the_asked_language_and_chinese_under_a_chinese_locale() {
    let run = |lang: Option<&str>, locale: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_photocheck"));
        cmd.env("LC_ALL", locale)
            .args(["check", "-f", "jsonl", &photo("reference.jpg")]);
        if let Some(lang) = lang {
            cmd.args(["--lang", lang]);
        }
        String::from_utf8(cmd.output().unwrap().stderr).unwrap()
    };
    let en = run(Some("en"), "zh_CN.UTF-8");
    assert!(
        en.contains("most common failures") && !en.contains("最常见"),
        "{en}"
    );
    let zh = run(None, "zh_CN.UTF-8");
    assert!(
        zh.contains("最常见的问题") && !zh.contains("most common"),
        "{zh}"
    );
    let default = run(None, "C.UTF-8");
    assert!(default.contains("most common failures"), "{default}");
}

#[test]
fn a_gbk_csv_holds_the_chinese_messages_without_a_bom() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("old-excel.csv");
    let out = photocheck(&[
        "check",
        "-q",
        "--csv-encoding",
        "gbk",
        "-o",
        report.to_str().unwrap(),
        &photo("reference.jpg"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let bytes = std::fs::read(&report).unwrap();
    assert!(
        !bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "no UTF-8 byte-order mark"
    );
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the Chinese text is not UTF-8"
    );
    let (text, _, had_errors) = encoding_rs::GBK.decode(&bytes);
    assert!(!had_errors);
    assert!(text.contains("露出了牙齿"), "{text}");
}

#[test]
fn a_report_into_folders_not_made_yet_makes_them() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("2026届").join("一班").join("report.jsonl");
    let out = photocheck(&[
        "check",
        "-q",
        "--no-models",
        "-o",
        report.to_str().unwrap(),
        &photo("reference.jpg"),
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let text = std::fs::read_to_string(&report).expect("the report is written");
    assert_eq!(text.lines().count(), 1);
}

/// `-o /dev/null` and the like: the report goes into the device or pipe; a rename into
/// place would replace it with a regular file (as it once did /dev/null). Tried on a named
/// pipe, read on another thread, so that a failure harms nothing outside the test.
#[cfg(unix)]
#[test]
fn a_report_into_a_named_pipe_is_written_into_it_and_the_pipe_stays() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("report.jsonl");
    let made = std::process::Command::new("mkfifo").arg(&pipe).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || std::fs::read_to_string(pipe).unwrap())
    };
    let out = photocheck(&[
        "check",
        "-q",
        "--no-models",
        "-o",
        pipe.to_str().unwrap(),
        &photo("reference.jpg"),
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    // Checked before joining: a pipe renamed over would leave the reader waiting for ever.
    let kind = std::fs::symlink_metadata(&pipe).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe is still a pipe: {kind:?}");
    let text = reader.join().unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn csv_report_is_written_atomically_with_a_bom_and_one_row_per_photo() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("报告.csv");
    let out = photocheck(&[
        "check",
        "-q",
        "-o",
        report.to_str().unwrap(),
        photos().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let bytes = std::fs::read(&report).unwrap();
    assert!(
        bytes.starts_with("\u{FEFF}".as_bytes()),
        "UTF-8 BOM for Excel"
    );
    let mut rows = csv::Reader::from_reader(&bytes[3..]);
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), photo_count());
    let size_row = records
        .iter()
        .find(|r| r[0].ends_with("wrong_size.jpg"))
        .unwrap();
    assert_eq!(&size_row[1], "fail");
    assert_eq!(
        &size_row[2], "file.naming format.size mouth.no_teeth batch.once",
        "failing rule ids, in report order (the folder holds other copies of this portrait)"
    );
    assert!(size_row[3].contains("413×531"), "{}", &size_row[3]);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file is left beside the report");
}

#[test]
fn unreadable_photos_are_reported_and_the_rest_still_checked() {
    let out = photocheck(&[
        "check",
        "-q",
        "-f",
        "jsonl",
        &photo("truncated.jpg"),
        &photo("reference.jpg"),
        "/no/such.jpg",
    ]);
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let verdicts: Vec<&str> = records
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["error", "fail", "error"]);
    assert!(
        !records[1]["checks"].as_array().unwrap().is_empty(),
        "the readable photo was checked"
    );
    assert_eq!(records[0]["error"]["kind"], "truncated");
    assert_eq!(records[2]["error"]["kind"], "io");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn school_profile_changes_the_outcome_and_a_bad_one_is_refused_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let school = dir.path().join("school.toml");
    std::fs::write(
        &school,
        format!("[rules.\"format.dpi\"]\nmin_dpi = 72\nmax_dpi = 300\n[rules.\"file.naming\"]\nenabled = false\n{REFERENCE_EXCEPTIONS}"),
    )
    .unwrap();
    let out = photocheck(&[
        "check",
        "-q",
        "--spec",
        school.to_str().unwrap(),
        &photo("dpi72.jpg"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "72 dpi passes this school's window"
    );

    std::fs::write(&school, "[rules.\"format.dpi\"]\nmin_dpl = 72\n").unwrap();
    let out = photocheck(&[
        "check",
        "--spec",
        school.to_str().unwrap(),
        &photo("dpi72.jpg"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("min_dpl") && err.contains("school.toml"),
        "{err}"
    );
}

#[test]
fn a_preset_picked_by_name_judges_the_backdrop_by_its_own_colours() {
    let background = |spec: &str| {
        let out = photocheck(&[
            "check",
            "-q",
            "-f",
            "jsonl",
            "--spec",
            spec,
            &photo("grey_background.jpg"),
        ]);
        let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let check = record["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "background.blue")
            .unwrap()
            .clone();
        (
            check["status"].as_str().unwrap().to_string(),
            check["message"]["zh"].to_string(),
        )
    };
    let (white, says) = background("white");
    assert_eq!(white, "pass", "{says}");
    assert!(says.contains("浅灰色"), "{says}");
    assert_eq!(background("notice").0, "fail");
    let out = photocheck(&["check", "--spec", "nonesuch", &photo("reference.jpg")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard-2017"));
}

#[test]
fn spec_list_names_every_preset_with_its_source() {
    let out = photocheck(&["spec", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "notice",
        "standard-2017 (extends notice)",
        "white (extends notice)",
        "教毕指〔2017〕99号",
    ] {
        assert!(text.contains(name), "{name}: {text}");
    }
    let shown = photocheck(&["spec", "--show", "--spec", "standard-2017"]);
    let shown = String::from_utf8(shown.stdout).unwrap();
    assert!(
        shown.contains("max_bytes = 40960  # standard-2017"),
        "{shown}"
    );
    assert!(shown.contains("min_dpi = 300.0  # notice"), "{shown}");
}

#[test]
fn spec_show_prints_the_profile_in_force() {
    let out = photocheck(&["spec", "--show"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let shown = photocheck::Profile::from_toml_str(&text, "shown").unwrap();
    assert_eq!(shown.rules.format_size.params.width, 480);
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(photocheck(&["check"]).status.code(), Some(2));
    assert_eq!(
        photocheck(&["check", "--format", "xml", "x.jpg"])
            .status
            .code(),
        Some(2)
    );
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        photocheck(&["check", empty.path().to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
    assert!(Path::new(env!("CARGO_BIN_EXE_photocheck")).exists());
}

#[test]
fn annotate_writes_one_overlay_per_checked_photo_inside_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = photocheck(&[
        "check",
        "-q",
        "-f",
        "jsonl",
        "--annotate",
        dir.path().to_str().unwrap(),
        photos().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let checked: Vec<&serde_json::Value> =
        records.iter().filter(|r| r["verdict"] != "error").collect();
    assert!(checked.len() >= 15);
    for r in &checked {
        let overlay = Path::new(
            r["overlay"]
                .as_str()
                .expect("an overlay for every checked photo"),
        );
        assert_eq!(overlay.parent(), Some(dir.path()));
        let img = image::open(overlay).unwrap();
        assert_eq!(
            img.height(),
            640,
            "overlays are drawn on the 640-high working copy"
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        checked.len()
    );
}

#[test]
fn timings_name_every_model() {
    let out = photocheck(&["check", "-q", "--timings", &photo("reference.jpg")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the reference portrait shows teeth"
    );
    let text = String::from_utf8(out.stderr).unwrap();
    for stage in [
        "decode",
        "model: face detection",
        "model: face mesh",
        "model: iris (both eyes)",
        "model: person mask",
        "rules",
    ] {
        assert!(text.contains(stage), "{stage} missing from:\n{text}");
    }
}

#[test]
fn batch_once_names_every_photo_of_the_same_student_or_picture() {
    let dir = tempfile::tempdir().unwrap();
    let put = |from: &str, to: &str| std::fs::copy(photo(from), dir.path().join(to)).unwrap();
    // The reference under its student's name; a resized, re-encoded copy under another
    // name; another picture filed under the same student number; a picture of another
    // person (the generated photos all show the same astronaut).
    let first17 = "11010520000101001";
    let other_id = format!(
        "{first17}{}",
        photocheck::naming::check_char(first17).unwrap()
    );
    put(
        "2021001234张三11010519491231002X.jpg",
        "2021001234张三11010519491231002X.jpg",
    );
    put("wrong_size.jpg", "copy.jpg");
    put("no_face.jpg", &format!("2021001234李四{other_id}.jpg"));
    std::fs::copy(
        photo("../real/grace_hopper.jpg"),
        dir.path().join("someone_else.jpg"),
    )
    .unwrap();
    let out = photocheck(&["check", "-q", "-f", "jsonl", dir.path().to_str().unwrap()]);
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let once = |name: &str| {
        let r = records
            .iter()
            .find(|r| r["file"].as_str().unwrap().ends_with(name))
            .unwrap();
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "batch.once")
            .unwrap()
            .clone()
    };
    let first = once("2021001234张三11010519491231002X.jpg");
    assert_eq!(first["status"], "fail");
    let zh = first["message"]["zh"].as_str().unwrap();
    assert!(zh.contains("copy.jpg") && zh.contains("同一张照片"), "{zh}");
    assert!(zh.contains("李四") && zh.contains("学号相同"), "{zh}");
    assert_eq!(once("copy.jpg")["status"], "fail");
    assert_eq!(
        once(&format!("2021001234李四{other_id}.jpg"))["status"],
        "fail"
    );
    assert_eq!(once("someone_else.jpg")["status"], "pass");
}

#[test]
fn a_roster_reconciles_the_folder_missing_students_mismatches_and_strangers() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("photos");
    std::fs::create_dir(&folder).unwrap();
    for name in [
        "2021001234张三11010519491231002X.jpg",
        "2021001235李四110105194912310021.jpg",
    ] {
        std::fs::copy(photo(name), folder.join(name)).unwrap();
    }
    std::fs::copy(photo("reference.jpg"), folder.join("reference.jpg")).unwrap();
    // A GBK roster as old Excel saves it: 李四 is 李思 there, and 王五 has no photo.
    let roster = dir.path().join("名单.csv");
    let text = "学号,姓名,身份证号,班级\r\n2021001234,张三,11010519491231002X,计科1班\r\n\
                2021001235,李思,110105194912310021,计科1班\r\n2021001236,王五,110105200001010011,计科2班\r\n";
    std::fs::write(&roster, encoding_rs::GBK.encode(text).0).unwrap();
    let csv = dir.path().join("report.csv");
    let out = photocheck(&[
        "check",
        "--no-models",
        "--lang",
        "zh",
        "--roster",
        roster.to_str().unwrap(),
        "-o",
        csv.to_str().unwrap(),
        folder.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("缺照片 2021001236 王五"), "{stderr}");
    assert!(stderr.contains("一致 1，信息不符 1，缺照片 1"), "{stderr}");
    let table = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(
        rows.len(),
        1 + 3 + 1,
        "header, three photos, one missing student"
    );
    assert!(rows[4].contains("missing") && rows[4].contains("王五") && rows[4].contains("计科2班"));
    let lisi = rows
        .iter()
        .find(|r| r.contains("李四110105194912310021.jpg,"))
        .unwrap();
    assert!(
        lisi.contains("姓名与名单不符") && lisi.contains("李思"),
        "{lisi}"
    );

    let out = photocheck(&[
        "check",
        "-q",
        "--no-models",
        "-f",
        "json",
        "--roster",
        roster.to_str().unwrap(),
        folder.to_str().unwrap(),
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let summary = &doc["summary"]["roster"];
    assert_eq!(summary["students"], 3);
    assert_eq!(summary["missing"][0]["name"], "王五");
    assert_eq!(summary["not_on_roster"], 0);
    assert_eq!(summary["unnamed"], 1, "reference.jpg names nobody");
    let status = |name: &str| {
        doc["photos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["file"].as_str().unwrap().ends_with(name))
            .unwrap()["roster"]["status"]
            .clone()
    };
    assert_eq!(status("2021001234张三11010519491231002X.jpg"), "matched");
    assert_eq!(status("2021001235李四110105194912310021.jpg"), "mismatch");
    assert_eq!(status("reference.jpg"), "unnamed");

    std::fs::write(&roster, "学号,姓名\n2021001234,张三\n").unwrap();
    let out = photocheck(&[
        "check",
        "--no-models",
        "--roster",
        roster.to_str().unwrap(),
        folder.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("身份证号"));
}

#[test]
fn reference_photos_add_identity_match_to_every_record_and_its_csv_column() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    let references = dir.path().join("references");
    std::fs::create_dir_all(&photos).unwrap();
    std::fs::create_dir_all(&references).unwrap();
    // The astronaut under two students: the first has her reference photo, the second
    // Grace Hopper's; a third student has none.
    let names = [
        "2021001234张三11010519491231002X.jpg",
        "2021001235李四110105194912310021.jpg",
        "2021001236王五11010519491231002X.jpg",
    ];
    for name in names {
        std::fs::copy(
            photo("2021001234张三11010519491231002X.jpg"),
            photos.join(name),
        )
        .unwrap();
    }
    std::fs::copy(photo("reference.jpg"), references.join("2021001234.jpg")).unwrap();
    std::fs::copy(
        photo("../real/grace_hopper.jpg"),
        references.join("2021001235.jpg"),
    )
    .unwrap();
    let out = photocheck(&[
        "check",
        "-f",
        "jsonl",
        "--reference",
        references.to_str().unwrap(),
        photos.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2 reference photos, 2 with a usable face"),
        "{stderr}"
    );
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let status = |name: &str| {
        let r = records
            .iter()
            .find(|r| r["file"].as_str().unwrap().ends_with(name))
            .unwrap();
        let c = r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "identity.match")
            .unwrap();
        c["status"].as_str().unwrap().to_string()
    };
    assert_eq!(status(names[0]), "pass");
    assert_eq!(status(names[1]), "warn");
    assert_eq!(status(names[2]), "skip");
    // A CSV report has the column; without --reference there is none.
    let csv = |extra: &[&str]| {
        let mut args = vec!["check", "-q", "-f", "csv"];
        args.extend_from_slice(extra);
        args.push(photos.to_str().unwrap());
        let out = photocheck(&args);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert!(csv(&["--reference", references.to_str().unwrap()]).contains("identity.match"));
    assert!(!csv(&[]).contains("identity.match"));
}

#[test]
fn an_unreadable_reference_folder_is_a_clear_error() {
    let out = photocheck(&[
        "check",
        "--reference",
        "/nonexistent/refs",
        &photo("reference.jpg"),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/refs"), "{stderr}");
}

#[test]
fn eval_writes_each_photos_descriptor_and_null_without_a_face() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.jsonl");
    let lines: Vec<String> = ["reference.jpg", "no_face.jpg"]
        .iter()
        .map(|name| serde_json::json!({ "file": photo(name), "glasses": false }).to_string())
        .collect();
    std::fs::write(&labels, lines.join("\n")).unwrap();
    let descriptors = dir.path().join("descriptors.jsonl");
    let out = photocheck(&[
        "eval",
        "--labels",
        labels.to_str().unwrap(),
        "--descriptors",
        descriptors.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&descriptors)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert!(records[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("reference.jpg"));
    assert_eq!(records[0]["descriptor"].as_array().unwrap().len(), 128);
    assert!(records[1]["file"]
        .as_str()
        .unwrap()
        .ends_with("no_face.jpg"));
    assert!(records[1]["descriptor"].is_null());
}

#[test]
fn output_dash_is_standard_output_not_a_file_named_dash() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_photocheck"))
        .current_dir(dir.path())
        .args([
            "check",
            "-q",
            "-f",
            "jsonl",
            "-o",
            "-",
            &photo("reference.jpg"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let record: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert!(record["file"].as_str().unwrap().ends_with("reference.jpg"));
    assert!(!dir.path().join("-").exists());
}
