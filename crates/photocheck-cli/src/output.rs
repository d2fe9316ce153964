//! Report writers: JSON, JSON Lines and CSV, streamed record by record, to standard output
//! or to a file written atomically (a temporary file renamed into place when complete).

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
}

impl ReportFormat {
    /// The format a file name suggests (`.csv`, `.jsonl`), else JSON.
    pub fn from_file_name(path: &Path) -> ReportFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => ReportFormat::Csv,
            Some(e) if e.eq_ignore_ascii_case("jsonl") => ReportFormat::Jsonl,
            _ => ReportFormat::Json,
        }
    }
}

/// Where the report goes.
enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File {
        temp: BufWriter<tempfile::NamedTempFile>,
        target: PathBuf,
    },
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::File { temp, .. } => temp.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File { temp, .. } => temp.flush(),
        }
    }
}

/// Writes one report, a record at a time.
pub struct ReportWriter {
    format: ReportFormat,
    sink: Sink,
    rule_ids: Vec<&'static str>,
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
    ) -> io::Result<ReportWriter> {
        let sink = match output {
            None => Sink::Stdout(BufWriter::new(io::stdout())),
            Some(target) => {
                let dir = match target.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
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
            ReportFormat::Csv => {
                self.sink.write_all("\u{FEFF}".as_bytes())?;
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
                let row = csv_row_of(report, &self.rule_ids);
                self.csv_row(&row)?;
            }
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
        self.sink.write_all(&bytes)
    }

    /// Closes the report (with the summary, for JSON) and moves the file into place.
    pub fn finish(mut self, summary: &Summary) -> io::Result<()> {
        if self.format == ReportFormat::Json {
            write!(self.sink, "\n],\"summary\":")?;
            serde_json::to_writer(&mut self.sink, summary)?;
            self.sink.write_all(b"}\n")?;
        }
        self.sink.flush()?;
        match self.sink {
            Sink::Stdout(_) => Ok(()),
            Sink::File { temp, target } => {
                let temp = temp.into_inner().map_err(|e| e.into_error())?;
                temp.as_file().sync_all()?;
                temp.persist(&target).map_err(|e| e.error)?;
                Ok(())
            }
        }
    }
}

/// A photo's CSV row: file, verdict, failing rule ids, problems in Chinese and English,
/// error, then each rule's status.
fn csv_row_of(report: &PhotoReport, rule_ids: &[&str]) -> Vec<String> {
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
