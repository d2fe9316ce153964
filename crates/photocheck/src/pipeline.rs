//! The pipeline: intake → measurements → rules → report, for one photo or many in parallel.

use crate::analysis::{self, Analysis, Needs};
use crate::annotate;
use crate::engine::Engine;
use crate::face_measures;
use crate::intake::{self, Photo};
use crate::measure;
use crate::person_measures;
use crate::profile::Profile;
use crate::references::References;
use crate::report::{FileSummary, PhotoError, PhotoReport};
use crate::rules::{self, Measurements};
use crate::timings::Timings;
use image::GrayImage;
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Checks photos against one specification profile. Shared by all worker threads.
#[derive(Debug)]
pub struct Checker {
    profile: Profile,
    engine: Option<Engine>,
    annotate_dir: Option<PathBuf>,
    thumbnails: bool,
    timings: Timings,
    references: Option<References>,
}

impl Checker {
    /// A checker without the face engine: the file and image rules run, the face and
    /// person rules are skipped.
    pub fn new(profile: Profile) -> Self {
        Checker {
            profile,
            engine: None,
            annotate_dir: None,
            thumbnails: false,
            timings: Timings::default(),
            references: None,
        }
    }

    /// A checker that also runs the face engine's models.
    pub fn with_engine(profile: Profile, engine: Engine) -> Self {
        Checker {
            engine: Some(engine),
            ..Checker::new(profile)
        }
    }

    /// Also writes an overlay of each analysed photo into `dir` (which must exist).
    pub fn annotate_into(mut self, dir: PathBuf) -> Self {
        self.annotate_dir = Some(dir);
        self
    }

    /// Also puts small previews of each photo and its overlay into its report (for HTML).
    pub fn with_thumbnails(mut self) -> Self {
        self.thumbnails = true;
        self
    }

    /// Also compares each photo with its student's reference photo (`identity.match`).
    pub fn with_references(mut self, references: References) -> Self {
        self.references = Some(references);
        self
    }

    /// Reads the reference photos of `dir` (see [`References`]) in parallel: each one's
    /// face descriptor, or why it has none. Fails when `dir` cannot be listed, without the
    /// face models, or when two photos are one student's.
    pub fn read_references(&self, dir: &Path) -> Result<References, String> {
        if self.engine.is_none() {
            return Err("未加载人脸模型 / the face models are not loaded".into());
        }
        let files = References::files(dir)
            .map_err(|e| format!("无法读取参考照片目录 / cannot list {}: {e}", dir.display()))?;
        // A reference photo that breaks the checker is that reference's "why", as in a run.
        let descriptors: Vec<Result<Vec<f32>, String>> = files
            .par_iter()
            .map(|p| {
                catch_unwind(AssertUnwindSafe(|| self.descriptor_of(p))).unwrap_or_else(|_| {
                    Err("检查此照片时程序出错 / the checker failed on this photo".into())
                })
            })
            .collect();
        let mut references = References::default();
        for (path, descriptor) in files.iter().zip(descriptors) {
            references.add(path, descriptor)?;
        }
        Ok(references)
    }

    /// The face descriptor of the main face of a photo file, or why there is none.
    pub fn descriptor_of(&self, path: &Path) -> Result<Vec<f32>, String> {
        let engine = self
            .engine
            .as_ref()
            .ok_or_else(|| "未加载人脸模型 / the face models are not loaded".to_string())?;
        let bytes =
            read_limited(path, self.profile.limits.max_file_bytes).map_err(|e| e.message)?;
        let photo = intake::load(&bytes, &self.profile).map_err(|e| e.message)?;
        let needs = Needs {
            other_faces: false,
            descriptor: true,
            parts: false,
        };
        let analysis = analysis::analyse(engine, &photo.working, &self.timings, needs)
            .map_err(|e| format!("人脸分析失败 / face analysis failed: {e}"))?;
        analysis
            .main
            .and_then(|m| m.descriptor)
            .ok_or_else(|| "未检测到人脸 / no face was found".to_string())
    }

