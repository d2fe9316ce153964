//! The rules: one module per rule id, each a function from measurements and the profile
//! to a [`CheckResult`].

use crate::analysis::{Analysis, PartShares};
use crate::face_measures::FaceMeasures;
use crate::intake::FileFacts;
use crate::measure::{Background, Exposure};
use crate::person_measures::PersonMeasures;
use crate::profile::{Profile, Rule, Severity};
use crate::report::{CheckResult, Message, Status};

mod accessories_none;
mod background_blue;
mod background_uniform;
pub mod batch_once;
mod clothing_covered;
mod clothing_not_blue;
mod ears_visible;
mod exposure_ok;
mod eyebrows_visible;
mod eyes_open;
mod faces_single;
pub mod file_naming;
mod format_bytes;
mod format_color;
mod format_dpi;
mod format_jpeg;
mod format_quality;
mod format_size;
mod frame_centered;
mod frame_crown;
mod frame_eyes;
mod frame_face_width;
mod glasses_clear;
mod glasses_none;
mod hair_dyed;
mod hair_neat;
pub mod identity_match;
mod lighting_even;
mod makeup_light;
mod mouth_no_teeth;
mod pose_frontal;
mod pose_roll;
mod quality_sharp;
mod shoulders_level;

/// Everything the rules judge a photo by.
#[derive(Debug, Clone)]
pub struct Measurements {
    /// The file's name as given (a path), for the naming rule.
    pub file_name: String,
    pub facts: FileFacts,
    /// Pixel size after EXIF orientation.
    pub width: u32,
    pub height: u32,
    /// Contrast-independent sharpness of the main face; `None` without a face or contrast.
    pub sharpness: Option<f64>,
    /// Brightness of the main face; `None` without a face.
    pub exposure: Option<Exposure>,
    /// Share of the photo's pixels with a coloured clip (see [`crate::measure::colour_clipped`]).
    pub colour_clipped: f64,
    /// The background pixels' colour; `None` when no background could be found.
    pub background: Option<Background>,
    /// What the models found, or why they did not run.
    pub analysis: Result<Analysis, String>,
    /// Measurements of the main face; `None` without one.
    pub face: Option<FaceMeasures>,
    /// Measurements of the person around the main face; `None` without one.
    pub person: Option<PersonMeasures>,
    /// The parts the optional face-parsing model found around the main face; `None` when
    /// it was not loaded or found no face.
    pub parts: Option<PartShares>,
    /// Difference hash of the main face's box (of the frame without a face), for batch.once.
    pub fingerprint: [u64; 4],
}

impl Measurements {
    /// The main face's descriptor, when the models computed one.
    pub fn descriptor(&self) -> Option<&[f32]> {
        let main = self.analysis.as_ref().ok()?.main.as_ref()?;
        main.descriptor.as_deref()
    }
}

type Check = fn(&Measurements, &Profile) -> CheckResult;

