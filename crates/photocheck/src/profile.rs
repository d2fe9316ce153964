//! The specification profile: every rule's thresholds, as data.
//!
//! The default CHSI profile is `profiles/chsi.toml`, embedded in the binary. A school's
//! profile may hold only the keys it changes; it is merged onto the default. Unknown keys
//! and inconsistent values are refused with the key's full name.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The embedded default profile, as written (with its comments and sources).
pub const DEFAULT_PROFILE_TOML: &str = include_str!("../profiles/chsi.toml");

/// A profile that could not be loaded: which file, which key, what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profile {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("profile {origin}: {message}")]
    Invalid { origin: String, message: String },
}

/// What a violation of a rule becomes in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Fail,
    Warn,
}

/// One rule's settings: whether it runs, how hard it fails, where its numbers come from,
/// and its own parameters.
#[derive(Debug, Clone, Serialize)]
pub struct Rule<P> {
    pub enabled: bool,
    pub severity: Severity,
    /// Where the thresholds come from (notice, specification, measured distribution).
    pub source: String,
    #[serde(flatten)]
    pub params: P,
}

/// The keys every rule has.
#[derive(Deserialize)]
struct RuleCommon {
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    #[serde(default)]
    severity: Severity,
    source: String,
}

fn enabled_by_default() -> bool {
    true
}

// Written out rather than derived: with `flatten`, serde loses the name of a mistyped key.
impl<'de, P: serde::de::DeserializeOwned> Deserialize<'de> for Rule<P> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        fn part<T: serde::de::DeserializeOwned, E: Error>(table: toml::Table) -> Result<T, E> {
            serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
                let key = e.path().to_string();
                E::custom(format!("key `{key}`: {}", e.into_inner()))
            })
        }
        let mut params = toml::Table::deserialize(deserializer)?;
        let common: toml::Table = ["enabled", "severity", "source"]
            .iter()
            .filter_map(|key| params.remove_entry(*key))
            .collect();
        let common: RuleCommon = part(common)?;
        Ok(Rule {
            enabled: common.enabled,
            severity: common.severity,
            source: common.source,
            params: part(params)?,
        })
    }
}

/// The whole profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub limits: Limits,
    pub analysis: Analysis,
    pub rules: Rules,
}

/// Limits checked before a file is decoded whole.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Limits {
    pub source: String,
    pub max_file_bytes: u64,
    pub max_pixels: u64,
    pub max_side: u32,
}

/// How the working copy used for measurements is made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Analysis {
    pub source: String,
    /// Height of the working copy, in pixels (the specification's photo height).
    pub height: u32,
}