    /// The ids of the checks each report holds, in report order: the profile's enabled
    /// rules, and identity.match when there are reference photos.
    pub fn rule_ids(&self) -> Vec<&'static str> {
        let mut ids = rules::enabled_ids(&self.profile);
        if self.references.is_some() && self.profile.rules.identity_match.enabled {
            ids.push(rules::identity_match::ID);
        }
        ids
    }

    /// The models the profile's rules need beyond those every photo gets.
    fn needs(&self) -> Needs {
        let rules = &self.profile.rules;
        Needs {
            other_faces: rules.faces_single.enabled,
            descriptor: rules.batch_once.enabled
                || (self.references.is_some() && rules.identity_match.enabled)
                || ((rules.glasses_none.enabled || rules.glasses_clear.enabled)
                    && !rules.glasses_none.params.descriptor_weights.is_empty()),
            parts: rules.glasses_none.enabled
                || rules.glasses_clear.enabled
                || rules.accessories_none.enabled
                || rules.ears_visible.enabled
                || rules.mouth_no_teeth.enabled,
        }
    }

    /// Time per stage and per model over everything checked so far.
    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// The profile in force.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Whether the optional face-parsing model runs (see [`Engine::load_with_face_parsing`]).
    pub fn face_parsing(&self) -> bool {
        self.engine.as_ref().is_some_and(Engine::has_face_parsing)
    }

    /// Checks one photo held in memory; `name` is what the report calls it.
    pub fn check_bytes(&self, name: &str, bytes: &[u8]) -> PhotoReport {
        isolate(name, || {
            match self
                .timings
                .time("decode", || intake::load(bytes, &self.profile))
            {
                Ok(photo) => self.judge(name, &photo),
                Err(error) => PhotoReport::failed(name.to_string(), error),
            }
        })
    }

    /// Checks one photo file. A file that cannot be read gets an `error` record.
    pub fn check_file(&self, path: &Path) -> PhotoReport {
        let name = path.to_string_lossy().into_owned();
        match read_limited(path, self.profile.limits.max_file_bytes) {
            Ok(bytes) => self.check_bytes(&name, &bytes),
            Err(error) => PhotoReport::failed(name, error),
        }
    }

    /// Checks many files on the current rayon pool. Reports are handed to `on_report` in
    /// input order as they are ready; at most a few photos per thread are held at once.
    pub fn check_files(&self, paths: &[PathBuf], on_report: impl FnMut(PhotoReport)) {
        self.check_files_until(paths, &AtomicBool::new(false), on_report);
    }

    /// Like [`Checker::check_files`], stopping early once `stop` is set (photos already
    /// being checked are finished and reported). Returns how many photos were reported.
    pub fn check_files_until(
        &self,
        paths: &[PathBuf],
        stop: &AtomicBool,
        mut on_report: impl FnMut(PhotoReport),
    ) -> usize {
        let window = (rayon::current_num_threads() * 4).max(1);
        let mut done = 0;
        for chunk in paths.chunks(window) {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let reports: Vec<PhotoReport> = chunk.par_iter().map(|p| self.check_file(p)).collect();
            done += reports.len();
            reports.into_iter().for_each(&mut on_report);
        }
        done
    }

    /// The models' findings on a decoded photo, or why there are none.
    pub fn analyse(&self, photo: &Photo) -> Result<Analysis, String> {
        let engine = self
            .engine
            .as_ref()
            .ok_or_else(|| "未加载人脸模型 / the face models are not loaded".to_string())?;
        self.timings
            .time("analysis", || {
                analysis::analyse(engine, &photo.working, &self.timings, self.needs())
            })
            .map_err(|e| format!("人脸分析失败 / face analysis failed: {e}"))
    }

    /// Measures a decoded photo and runs the rules.
    fn judge(&self, name: &str, photo: &Photo) -> PhotoReport {
        let analysis = self.analyse(photo);
        let m = self.timings.time("measure", || {
            measurements(name, photo, analysis, &self.profile, &self.timings)
        });
        // Drawn once, for the overlay file and the report's preview alike.
        let drawn = match &m.analysis {
            Ok(a) if self.annotate_dir.is_some() || self.thumbnails => {
                Some(self.timings.time("annotate", || {
                    annotate::overlay(&photo.working, a, m.background.as_ref(), &self.profile)
                }))
            }
            _ => None,
        };
        let overlay = match (&self.annotate_dir, &drawn) {
            (Some(dir), Some(image)) => {
                let path = annotate::overlay_path(dir, name);
                image
                    .save(&path)
                    .ok()
                    .map(|_| path.to_string_lossy().into_owned())
            }
            _ => None,
        };
        let checks = self
            .timings
            .time("rules", || rules::run_all(&m, &self.profile));
        let facts = &photo.facts;
        let summary = FileSummary {
            format: facts.format.name().to_string(),
            width: photo.width,
            height: photo.height,
            bytes: facts.bytes,
            dpi: facts.dpi.map(|d| (d.0 * 10.0).round() / 10.0),
            jpeg_quality: facts.jpeg_quality,
        };
        let mut report = PhotoReport::checked(name.to_string(), checks, summary);
        report.overlay = overlay;
        report.student =
            crate::naming::student_of(name, &self.profile.rules.file_naming.params.regex());
        report.fingerprint = Some(m.fingerprint.iter().map(|w| format!("{w:016x}")).collect());
        report.descriptor = m.descriptor().map(<[f32]>::to_vec);
        if let (Some(references), true) =
            (&self.references, self.profile.rules.identity_match.enabled)
        {
            let reference = references.lookup(report.student.as_ref());
            let check = rules::identity_match::check(
                report.descriptor.as_deref(),
                reference,
                &self.profile,
            );
            report.checks.push(check);
            report.verdict = crate::report::verdict_of(&report.checks);
        }
        if self.thumbnails {
            self.timings.time("thumbnails", || {
                report.thumbnail = Some(annotate::thumbnail(&photo.working));
                report.overlay_thumbnail = drawn.as_ref().map(annotate::thumbnail);
            });
        }
        report
    }
}

