//! Report writers: JSON, JSON Lines and CSV, streamed record by record, to standard output
//! or to a file written atomically (a temporary file renamed into place when complete), or
//! straight into a device or pipe named as the file (`/dev/null`, a FIFO), which a rename
//! would replace.

use photocheck::roster::RosterStatus;
use photocheck::rules::title;
use photocheck::{PhotoReport, Status, Summary};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One JSON document: run facts, the per-photo array and the summary.
    Json,
    /// One JSON object per photo per line.
    Jsonl,
    /// One row per photo, UTF-8 with BOM so that Excel shows Chinese correctly.
    Csv,
    /// One self-contained page: previews, problems in Chinese (English switchable), filters.
    Html,
}

impl ReportFormat {
    /// The format a file name suggests (`.csv`, `.jsonl`), else JSON.
    pub fn from_file_name(path: &Path) -> ReportFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => ReportFormat::Csv,
            Some(e) if e.eq_ignore_ascii_case("jsonl") => ReportFormat::Jsonl,
            Some(e) if e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm") => {
                ReportFormat::Html
            }
            _ => ReportFormat::Json,
        }
    }
}

/// How a CSV report is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark: current Excel shows Chinese correctly.
    Utf8,
    /// GBK, for old versions of Excel (characters GBK lacks become numeric references).
    Gbk,
}

/// Where the report goes.
enum Sink {
    /// Standard output, or a device or pipe: written in place.
    Direct(BufWriter<Box<dyn Write + Send>>),
    File {
        temp: BufWriter<tempfile::NamedTempFile>,
        target: PathBuf,
    },
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Direct(w) => w.write(buf),
            Sink::File { temp, .. } => temp.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Direct(w) => w.flush(),
            Sink::File { temp, .. } => temp.flush(),
        }
    }
}

/// Writes one report, a record at a time.
pub struct ReportWriter {
    format: ReportFormat,
    sink: Sink,
    rule_ids: Vec<&'static str>,
    csv_encoding: CsvEncoding,
    /// Whether the run is reconciled with a roster (CSV: class and roster columns, and
    /// rows for students with no photo).
    roster: bool,
    records: usize,
}

impl ReportWriter {
    /// Starts a report in `format`, to `output` (atomically) or standard output.
    /// `rule_ids` are the CSV's per-rule columns; `header` goes at the top of a JSON report.
    pub fn create(
        format: ReportFormat,
        output: Option<&Path>,
        rule_ids: Vec<&'static str>,
        header: &serde_json::Value,
        csv_encoding: CsvEncoding,
        roster: bool,
    ) -> io::Result<ReportWriter> {
        let sink = match output {
            None => Sink::Direct(BufWriter::new(Box::new(io::stdout()))),
            Some(target) if is_special(target) => Sink::Direct(BufWriter::new(Box::new(
                std::fs::OpenOptions::new().write(true).open(target)?,
            ))),
            Some(target) => {
                let dir = match target.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                // A report into a folder not made yet: make it, as for the overlays.
                std::fs::create_dir_all(dir)?;
                Sink::File {
                    temp: BufWriter::new(tempfile::NamedTempFile::new_in(dir)?),
                    target: target.to_path_buf(),
                }
            }
        };
        let mut writer = ReportWriter {
            format,
            sink,
            rule_ids,
            csv_encoding,
            roster,
            records: 0,
        };
        writer.start(header)?;
        Ok(writer)
    }