/// Every rule of the profile, by rule id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rules {
    #[serde(rename = "file.naming")]
    pub file_naming: Rule<FileNaming>,
    #[serde(rename = "batch.once")]
    pub batch_once: Rule<BatchOnce>,
    #[serde(rename = "format.jpeg")]
    pub format_jpeg: Rule<FormatJpeg>,
    #[serde(rename = "format.size")]
    pub format_size: Rule<FormatSize>,
    #[serde(rename = "format.color")]
    pub format_color: Rule<NoParams>,
    #[serde(rename = "format.dpi")]
    pub format_dpi: Rule<FormatDpi>,
    #[serde(rename = "format.quality")]
    pub format_quality: Rule<FormatQuality>,
    #[serde(rename = "format.bytes")]
    pub format_bytes: Rule<FormatBytes>,
    #[serde(rename = "quality.sharp")]
    pub quality_sharp: Rule<QualitySharp>,
    #[serde(rename = "exposure.ok")]
    pub exposure_ok: Rule<ExposureOk>,
    #[serde(rename = "background.blue")]
    pub background_blue: Rule<BackgroundBlue>,
    #[serde(rename = "background.uniform")]
    pub background_uniform: Rule<BackgroundUniform>,
    #[serde(rename = "faces.single")]
    pub faces_single: Rule<FacesSingle>,
    #[serde(rename = "pose.frontal")]
    pub pose_frontal: Rule<PoseFrontal>,
    #[serde(rename = "pose.roll")]
    pub pose_roll: Rule<Max>,
    #[serde(rename = "frame.crown")]
    pub frame_crown: Rule<Band>,
    #[serde(rename = "frame.eyes")]
    pub frame_eyes: Rule<Band>,
    #[serde(rename = "frame.face_width")]
    pub frame_face_width: Rule<Band>,
    #[serde(rename = "frame.centered")]
    pub frame_centered: Rule<Max>,
    #[serde(rename = "eyes.open")]
    pub eyes_open: Rule<Min>,
    #[serde(rename = "eyebrows.visible")]
    pub eyebrows_visible: Rule<Min>,
    #[serde(rename = "mouth.no_teeth")]
    pub mouth_no_teeth: Rule<Max>,
    #[serde(rename = "glasses.none")]
    pub glasses_none: Rule<Max>,
    #[serde(rename = "lighting.even")]
    pub lighting_even: Rule<LightingEven>,
    #[serde(rename = "makeup.light")]
    pub makeup_light: Rule<Max>,
    #[serde(rename = "clothing.not_blue")]
    pub clothing_not_blue: Rule<ClothingNotBlue>,
    #[serde(rename = "clothing.covered")]
    pub clothing_covered: Rule<Max>,
    #[serde(rename = "hair.dyed")]
    pub hair_dyed: Rule<HairDyed>,
    #[serde(rename = "hair.neat")]
    pub hair_neat: Rule<HairNeat>,
    #[serde(rename = "accessories.none")]
    pub accessories_none: Rule<AccessoriesNone>,
    #[serde(rename = "ears.visible")]
    pub ears_visible: Rule<EarsVisible>,
    #[serde(rename = "shoulders.level")]
    pub shoulders_level: Rule<Max>,
}

/// Hair over the ears: the ear bands beside the cheeks in the hair's colour.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EarsVisible {
    /// CIEDE2000 distance to the hair's colour within which an ear-band pixel is hair.
    pub hair_delta_e: f64,
    /// Largest share of an ear band that may be hair.
    pub max_hair_share: f64,
    /// Least CIEDE2000 distance between hair and skin for the two to be told apart.
    pub min_hair_skin_delta_e: f64,
}

/// Long hair in front of the shoulders: the person beside the neck in the hair's colour,
/// once hair beside the jaw says it is long (ears.visible's `hair_delta_e` says which
/// pixels are hair).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HairNeat {
    /// Least share of a band beside the jaw in the hair's colour for the hair to be long.
    pub min_long_hair: f64,
    /// Largest share of the person in front of the shoulders that may be hair.
    pub max_hair_share: f64,
    /// Least CIEDE2000 distance between the clothing and the hair for the two to be told
    /// apart.
    pub min_clothing_hair_delta_e: f64,
}

/// Hair colours, in CIELAB terms, that are dyed: vivid colours fail, light tints warn.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HairDyed {
    /// Hue band (degrees) of natural hair, black through brown, red and blond.
    pub natural_hue_min: f64,
    pub natural_hue_max: f64,
    /// Chroma above which a colour outside the natural hue band is vivid.
    pub vivid_chroma: f64,
    /// Chroma above which any hue is vivid.
    pub max_chroma: f64,
    /// Lightness above which coloured hair is a light tint (a warning).
    pub light_lightness: f64,
    /// Chroma from which light hair is tinted rather than grey or white.
    pub tint_chroma: f64,
    /// CIEDE2000 distance to the cheeks within which the "hair" is bare scalp.
    pub scalp_delta_e: f64,
}

/// Blue clothing: a clothing colour is blue when its CIELAB hue lies in the band, with at
/// least the chroma (a visible tint) and the lightness (light and medium blues, not navy).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClothingNotBlue {
    pub hue_min: f64,
    pub hue_max: f64,
    pub min_chroma: f64,
    pub min_lightness: f64,
    /// Largest share of the clothing that may be blue.
    pub max_share: f64,
}

/// Accessories found by their measured shares (see `accessory_measures`): each share's
/// largest value that passes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessoriesNone {
    /// Share of each earring window in small, bright, colourless highlights.
    pub max_earrings: f64,
    /// Share of the hair in a vivid colour unlike the hair, the skin and the backdrop.
    pub max_hair_ornament: f64,
    /// Share of the window below the chin in a fine, colourless pattern.
    pub max_neck_pattern: f64,
}