/// Person-mask values (0–255) below this are background for sure: hair fringes and soft
/// edges stay out of the background statistics.
const BACKGROUND_MASK_MAX: u8 = 26;

/// Whether pixel (x, y) is sure background by the person mask.
pub(crate) fn is_background(analysis: &Analysis, x: u32, y: u32) -> bool {
    analysis.person_mask.get_pixel(x, y)[0] < BACKGROUND_MASK_MAX
}

/// The background is sampled every this many pixels across and down: 4 gives ~10,000
/// samples of a 480×640 portrait, plenty for a median and a 90th percentile, at a sixteenth
/// of the colour conversions of every pixel.
pub(crate) const BACKGROUND_STEP: u32 = 4;

/// `crop` of the working copy at the pixel density of the photo itself: a photo smaller than
/// the working copy was enlarged into it, and that enlargement's softness is the photo's low
/// resolution (format.size), not blur; shrinking the crop back by `scale` (working-copy pixels
/// per photo pixel) leaves the photo's own sharpness to measure.
fn at_source_density(crop: &GrayImage, scale: f64) -> Cow<'_, GrayImage> {
    if scale <= 1.0 {
        return Cow::Borrowed(crop);
    }
    let shrink = |side: u32| ((side as f64 / scale).round() as u32).max(1);
    let (w, h) = (shrink(crop.width()), shrink(crop.height()));
    Cow::Owned(crate::resize::resize(
        crop,
        w,
        h,
        crate::resize::Filter::Lanczos3,
    ))
}

/// The measurements the rules judge a photo by. Sharpness and exposure are taken on the
/// main face's box (none without a face). Without the models' analysis the background is
/// taken from the border of the frame.
pub fn measurements(
    name: &str,
    photo: &Photo,
    analysis: Result<Analysis, String>,
    profile: &Profile,
    timings: &Timings,
) -> Measurements {
    let working = &photo.working;
    let (w, h) = working.dimensions();
    // One grey copy per photo: the face's box, the face measures and the fingerprint use it.
    let (grey, fingerprint, sharpness, exposure, colour_clipped) =
        timings.time("measure: grey, hash, exposure", || {
            let grey = measure::grey_of(working);
            let face = analysis
                .as_ref()
                .ok()
                .and_then(|a| a.faces.first())
                .and_then(|f| measure::clip_box(f.bbox, w, h))
                .map(|(x, y, bw, bh)| image::imageops::crop_imm(&grey, x, y, bw, bh).to_image());
            let fingerprint = measure::difference_hash(face.as_ref().unwrap_or(&grey));
            let sharpness = face
                .as_ref()
                .and_then(|f| measure::sharpness(&at_source_density(f, photo.scale())));
            let exposure = face.as_ref().map(|f| measure::exposure(f, |_, _| true));
            let clipped = measure::colour_clipped(working);
            (grey, fingerprint, sharpness, exposure, clipped)
        });
    let background = timings.time("measure: background", || match &analysis {
        Ok(a) => measure::background(working, |x, y| is_background(a, x, y), BACKGROUND_STEP),
        Err(_) => measure::background(working, measure::border_region(w, h), BACKGROUND_STEP),
    });
    let face_measures = timings.time("measure: face", || {
        analysis
            .as_ref()
            .ok()
            .and_then(|a| face_measures::measure(working, &grey, a))
    });
    let person = timings.time("measure: person", || {
        analysis.as_ref().ok().and_then(|a| {
            let blue = &profile.rules.clothing_not_blue.params;
            let hair_near = profile.rules.ears_visible.params.hair_delta_e;
            person_measures::measure(working, a, background.as_ref(), blue, hair_near)
        })
    });
    let parts = analysis
        .as_ref()
        .ok()
        .and_then(|a| a.parts.as_ref())
        .map(|p| p.shares());
    Measurements {
        file_name: name.to_string(),
        facts: photo.facts.clone(),
        width: photo.width,
        height: photo.height,
        sharpness,
        exposure,
        colour_clipped,
        background,
        analysis,
        parts,
        face: face_measures,
        person,
        fingerprint,
    }
}

