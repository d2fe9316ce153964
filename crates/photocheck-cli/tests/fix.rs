//! `photocheck fix`: copies of photos that fail only on file rules or framing pass the
//! checker; every other photo is declined with the reason, and originals are untouched.

mod common;

use common::{photocheck, photos, REFERENCE_EXCEPTIONS};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

/// A school profile under which the reference portrait passes (see REFERENCE_EXCEPTIONS)
/// and file names are not judged (the test photos are not named by the convention).
fn school(dir: &Path) -> String {
    let path = dir.join("school.toml");
    std::fs::write(
        &path,
        format!("[rules.\"file.naming\"]\nenabled = false\n{REFERENCE_EXCEPTIONS}"),
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

/// The listing's lines: (kind, source, copy, details).
fn listing(out: &Output) -> Vec<(String, String, String, String)> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, '\t').collect();
            (f[0].into(), f[1].into(), f[2].into(), f[3].into())
        })
        .collect()
}

fn check_json(school: &str, path: &str) -> serde_json::Value {
    let out = photocheck(&["check", "-q", "-f", "json", "--spec", school, path]);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_fixed_copy_passes_and_exactly_the_photos_with_other_failures_are_declined() {
    let dir = tempfile::tempdir().unwrap();
    let school = school(dir.path());
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for entry in std::fs::read_dir(photos()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, input.join(path.file_name().unwrap())).unwrap();
    }
    // The reference on a larger canvas of her background, small, low and off to the right
    // (her shoulders still reach the bottom edge): only a new frame fixes it.
    let reference = image::open(photos().join("reference.jpg"))
        .unwrap()
        .to_rgb8();
    let mut canvas = image::RgbImage::from_pixel(900, 1000, *reference.get_pixel(5, 5));
    image::imageops::replace(&mut canvas, &reference, 420, 360);
    canvas.save(input.join("off_centre.png")).unwrap();
    let before = std::fs::read(input.join("wrong_size.jpg")).unwrap();

    let out_dir = dir.path().join("fixed");
    let out = photocheck(&[
        "fix",
        "-q",
        "--lang",
        "en",
        "--spec",
        &school,
        "-o",
        out_dir.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "some photos are declined");
    let lines = listing(&out);
    assert_eq!(lines.len(), std::fs::read_dir(&input).unwrap().count());

    // What the checker says of the originals decides what fix may do.
    let report = check_json(&school, input.to_str().unwrap());
    let other_failure: BTreeSet<String> = report["photos"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["verdict"] == "error"
                || p["checks"].as_array().unwrap().iter().any(|c| {
                    let id = c["id"].as_str().unwrap();
                    c["status"] == "fail"
                        && !id.starts_with("format.")
                        && !id.starts_with("frame.")
                        && id != "batch.once"
                })
        })
        .map(|p| p["file"].as_str().unwrap().to_string())
        .collect();
    let declined: BTreeSet<String> = lines
        .iter()
        .filter(|l| l.0 == "declined")
        .map(|l| l.1.clone())
        .collect();
    assert_eq!(declined, other_failure);
    let red = lines
        .iter()
        .find(|l| l.1.ends_with("red_background.jpg"))
        .unwrap();
    assert!(red.3.contains("background colour"), "{}", red.3);

    let fixed: Vec<_> = lines.iter().filter(|l| l.0 == "fixed").collect();
    let names: BTreeSet<&str> = fixed
        .iter()
        .map(|l| Path::new(&l.1).file_name().unwrap().to_str().unwrap())
        .collect();
    for expected in [
        "wrong_size.jpg",
        "dpi72.jpg",
        "no_dpi.jpg",
        "low_quality.jpg",
        "photo.png",
        "cmyk.jpg",
        "off_centre.png",
    ] {
        assert!(names.contains(expected), "{expected} not fixed: {names:?}");
    }
    for line in &fixed {
        assert!(line.2.ends_with(".jpg") && line.2.starts_with(out_dir.to_str().unwrap()));
        // Checked alone, so that batch.once does not see the other copies of her.
        let copy = check_json(&school, &line.2);
        let photo = &copy["photos"][0];
        assert_eq!(photo["verdict"], "pass", "{}: {photo}", line.2);
        assert_eq!(photo["facts"]["width"], 480);
        assert_eq!(photo["facts"]["dpi"], 300.0);
    }
    assert_eq!(
        std::fs::read(input.join("wrong_size.jpg")).unwrap(),
        before,
        "originals are never changed"
    );
}

#[test]
fn a_head_cut_off_at_the_top_is_declined_not_padded() {
    let dir = tempfile::tempdir().unwrap();
    let school = school(dir.path());
    let reference = image::open(photos().join("reference.jpg"))
        .unwrap()
        .to_rgb8();
    // Her crown is ~63 px below the top edge: cut 90 px off the top.
    let cut = image::imageops::crop_imm(&reference, 0, 90, 480, 550).to_image();
    let input = dir.path().join("cut.png");
    cut.save(&input).unwrap();
    let out_dir = dir.path().join("fixed");
    let out = photocheck(&[
        "fix",
        "-q",
        "--lang",
        "zh",
        "--spec",
        &school,
        "-o",
        out_dir.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    let lines = listing(&out);
    assert_eq!(lines[0].0, "declined");
    assert!(lines[0].3.contains("头顶"), "{}", lines[0].3);
    assert!(!out_dir.join("cut.jpg").exists());
}

#[test]
fn the_photos_own_folder_is_refused_as_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(photos().join("dpi72.jpg"), dir.path().join("dpi72.jpg")).unwrap();
    let folder = dir.path().to_str().unwrap();
    for flag in ["-o", "--output", "--out"] {
        let out = photocheck(&["fix", "--no-models", flag, folder, folder]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("output folder"),
            "{flag}"
        );
    }
}