/// Every rule: its id, whether the profile enables it, and its check, in report order.
fn table(profile: &Profile) -> [(&'static str, bool, Check); 32] {
    let r = &profile.rules;
    [
        (file_naming::ID, r.file_naming.enabled, file_naming::check),
        (format_jpeg::ID, r.format_jpeg.enabled, format_jpeg::check),
        (format_size::ID, r.format_size.enabled, format_size::check),
        (
            format_color::ID,
            r.format_color.enabled,
            format_color::check,
        ),
        (format_dpi::ID, r.format_dpi.enabled, format_dpi::check),
        (
            format_quality::ID,
            r.format_quality.enabled,
            format_quality::check,
        ),
        (
            format_bytes::ID,
            r.format_bytes.enabled,
            format_bytes::check,
        ),
        (
            quality_sharp::ID,
            r.quality_sharp.enabled,
            quality_sharp::check,
        ),
        (exposure_ok::ID, r.exposure_ok.enabled, exposure_ok::check),
        (
            background_blue::ID,
            r.background_blue.enabled,
            background_blue::check,
        ),
        (
            background_uniform::ID,
            r.background_uniform.enabled,
            background_uniform::check,
        ),
        (
            faces_single::ID,
            r.faces_single.enabled,
            faces_single::check,
        ),
        (
            pose_frontal::ID,
            r.pose_frontal.enabled,
            pose_frontal::check,
        ),
        (pose_roll::ID, r.pose_roll.enabled, pose_roll::check),
        (frame_crown::ID, r.frame_crown.enabled, frame_crown::check),
        (frame_eyes::ID, r.frame_eyes.enabled, frame_eyes::check),
        (
            frame_face_width::ID,
            r.frame_face_width.enabled,
            frame_face_width::check,
        ),
        (
            frame_centered::ID,
            r.frame_centered.enabled,
            frame_centered::check,
        ),
        (eyes_open::ID, r.eyes_open.enabled, eyes_open::check),
        (
            eyebrows_visible::ID,
            r.eyebrows_visible.enabled,
            eyebrows_visible::check,
        ),
        (
            mouth_no_teeth::ID,
            r.mouth_no_teeth.enabled,
            mouth_no_teeth::check,
        ),
        (
            glasses_none::ID,
            r.glasses_none.enabled,
            glasses_none::check,
        ),
        (
            glasses_clear::ID,
            r.glasses_clear.enabled,
            glasses_clear::check,
        ),
        (
            lighting_even::ID,
            r.lighting_even.enabled,
            lighting_even::check,
        ),
        (
            makeup_light::ID,
            r.makeup_light.enabled,
            makeup_light::check,
        ),
        (
            clothing_not_blue::ID,
            r.clothing_not_blue.enabled,
            clothing_not_blue::check,
        ),
        (
            clothing_covered::ID,
            r.clothing_covered.enabled,
            clothing_covered::check,
        ),
        (hair_dyed::ID, r.hair_dyed.enabled, hair_dyed::check),
        (hair_neat::ID, r.hair_neat.enabled, hair_neat::check),
        (
            accessories_none::ID,
            r.accessories_none.enabled,
            accessories_none::check,
        ),
        (
            ears_visible::ID,
            r.ears_visible.enabled,
            ears_visible::check,
        ),
        (
            shoulders_level::ID,
            r.shoulders_level.enabled,
            shoulders_level::check,
        ),
    ]
}

/// Runs every rule the profile enables, in report order.
pub fn run_all(m: &Measurements, profile: &Profile) -> Vec<CheckResult> {
    table(profile)
        .into_iter()
        .filter(|(_, enabled, _)| *enabled)
        .map(|(_, _, check)| check(m, profile))
        .collect()
}

/// The ids of the rules the profile enables, in report order (batch.once, judged over a
/// whole run, last).
pub fn enabled_ids(profile: &Profile) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = table(profile)
        .into_iter()
        .filter(|(_, enabled, _)| *enabled)
        .map(|(id, _, _)| id)
        .collect();
    if profile.rules.batch_once.enabled {
        ids.push(batch_once::ID);
    }
    ids
}