/// Runs `check`, turning a panic into that photo's `error` record.
fn isolate(name: &str, check: impl FnOnce() -> PhotoReport) -> PhotoReport {
    catch_unwind(AssertUnwindSafe(check)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".to_string());
        PhotoReport::failed(
            name.to_string(),
            PhotoError {
                kind: "panic".to_string(),
                message: format!("检查此照片时程序出错 / the checker failed on this photo: {what}"),
            },
        )
    })
}

/// Reads a file, refusing one larger than `limit` bytes without reading it.
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, PhotoError> {
    let io_error = |e: std::io::Error| PhotoError {
        kind: "io".to_string(),
        message: format!("无法读取文件 / cannot read the file: {e}"),
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let len = file.metadata().map_err(io_error)?.len();
    if len > limit {
        return Err(PhotoError {
            kind: "too_large".to_string(),
            message: format!(
                "文件 {len} 字节，超过上限 {limit} 字节 / the file is {len} bytes, over the limit of {limit}"
            ),
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_that_photos_error_record() {
        let report = isolate("odd.jpg", || panic!("unexpected marker"));
        assert_eq!(report.verdict, crate::Verdict::Error);
        let error = report.error.unwrap();
        assert_eq!(error.kind, "panic");
        assert!(
            error.message.contains("unexpected marker"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_enlarged_sharp_photo_is_measured_at_its_own_pixel_density() {
        // A 96×128 photo of fine waves enlarged 5× into the working copy: measured there it
        // reads as a blurred photo does; shrunk back, close to the photo itself.
        let small = GrayImage::from_fn(96, 128, |x, y| {
            let (x, y) = (x as f64, y as f64);
            image::Luma([(128.0 + 60.0 * (0.5 * x).sin() * (0.4 * y).cos()) as u8])
        });
        let limit = Profile::default().rules.quality_sharp.params.min_sharpness;
        let own = measure::sharpness(&small).unwrap();
        let enlarged = crate::resize::resize(&small, 480, 640, crate::resize::Filter::Bilinear);
        assert!(measure::sharpness(&enlarged).unwrap() < limit);
        let measured = measure::sharpness(&at_source_density(&enlarged, 5.0)).unwrap();
        assert!(
            measured > limit && measured > 0.5 * own,
            "{measured} vs {own}"
        );
        // Not enlarged: measured as it is.
        assert!(matches!(at_source_density(&small, 1.0), Cow::Borrowed(_)));
    }

    #[test]
    fn the_face_parts_are_asked_for_by_every_rule_that_reads_them() {
        // The 2017 standard turns glasses.none off and judges glasses with glasses.clear,
        // which asks glasses.none's `worn` and so reads the parts too, even where the
        // school turns accessories.none off; ears.visible reads the ears, mouth.no_teeth
        // the open mouth.
        let mut profile = Profile::preset("standard-2017").unwrap();
        profile.rules.accessories_none.enabled = false;
        assert!(!profile.rules.glasses_none.enabled && profile.rules.glasses_clear.enabled);
        assert!(Checker::new(profile).needs().parts);
        let mut none = Profile::default();
        none.rules.glasses_none.enabled = false;
        none.rules.glasses_clear.enabled = false;
        none.rules.accessories_none.enabled = false;
        none.rules.ears_visible.enabled = false;
        none.rules.mouth_no_teeth.enabled = false;
        assert!(!Checker::new(none.clone()).needs().parts);
        let alone = |turn_on: fn(&mut Profile)| {
            let mut profile = none.clone();
            turn_on(&mut profile);
            Checker::new(profile).needs().parts
        };
        assert!(
            alone(|p| p.rules.ears_visible.enabled = true),
            "ears.visible"
        );
        assert!(
            alone(|p| p.rules.mouth_no_teeth.enabled = true),
            "mouth.no_teeth"
        );
    }

    #[test]
    fn a_set_stop_flag_checks_nothing_more() {
        let checker = Checker::new(Profile::default());
        let paths = vec![PathBuf::from("/no/such.jpg"); 50];
        let mut seen = 0;
        let done = checker.check_files_until(&paths, &AtomicBool::new(true), |_| seen += 1);
        assert_eq!((done, seen), (0, 0));
        let done = checker.check_files_until(&paths, &AtomicBool::new(false), |_| seen += 1);
        assert_eq!((done, seen), (50, 50));
    }
}
