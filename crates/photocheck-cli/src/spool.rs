//! The run's records on their way to the report: kept in a temporary file while the run
//! lasts, with the few facts batch.once needs in memory; then written out with batch.once.

use crate::output::ReportWriter;
use photocheck::batch::BatchIndex;
use photocheck::naming::student_of;
use photocheck::roster::{Roster, RosterMatcher};
use photocheck::rules::batch_once;
use photocheck::{PhotoReport, Profile, Summary, Verdict};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};

pub struct Spool {
    file: BufWriter<File>,
    /// The facts batch.once needs; `None` when the profile turns it off.
    index: Option<BatchIndex>,
}

impl Spool {
    /// An empty spool in an anonymous temporary file (gone when the process ends).
    pub fn new(profile: &Profile) -> io::Result<Spool> {
        Ok(Spool {
            file: BufWriter::new(tempfile::tempfile()?),
            index: profile.rules.batch_once.enabled.then(BatchIndex::default),
        })
    }

    /// Adds a record. A batch.once result it already has (from a resumed report) is dropped:
    /// it is judged again over this run.
    pub fn add(&mut self, report: &PhotoReport) -> io::Result<()> {
        let mut report = report.clone();
        report.checks.retain(|c| c.id != batch_once::ID);
        if let Some(index) = &mut self.index {
            index.add(&report);
        }
        serde_json::to_writer(&mut self.file, &report)?;
        self.file.write_all(b"\n")
    }

    /// Writes every record, in the order added, with its batch.once result and its place on
    /// the roster (when there is one), and closes the report. Returns the run's summary.
    pub fn replay(
        self,
        profile: &Profile,
        roster: Option<&Roster>,
        mut writer: ReportWriter,
    ) -> io::Result<Summary> {
        let mut matcher = roster.map(Roster::matcher);
        let pattern = &profile.rules.file_naming.params.regex();
        let collisions = self
            .index
            .as_ref()
            .map(|index| index.collisions(batch_once::limits(profile)));
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        let mut summary = Summary::default();
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let mut report: PhotoReport = serde_json::from_str(&line?)?;
            if let (Some(collisions), false) = (&collisions, report.verdict == Verdict::Error) {
                let none = Default::default();
                let found = collisions.get(&i).unwrap_or(&none);
                report.checks.push(batch_once::check(found, profile));
                report.verdict = photocheck::report::verdict_of(&report.checks);
            }
            if let Some(matcher) = &mut matcher {
                // Unreadable photos still name their student.
                let student = report
                    .student
                    .clone()
                    .or_else(|| student_of(&report.file, pattern));
                report.roster = Some(matcher.check(student.as_ref()));
            }
            summary.add(&report);
            writer.record(&report)?;
        }
        summary.roster = matcher.map(RosterMatcher::finish);
        writer.finish(&summary)?;
        Ok(summary)
    }
}
