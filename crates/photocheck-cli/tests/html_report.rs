//! The HTML report in a real browser: it opens, and the counts it shows match the JSON.

mod common;

use common::{photocheck, photos};
use std::process::Command;

/// The number the page shows in the element with this id.
fn shown(dom: &str, id: &str) -> usize {
    let start = dom
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id}"))
        + id.len()
        + 6;
    let end = start + dom[start..].find('<').unwrap();
    dom[start..end]
        .parse()
        .unwrap_or_else(|_| panic!("#{id} shows {:?}", &dom[start..end]))
}

#[test]
#[ignore = "needs Chromium (Debian package chromium): run with `cargo test -- --ignored`"]
fn counts_shown_in_headless_chromium_match_the_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    // Two students with a photo, two without.
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "学号,姓名,身份证号\n2021001234,张三,11010519491231002X\n2021001235,李四,110105194912310021\n\
         2021001236,王五,110105200001010011\n2021001237,赵六,110105199001010010\n",
    )
    .unwrap();
    let roster = roster.to_str().unwrap();
    let out = photocheck(&[
        "check",
        "-q",
        "--roster",
        roster,
        "-o",
        html.to_str().unwrap(),
        photos().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = photocheck(&[
        "check",
        "-q",
        "--roster",
        roster,
        "-f",
        "json",
        photos().to_str().unwrap(),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let browser = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium (apt-get install chromium)");
    let dom = String::from_utf8_lossy(&browser.stdout);
    let photos = json["photos"].as_array().unwrap().len();
    assert_eq!(shown(&dom, "count-all"), photos);
    assert_eq!(
        shown(&dom, "count-shown"),
        photos,
        "no filter is on at first"
    );
    for verdict in ["pass", "fail", "review", "error"] {
        let want = json["summary"]["verdicts"][verdict].as_u64().unwrap_or(0) as usize;
        assert_eq!(shown(&dom, &format!("count-{verdict}")), want, "{verdict}");
    }
    assert_eq!(
        dom.matches("<tr data-verdict=").count(),
        photos,
        "one row per photo"
    );
    let missing = json["summary"]["roster"]["missing"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(missing, 2, "王五 and 赵六 have no photo");
    assert_eq!(shown(&dom, "count-missing"), missing);
}