/// A window a measured value must lie in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Band {
    pub min: f64,
    pub max: f64,
}

/// A bound a measured value must not exceed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Max {
    pub max: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FacesSingle {
    /// Least MTCNN probability for a face away from the student's to count as another
    /// person's (MTCNN reports faces from 0.7).
    pub min_other_face_score: f64,
}

/// A bound a measured value must reach.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Min {
    pub min: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PoseFrontal {
    /// Largest angle between the face's direction and the camera's axis, yaw and pitch
    /// together: a face turned 12° and tipped 12° is 17° off the camera, as far as one
    /// turned 17°.
    pub max_turn: f64,
    pub max_gaze: f64,
    /// Raw pitch of a level head, subtracted before `max_turn` applies.
    pub pitch_offset: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LightingEven {
    pub min_cheek_balance: f64,
    pub max_hot_spots: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileNaming {
    /// A regular expression over the file name without extension, with the groups
    /// `number`, `name` and `id`.
    pub pattern: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchOnce {
    /// Face hashes (256 bits) at most this many bits apart are the same photo.
    pub max_hash_distance: u32,
}

/// A rule without parameters of its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoParams {}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FormatJpeg {
    pub allow_progressive: bool,
}

/// How `format.size` compares the pixel size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeMode {
    /// Width and height must equal the profile's.
    Exact,
    /// No smaller than the profile's, with the same aspect ratio.
    AtLeast,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FormatSize {
    pub width: u32,
    pub height: u32,
    pub mode: SizeMode,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FormatDpi {
    pub min_dpi: f64,
    pub max_dpi: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FormatQuality {
    pub min_quality: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FormatBytes {
    pub min_bytes: u64,
    pub max_bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QualitySharp {
    pub min_sharpness: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExposureOk {
    pub min_mean_luma: f64,
    pub max_mean_luma: f64,
    pub max_clipped_fraction: f64,
    /// Largest share of the photo's pixels with two of three channels blown.
    pub max_colour_clipped: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackgroundBlue {
    pub references: Vec<[u8; 3]>,
    pub max_delta_e: f64,
    pub hue_min: f64,
    pub hue_max: f64,
    pub min_chroma: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackgroundUniform {
    pub max_spread_delta_e: f64,
    pub max_gradient_delta_e: f64,
}

impl Default for Profile {
    fn default() -> Self {
        Profile::from_toml_str(DEFAULT_PROFILE_TOML, "built-in chsi.toml")
            .expect("the embedded default profile is valid (tested)")
    }
}

impl Profile {
    /// Parses a complete profile from TOML text. `origin` names it in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let value: toml::Table = toml::from_str(text).map_err(|e| invalid(origin, e))?;
        Self::from_table(value, origin)
    }

    /// Loads a school's profile file: its keys are merged onto the default profile, so it
    /// may hold only what it changes.
    pub fn load_overrides(path: &Path) -> Result<Profile, ProfileError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: origin.clone(),
            source,
        })?;
        Self::from_overrides_str(&text, &origin)
    }

    /// Like [`Profile::load_overrides`], from TOML text.
    pub fn from_overrides_str(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let overrides: toml::Table = toml::from_str(text).map_err(|e| invalid(origin, e))?;
        let mut merged: toml::Table =
            toml::from_str(DEFAULT_PROFILE_TOML).expect("the embedded default profile is TOML");
        merge(&mut merged, overrides);
        Self::from_table(merged, origin)
    }

    fn from_table(table: toml::Table, origin: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = serde_path_to_error::deserialize(toml::Value::Table(table.clone()))
            .map_err(|e| {
                let key = e.path().to_string();
                invalid(origin, format!("`{key}`: {}", e.into_inner().message()))
            })?;
        let known = toml::Table::try_from(&profile).expect("a profile serialises to TOML");
        if let Some(key) = first_unknown_key(&table, &known, "") {
            return Err(invalid(origin, format!("unknown key `{key}`")));
        }
        profile.validate().map_err(|m| invalid(origin, m))?;
        Ok(profile)
    }

    /// The profile as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a profile serialises to TOML")
    }

    fn validate(&self) -> Result<(), String> {
        let r = &self.rules;
        let key = |rule: &str, k: &str| format!("rules.\"{rule}\".{k}");
        ordered(
            &key("format.dpi", "min_dpi"),
            r.format_dpi.params.min_dpi,
            &key("format.dpi", "max_dpi"),
            r.format_dpi.params.max_dpi,
        )?;
        ordered(
            &key("format.bytes", "min_bytes"),
            r.format_bytes.params.min_bytes as f64,
            &key("format.bytes", "max_bytes"),
            r.format_bytes.params.max_bytes as f64,
        )?;
        ordered(
            &key("exposure.ok", "min_mean_luma"),
            r.exposure_ok.params.min_mean_luma,
            &key("exposure.ok", "max_mean_luma"),
            r.exposure_ok.params.max_mean_luma,
        )?;
        within(
            &key("faces.single", "min_other_face_score"),
            r.faces_single.params.min_other_face_score,
            0.0,
            1.0,
        )?;
        for (rule, min, max) in [
            (
                "background.blue",
                r.background_blue.params.hue_min,
                r.background_blue.params.hue_max,
            ),
            (
                "clothing.not_blue",
                r.clothing_not_blue.params.hue_min,
                r.clothing_not_blue.params.hue_max,
            ),
        ] {
            within(&key(rule, "hue_min"), min, 0.0, 360.0)?;
            within(&key(rule, "hue_max"), max, 0.0, 360.0)?;
            ordered(&key(rule, "hue_min"), min, &key(rule, "hue_max"), max)?;
        }
        positive(
            &key("format.size", "width"),
            r.format_size.params.width as f64,
        )?;
        positive(
            &key("format.size", "height"),
            r.format_size.params.height as f64,
        )?;
        positive("analysis.height", self.analysis.height as f64)?;
        positive("limits.max_pixels", self.limits.max_pixels as f64)?;
        positive("limits.max_side", self.limits.max_side as f64)?;
        within(
            &key("format.quality", "min_quality"),
            r.format_quality.params.min_quality,
            0.0,
            100.0,
        )?;
        within(
            &key("exposure.ok", "max_clipped_fraction"),
            r.exposure_ok.params.max_clipped_fraction,
            0.0,
            1.0,
        )?;
        let pattern = &r.file_naming.params.pattern;
        let naming = key("file.naming", "pattern");
        let regex = regex::Regex::new(pattern)
            .map_err(|e| format!("{naming} is not a valid regular expression: {e}"))?;
        for group in ["number", "name", "id"] {
            if !regex.capture_names().flatten().any(|n| n == group) {
                return Err(format!("{naming} has no group named `{group}`"));
            }
        }
        if r.background_blue.params.references.is_empty() {
            return Err(format!(
                "{} must list at least one colour",
                key("background.blue", "references")
            ));
        }
        Ok(())
    }
}

fn invalid(origin: &str, message: impl std::fmt::Display) -> ProfileError {
    ProfileError::Invalid {
        origin: origin.to_string(),
        message: message.to_string().trim().to_string(),
    }
}

fn ordered(min_key: &str, min: f64, max_key: &str, max: f64) -> Result<(), String> {
    if min > max {
        return Err(format!(
            "{min_key} ({min}) is greater than {max_key} ({max})"
        ));
    }
    Ok(())
}

fn positive(key: &str, value: f64) -> Result<(), String> {
    if value <= 0.0 {
        return Err(format!("{key} must be greater than 0, is {value}"));
    }
    Ok(())
}

fn within(key: &str, value: f64, min: f64, max: f64) -> Result<(), String> {
    if !(min..=max).contains(&value) {
        return Err(format!("{key} must lie in {min}–{max}, is {value}"));
    }
    Ok(())
}

/// Deep-merges `overrides` onto `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The first key of `given` that the typed profile does not have (a misspelling).
fn first_unknown_key(given: &toml::Table, known: &toml::Table, prefix: &str) -> Option<String> {
    for (key, value) in given {
        let name = if prefix.is_empty() {
            quote_key(key)
        } else {
            format!("{prefix}.{}", quote_key(key))
        };
        match (value, known.get(key)) {
            (_, None) => return Some(name),
            (toml::Value::Table(g), Some(toml::Value::Table(k))) => {
                if let Some(found) = first_unknown_key(g, k, &name) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

fn quote_key(key: &str) -> String {
    if key.contains('.') {
        format!("\"{key}\"")
    } else {
        key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_profile_loads_with_the_specification_values() {
        let p = Profile::default();
        assert_eq!(p.rules.format_size.params.width, 480);
        assert_eq!(p.rules.format_size.params.height, 640);
        assert_eq!(p.rules.format_dpi.params.min_dpi, 300.0);
        assert_eq!(p.rules.format_quality.params.min_quality, 60.0);
        assert_eq!(p.rules.format_bytes.severity, Severity::Warn);
        assert_eq!(p.rules.format_jpeg.severity, Severity::Fail);
    }

    #[test]
    fn every_rule_names_its_source() {
        let table: toml::Table = toml::from_str(DEFAULT_PROFILE_TOML).unwrap();
        let rules = table["rules"].as_table().unwrap();
        assert!(rules.len() >= 10);
        for (id, rule) in rules {
            let source = rule.get("source").and_then(|s| s.as_str()).unwrap_or("");
            assert!(source.len() > 10, "rule {id} has no source");
        }
    }

    #[test]
    fn overrides_change_only_what_they_name() {
        let p = Profile::from_overrides_str(
            "[rules.\"format.bytes\"]\nmin_bytes = 40960\n",
            "school.toml",
        )
        .unwrap();
        assert_eq!(p.rules.format_bytes.params.min_bytes, 40960);
        assert_eq!(p.rules.format_bytes.params.max_bytes, 2_097_152);
        assert_eq!(p.rules.format_size.params.width, 480);
    }

    #[test]
    fn misspelt_key_is_named() {
        let err = Profile::from_overrides_str("[rules.\"format.dpi\"]\nmin_dip = 72\n", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("rules.\"format.dpi\".min_dip"), "{err}");
        assert!(err.contains("s.toml"), "{err}");
    }

    #[test]
    fn wrong_type_is_named() {
        let err = Profile::from_overrides_str("[rules.\"format.size\"]\nwidth = \"wide\"\n", "s")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("format.size") && err.contains("`width`"),
            "{err}"
        );
    }

    #[test]
    fn inverted_window_is_refused_with_both_keys() {
        let err = Profile::from_overrides_str(
            "[rules.\"format.dpi\"]\nmin_dpi = 600\nmax_dpi = 300\n",
            "s",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("min_dpi (600)"), "{err}");
        assert!(err.contains("max_dpi (300)"), "{err}");
    }

    #[test]
    fn a_reversed_hue_band_is_refused_for_the_clothing_as_for_the_background() {
        for rule in ["background.blue", "clothing.not_blue"] {
            let err = Profile::from_overrides_str(
                &format!("[rules.\"{rule}\"]\nhue_min = 300\nhue_max = 180\n"),
                "s",
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains(rule) && err.contains("hue_min (300)"), "{err}");
        }
    }

    #[test]
    fn a_naming_pattern_must_compile_and_name_its_groups() {
        let err =
            Profile::from_overrides_str("[rules.\"file.naming\"]\npattern = '(unclosed'\n", "s")
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("file.naming") && err.contains("regular expression"),
            "{err}"
        );
        let err = Profile::from_overrides_str(
            "[rules.\"file.naming\"]\npattern = '(?P<number>\\d+)'\n",
            "s",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`name`"), "{err}");
    }

    #[test]
    fn shown_profile_loads_back_the_same() {
        let p = Profile::from_overrides_str("[rules.\"format.quality\"]\nmin_quality = 75\n", "s")
            .unwrap();
        let again = Profile::from_toml_str(&p.to_toml(), "shown").unwrap();
        assert_eq!(again.rules.format_quality.params.min_quality, 75.0);
        assert_eq!(again.to_toml(), p.to_toml());
    }
}