    fn start(&mut self, header: &serde_json::Value) -> io::Result<()> {
        match self.format {
            ReportFormat::Json => {
                let mut head = serde_json::to_string(header)?;
                head.pop(); // reopen the object to append the photo array
                write!(self.sink, "{head},\"photos\":[")
            }
            ReportFormat::Jsonl => Ok(()),
            ReportFormat::Html => {
                let (head, _) = html_parts();
                let profile = header["profile"].as_str().unwrap_or("");
                let parsing = if header["face_parsing"] == true {
                    " · <span class=\"zh\">人脸解析模型</span><span class=\"en\">face parsing</span>"
                } else {
                    ""
                };
                let head = head.replace(
                    "<span id=\"profile\"></span>",
                    &format!("<span id=\"profile\">{}</span>{parsing}", escape(profile)),
                );
                self.sink.write_all(head.as_bytes())
            }
            ReportFormat::Csv => {
                if self.csv_encoding == CsvEncoding::Utf8 {
                    self.sink.write_all("\u{FEFF}".as_bytes())?;
                }
                let mut row: Vec<String> = [
                    "文件 file",
                    "结论 verdict",
                    "不合格项 failed rules",
                    "问题说明",
                    "problems",
                    "错误 error",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect();
                if self.roster {
                    row.extend(["班级 class".to_string(), "名单核对 roster".to_string()]);
                }
                row.extend(
                    self.rule_ids
                        .iter()
                        .map(|id| format!("{} {id}", title(id).zh)),
                );
                self.csv_row(&row)
            }
        }
    }

    /// Appends one photo's record.
    pub fn record(&mut self, report: &PhotoReport) -> io::Result<()> {
        match self.format {
            ReportFormat::Json => {
                if self.records > 0 {
                    self.sink.write_all(b",")?;
                }
                self.sink.write_all(b"\n")?;
                serde_json::to_writer(&mut self.sink, report)?;
            }
            ReportFormat::Jsonl => {
                serde_json::to_writer(&mut self.sink, report)?;
                self.sink.write_all(b"\n")?;
            }
            ReportFormat::Csv => {
                let row = csv_row_of(report, &self.rule_ids, self.roster);
                self.csv_row(&row)?;
            }
            ReportFormat::Html => self.sink.write_all(html_row(report).as_bytes())?,
        }
        self.records += 1;
        Ok(())
    }

    fn csv_row(&mut self, fields: &[String]) -> io::Result<()> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(fields).map_err(io::Error::other)?;
        let bytes = w
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))?;
        match self.csv_encoding {
            CsvEncoding::Utf8 => self.sink.write_all(&bytes),
            CsvEncoding::Gbk => {
                let text = String::from_utf8_lossy(&bytes);
                self.sink.write_all(&encoding_rs::GBK.encode(&text).0)
            }
        }
    }

    /// Closes the report (with the summary, for JSON) and moves the file into place.
    pub fn finish(mut self, summary: &Summary) -> io::Result<()> {
        match self.format {
            ReportFormat::Json => {
                write!(self.sink, "\n],\"summary\":")?;
                serde_json::to_writer(&mut self.sink, summary)?;
                self.sink.write_all(b"}\n")?;
            }
            ReportFormat::Html => {
                let (_, (middle, tail)) = html_parts();
                self.sink.write_all(middle.as_bytes())?;
                if let Some(roster) = &summary.roster {
                    self.sink.write_all(html_missing(roster).as_bytes())?;
                }
                self.sink.write_all(tail.as_bytes())?;
            }
            ReportFormat::Csv => {
                // Students with no photo get a row each, after the photos, so that the
                // spreadsheet lists everyone who still owes a photo.
                let missing = summary.roster.iter().flat_map(|r| &r.missing);
                for e in missing {
                    // The columns of a photo's row (csv_row_of), no rule statuses.
                    let mut row = vec![
                        String::new(),
                        "missing".to_string(),
                        String::new(),
                        format!("缺照片：{} {} {}", e.number, e.name, e.id),
                        format!("no photo: {} {} {}", e.number, e.name, e.id),
                        String::new(),
                        e.class.clone().unwrap_or_default(),
                        "名单中有此学生，但没有照片 / on the roster, no photo".to_string(),
                    ];
                    row.resize(row.len() + self.rule_ids.len(), String::new());
                    self.csv_row(&row)?;
                }
            }
            ReportFormat::Jsonl => {}
        }
        self.sink.flush()?;
        match self.sink {
            Sink::Direct(_) => Ok(()),
            Sink::File { temp, target } => {
                let temp = temp.into_inner().map_err(|e| e.into_error())?;
                temp.as_file().sync_all()?;
                temp.persist(&target).map_err(|e| e.error)?;
                Ok(())
            }
        }
    }
}