/// A short title of a rule, for summaries and report headings.
pub fn title(id: &str) -> Message {
    let (zh, en) = match id {
        "file.naming" => (
            "文件名须为 学号+姓名+身份证号",
            "file name: student number + name + id",
        ),
        "batch.once" => ("每人只能采集一次", "one photo per student"),
        "identity.match" => ("须为本人照片", "the student's own photo"),
        "format.jpeg" => ("文件格式须为 JPEG", "file must be a JPEG"),
        "format.size" => ("尺寸须为 480×640", "pixel size"),
        "format.color" => ("须为 24 位彩色", "24-bit colour"),
        "format.dpi" => ("分辨率 (DPI)", "resolution (DPI)"),
        "format.quality" => ("JPEG 压缩质量", "JPEG quality"),
        "format.bytes" => ("文件大小", "file size"),
        "quality.sharp" => ("照片模糊", "sharpness"),
        "exposure.ok" => ("曝光", "exposure"),
        "background.blue" => (
            "背景颜色须符合规定 (默认蓝色)",
            "background colour (blue by default)",
        ),
        "background.uniform" => ("背景须均匀", "even background"),
        "faces.single" => ("须有且只有一张人脸", "exactly one face"),
        "pose.frontal" => ("须正面、正视镜头", "face frontal, eyes on the camera"),
        "pose.roll" => ("头部歪斜", "head tilt"),
        "frame.crown" => ("头顶位置", "crown position"),
        "frame.eyes" => ("眼睛高度", "eye height"),
        "frame.face_width" => ("脸部宽度", "face width"),
        "frame.centered" => ("人像居中", "centred"),
        "eyes.open" => ("须睁眼", "eyes open"),
        "eyebrows.visible" => ("须露出眉毛", "eyebrows visible"),
        "mouth.no_teeth" => ("不能露出牙齿", "no teeth showing"),
        "glasses.none" => ("不能戴眼镜", "no glasses"),
        "glasses.clear" => (
            "眼镜须为透明镜片、无反光",
            "glasses: clear lenses, no glare",
        ),
        "lighting.even" => ("面部光线均匀", "even lighting"),
        "makeup.light" => ("不宜浓妆", "light makeup"),
        "clothing.not_blue" => ("避免蓝色服装", "no blue clothing"),
        "clothing.covered" => ("不能穿吊带、背心", "no bare shoulders"),
        "hair.dyed" => ("不得染发", "no dyed hair"),
        "hair.neat" => ("长发须放在肩膀后面", "long hair behind the shoulders"),
        "accessories.none" => (
            "不戴耳饰、发饰、围巾等饰物",
            "no earrings, hair ornaments, scarves or other accessories",
        ),
        "ears.visible" => ("须露出双耳", "both ears visible"),
        "shoulders.level" => ("两肩须一样高", "shoulders level"),
        other => (other, other),
    };
    Message::new(zh, en)
}

/// A judged result: `pass` when `ok`, otherwise the rule's severity.
fn judged<P>(
    id: &str,
    rule: &Rule<P>,
    ok: bool,
    value: impl Into<serde_json::Value>,
    limit: String,
    message: Message,
) -> CheckResult {
    let status = match (ok, rule.severity) {
        (true, _) => Status::Pass,
        (false, Severity::Fail) => Status::Fail,
        (false, Severity::Warn) => Status::Warn,
    };
    CheckResult {
        id: id.to_string(),
        status,
        value: value.into(),
        limit,
        message,
    }
}

/// A rule that could not judge the photo, with the reason.
fn skipped(id: &str, limit: String, message: Message) -> CheckResult {
    CheckResult {
        id: id.to_string(),
        status: Status::Skip,
        value: serde_json::Value::Null,
        limit,
        message,
    }
}

/// Why a rule about the face could not judge it: the models did not run, or found no face.
fn no_face_reason(m: &Measurements) -> Message {
    match &m.analysis {
        Err(why) => Message::new(why.clone(), why.clone()),
        Ok(_) => Message::new(
            "未检测到人脸，无法判断",
            "no face was found, so this cannot be judged",
        ),
    }
}

/// The main face's measurements, or the skipped result saying why there are none.
fn face_or_skip<'a>(
    m: &'a Measurements,
    id: &str,
    limit: &str,
) -> Result<&'a FaceMeasures, Box<CheckResult>> {
    m.face
        .as_ref()
        .ok_or_else(|| Box::new(skipped(id, limit.to_string(), no_face_reason(m))))
}

/// The person measurements, or the skipped result saying why there are none.
fn person_or_skip<'a>(
    m: &'a Measurements,
    id: &str,
    limit: &str,
) -> Result<&'a PersonMeasures, Box<CheckResult>> {
    m.person
        .as_ref()
        .ok_or_else(|| Box::new(skipped(id, limit.to_string(), no_face_reason(m))))
}

