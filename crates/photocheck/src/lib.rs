//! photocheck: checks graduation photos against the rules of China's national diploma
//! register (学信网 / CHSI) before they are uploaded.
//!
//! ```no_run
//! use photocheck::{Checker, Profile, Verdict};
//!
//! let checker = Checker::new(Profile::default());
//! let report = checker.check_file(std::path::Path::new("2021001张三.jpg"));
//! if report.verdict != Verdict::Pass {
//!     for check in &report.checks {
//!         println!("{} {:?}: {}", check.id, check.status, check.message.zh);
//!     }
//! }
//! ```
//!
//! Nothing here opens a network connection: photos carry national id numbers.

pub mod accessory_measures;
pub mod analysis;
pub mod annotate;
pub mod batch;
mod canonical_face;
pub mod engine;
pub mod face_measures;
pub mod fix;
pub mod intake;
pub mod lens_measures;
pub mod measure;
pub mod mtcnn;
pub mod naming;
pub mod person_measures;
mod pipeline;
pub mod profile;
pub mod references;
pub mod report;
pub mod resize;
pub mod roster;
pub mod rules;
pub mod timings;

pub use engine::{Engine, EngineError};
pub use pipeline::{measurements, Checker};
pub use profile::{Profile, ProfileError};
pub use report::{CheckResult, Message, PhotoError, PhotoReport, Status, Summary, Verdict};