/// Whether `path` names something other than a regular file or a folder (a device such as
/// `/dev/null`, a named pipe): a report is written into it, never renamed over it.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// A photo's CSV row: file, verdict, failing rule ids, problems in Chinese and English,
/// error, with a roster the class and the roster's finding, then each rule's status.
fn csv_row_of(report: &PhotoReport, rule_ids: &[&str], roster: bool) -> Vec<String> {
    let problems: Vec<_> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
        .collect();
    let failed: Vec<&str> = report
        .with_status(Status::Fail)
        .map(|c| c.id.as_str())
        .collect();
    let mut row = vec![
        report.file.clone(),
        report.verdict.as_str().to_string(),
        failed.join(" "),
        problems
            .iter()
            .map(|c| c.message.zh.as_str())
            .collect::<Vec<_>>()
            .join("；"),
        problems
            .iter()
            .map(|c| c.message.en.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        report
            .error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_default(),
    ];
    if roster {
        let found = report.roster.as_ref();
        row.push(found.and_then(|r| r.class.clone()).unwrap_or_default());
        row.push(found.map(|r| r.message.zh.clone()).unwrap_or_default());
    }
    for id in rule_ids {
        let status = report.checks.iter().find(|c| c.id == *id).map(|c| c.status);
        row.push(
            match status {
                Some(Status::Pass) => "pass",
                Some(Status::Fail) => "fail",
                Some(Status::Warn) => "warn",
                Some(Status::Skip) => "skip",
                None => "",
            }
            .to_string(),
        );
    }
    row
}

/// The HTML report's page; rows go where the marker is.
const HTML: &str = include_str!("report.html");

/// The page around its two marked places: head, then (between rows and missing students)
/// middle, then tail.
fn html_parts() -> (&'static str, (&'static str, &'static str)) {
    let (head, rest) = HTML
        .split_once("<!--ROWS-->")
        .expect("the template has a rows marker");
    let parts = rest
        .split_once("<!--MISSING-->")
        .expect("the template has a missing-students marker");
    (head, parts)
}

/// The list of roster students with no photo.
fn html_missing(roster: &photocheck::roster::RosterSummary) -> String {
    let mut out = format!(
        "<section id=\"missing\"><h2><span class=\"zh\">缺照片的学生</span><span class=\"en\">students with no photo</span> <b id=\"count-missing\">{}</b> / {}</h2><ul>",
        roster.missing.len(),
        roster.students
    );
    for e in &roster.missing {
        out += &format!(
            "<li>{} {} <span class=\"rule\">{}</span></li>",
            escape(&e.number),
            escape(&e.name),
            escape(e.class.as_deref().unwrap_or(""))
        );
    }
    out + "</ul></section>\n"
}

/// Text made safe inside HTML elements and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One photo's table row: previews, file and student, verdict, problems in both languages.
fn html_row(report: &PhotoReport) -> String {
    let path = std::path::Path::new(&report.file);
    // The roster's class, else the photo's sub-folder.
    let class = report
        .roster
        .as_ref()
        .and_then(|r| r.class.clone())
        .or_else(|| {
            path.parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    let failing: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
        .map(|c| c.id.as_str())
        .collect();
    let image = |uri: &Option<String>| match uri {
        Some(uri) => format!("<img loading=\"lazy\" src=\"{uri}\" alt=\"\">"),
        None => String::new(),
    };
    let student = report.student.as_ref().map_or(String::new(), |s| {
        format!(
            "<div class=\"student\">{} {}</div>",
            escape(s.number.as_deref().unwrap_or("")),
            escape(s.name.as_deref().unwrap_or(""))
        )
    });
    let mut problems = String::new();
    for c in report.checks.iter().filter(|c| c.status != Status::Pass) {
        let class = match c.status {
            Status::Warn => "warn",
            Status::Skip => "skip",
            _ => "fail",
        };
        problems += &format!(
            "<li class=\"{class}\"><span class=\"zh\">{}</span><span class=\"en\">{}</span> <span class=\"rule\">{}</span></li>",
            escape(&c.message.zh),
            escape(&c.message.en),
            escape(&c.id)
        );
    }
    if let Some(e) = &report.error {
        problems += &format!("<li class=\"fail\">{}</li>", escape(&e.message));
    }
    if let Some(r) = report
        .roster
        .as_ref()
        .filter(|r| r.status != RosterStatus::Matched)
    {
        problems += &format!(
            "<li class=\"roster\"><span class=\"zh\">名单：{}</span><span class=\"en\">roster: {}</span></li>",
            escape(&r.message.zh),
            escape(&r.message.en)
        );
    }
    let verdict = report.verdict.as_str();
    let (zh, en) = match report.verdict {
        photocheck::Verdict::Pass => ("合格", "pass"),
        photocheck::Verdict::Fail => ("不合格", "fail"),
        photocheck::Verdict::Review => ("待复核", "review"),
        photocheck::Verdict::Error => ("无法读取", "error"),
    };
    format!(
        "<tr data-verdict=\"{verdict}\" data-rules=\"{}\" data-class=\"{}\" data-student=\"{}\" data-file=\"{}\"><td class=\"img\">{}</td><td class=\"img\">{}</td><td class=\"file\" title=\"{}\">{student}<div>{}</div></td><td><span class=\"verdict v-{verdict}\"><span class=\"zh\">{zh}</span><span class=\"en\">{en}</span></span></td><td><ul class=\"problems\">{problems}</ul></td></tr>\n",
        failing.join(" "),
        escape(&class),
        escape(
            report
                .student
                .as_ref()
                .and_then(|s| s.number.as_deref())
                .unwrap_or(""),
        ),
        escape(&report.file),
        image(&report.thumbnail),
        image(&report.overlay_thumbnail),
        escape(&report.file),
        escape(&path.file_name().map_or(report.file.clone(), |n| n.to_string_lossy().into_owned())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The HTML report of no photos under `header`.
    fn html_with(header: serde_json::Value) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        let writer = ReportWriter::create(
            ReportFormat::Html,
            Some(&path),
            Vec::new(),
            &header,
            CsvEncoding::Utf8,
            false,
        )
        .unwrap();
        writer.finish(&Summary::default()).unwrap();
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn the_html_title_says_when_face_parsing_ran() {
        let on = html_with(serde_json::json!({"profile": "notice", "face_parsing": true}));
        let off = html_with(serde_json::json!({"profile": "notice", "face_parsing": false}));
        assert!(on.contains("人脸解析模型"), "{on}");
        assert!(!off.contains("人脸解析模型"));
        assert!(off.contains("<span id=\"profile\">notice</span>"));
    }
}