/// The skip of a rule that reads the hair by its colour, when it cannot: no hair shows, or
/// hair and skin look alike (a bald head, a photo too dark) within ears.visible's
/// `min_hair_skin_delta_e`. `None` when the hair can be read.
fn hair_skip(person: &PersonMeasures, p: &Profile, id: &str, limit: &str) -> Option<CheckResult> {
    let cannot = |zh: &str, en: &str| Some(skipped(id, limit.to_string(), Message::new(zh, en)));
    match &person.hair {
        None => cannot(
            "看不到头发，无法判断",
            "no hair shows, so this cannot be judged",
        ),
        Some(hair) if hair.from_skin < p.rules.ears_visible.params.min_hair_skin_delta_e => cannot(
            "头发与皮肤颜色相近 (光头，或照片太暗)，无法判断",
            "hair and skin look alike (bald, or the photo is too dark), so this cannot be judged",
        ),
        Some(_) => None,
    }
}

/// A position or size on the 480×640 scale held to a band: the message names what was
/// measured, its value, the band, and which way to move.
fn band_check<P>(
    id: &str,
    rule: &Rule<P>,
    band: &crate::profile::Band,
    value: f64,
    what: (&str, &str),
    too_small: (&str, &str),
    too_large: (&str, &str),
) -> CheckResult {
    let (min, max) = (band.min, band.max);
    let v = value.round();
    let limit = format!("{min}–{max} px");
    let message = if value < min {
        Message::new(
            format!("{} {v} px，需 {min}–{max} px：{}", what.0, too_small.0),
            format!(
                "{} is {v} px, needs {min}–{max} px: {}",
                what.1, too_small.1
            ),
        )
    } else if value > max {
        Message::new(
            format!("{} {v} px，需 {min}–{max} px：{}", what.0, too_large.0),
            format!(
                "{} is {v} px, needs {min}–{max} px: {}",
                what.1, too_large.1
            ),
        )
    } else {
        Message::new(format!("{} {v} px", what.0), format!("{} {v} px", what.1))
    };
    judged(id, rule, (min..=max).contains(&value), v, limit, message)
}

/// Rounds to one decimal for reporting.
fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Rounds a share (0–1) or a distance to three decimals for reporting.
fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Five decimals: the face parts' shares of the head crop, where one pixel is 0.000004.
fn round5(v: f64) -> f64 {
    (v * 100_000.0).round() / 100_000.0
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::intake::{ColorModel, Format};
    use crate::measure::lab_of;

    /// The face parts of a compliant head: both ears, nothing the rules look for.
    pub fn clean_parts() -> PartShares {
        PartShares {
            eyeglasses: 0.0,
            earring: 0.0,
            necklace: 0.0,
            hat: 0.0,
            smaller_ear: 0.003,
            inner_mouth: 0.0,
        }
    }

    /// Measurements of a compliant photo; tests change one thing at a time.
    pub fn compliant() -> Measurements {
        let blue = [67, 142, 219];
        Measurements {
            file_name: "photos/2021001234张三11010519491231002X.jpg".into(),
            facts: FileFacts {
                format: Format::Jpeg,
                bytes: 60_000,
                width: 480,
                height: 640,
                color: ColorModel::Rgb,
                bit_depth: 8,
                dpi: Some((300.0, 300.0)),
                progressive: false,
                jpeg_quality: Some(90.0),
                animated: false,
            },
            width: 480,
            height: 640,
            sharpness: Some(5.0),
            exposure: Some(Exposure {
                mean_luma: 120.0,
                clipped_high: 0.0,
                clipped_low: 0.0,
            }),
            colour_clipped: 0.0,
            background: Some(Background {
                median: lab_of(blue),
                median_rgb: blue,
                spread: 1.0,
                gradient: 0.5,
                samples: 1000,
            }),
            analysis: Ok(test_analysis()),
            face: Some(FaceMeasures {
                yaw: 2.0,
                pitch: 12.0,
                roll: 1.0,
                gaze: 0.05,
                crown_y: Some(80.0),
                eyes_y: 250.0,
                face_width: 230.0,
                center_offset: 3.0,
                eye_openness: 0.8,
                teeth: 0.0,
                brow_clearance: 0.95,
                bridge_edges: 1.0,
                cheek_balance: 0.95,
                hot_spots: 0.0,
                lip_saturation: 1.5,
                lenses: Some(crate::lens_measures::Lenses {
                    tint: 3.0,
                    glare: 0.0,
                    rim_step: 0.2,
                    temple_step: 0.1,
                    shade: 0.8,
                }),
            }),
            person: Some(PersonMeasures {
                clothing_blue: Some(0.02),
                hair: Some(crate::person_measures::HairColour {
                    lab: palette::Lab::new(12.0, 2.0, 2.0),
                    from_skin: 40.0,
                }),
                ear_hair: Some(0.05),
                shoulder_tilt: Some(1.0),
                long_hair: Some(0.05),
                hair_in_front: Some(0.02),
                clothing_from_hair: Some(40.0),
                bare_shoulders: Some(0.0),
                accessories: crate::accessory_measures::Accessories {
                    earrings: Some(0.0),
                    hair_ornament: Some(0.0),
                    neck_pattern: Some(0.0),
                },
            }),
            parts: None,
            fingerprint: [0; 4],
        }
    }

    /// A model analysis with one frontal face, eyes level, on a 480×640 frame.
    pub fn test_analysis() -> Analysis {
        use crate::analysis::{Eye, Face, FaceDetail, HeadPose};
        let eye = |x: f32| Eye {
            contour: vec![[x, 250.0]; 71],
            iris: [
                [x, 250.0],
                [x + 5.0, 250.0],
                [x - 5.0, 250.0],
                [x, 245.0],
                [x, 255.0],
            ],
        };
        Analysis {
            faces: vec![Face {
                bbox: [150.0, 180.0, 180.0, 180.0],
                score: 0.95,
                keypoints: [
                    [200.0, 250.0],
                    [280.0, 250.0],
                    [240.0, 290.0],
                    [240.0, 320.0],
                    [160.0, 260.0],
                    [320.0, 260.0],
                ],
            }],
            other_faces: Vec::new(),
            main: Some(FaceDetail {
                mesh: vec![[240.0, 260.0, 0.0]; 468],
                presence: 0.99,
                right_eye: eye(200.0),
                left_eye: eye(280.0),
                pose: HeadPose {
                    yaw: 0.0,
                    pitch: 0.0,
                    roll: 0.0,
                },
                descriptor: None,
            }),
            person_mask: image::GrayImage::new(480, 640),
            parts: None,
        }
    }

    /// The status of rule `id` on `m` under the default profile.
    pub fn status_of(id: &str, m: &Measurements) -> Status {
        let results = run_all(m, &Profile::default());
        results
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("rule {id} did not run"))
            .status
    }

    #[test]
    fn compliant_measurements_pass_every_rule() {
        let results = run_all(&compliant(), &Profile::default());
        assert_eq!(
            results.len(),
            31,
            "every rule judged per photo (batch.once is per run)"
        );
        for r in results {
            assert_eq!(r.status, Status::Pass, "{} : {:?}", r.id, r.message);
        }
    }

    #[test]
    fn every_rule_of_the_profile_has_a_title() {
        for id in enabled_ids(&Profile::default()) {
            let t = title(id);
            assert_ne!(t.en, id, "{id} has no title");
        }
    }

    #[test]
    fn disabled_rule_does_not_run() {
        let p =
            Profile::from_overrides_str("[rules.\"format.dpi\"]\nenabled = false\n", "t").unwrap();
        let results = run_all(&compliant(), &p);
        assert!(results.iter().all(|r| r.id != "format.dpi"));
        assert_eq!(results.len(), 30);
        assert!(!enabled_ids(&p).contains(&"format.dpi"));
    }
}
