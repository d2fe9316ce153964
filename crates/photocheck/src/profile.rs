//! The specification profile: every rule's thresholds, as data.
//!
//! Named presets ship in the binary ([`PRESETS`]): the notice this project follows (the
//! default, `profiles/notice.toml`), the 2017 national collection standard and a
//! white-background variant. Every preset but the default, and every school file, says which
//! preset it `extends` (the default when it does not) and holds only the keys it changes.
//! Each value remembers which preset or file set it. Unknown keys and inconsistent values
//! are refused with the key's full name.

use crate::analysis::DESCRIPTOR_LEN;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// A profile shipped in the binary, picked by name (`--spec NAME`).
pub struct Preset {
    pub name: &'static str,
    /// The preset's TOML as written, with its comments and sources.
    pub text: &'static str,
}

impl Preset {
    /// The preset this one extends; `None` for the default.
    pub fn extends(&self) -> Option<String> {
        let table: toml::Table = toml::from_str(self.text).ok()?;
        table.get("extends")?.as_str().map(str::to_string)
    }
}

/// The presets, the default first.
pub const PRESETS: [Preset; 3] = [
    Preset {
        name: "notice",
        text: include_str!("../profiles/notice.toml"),
    },
    Preset {
        name: "standard-2017",
        text: include_str!("../profiles/standard-2017.toml"),
    },
    Preset {
        name: "white",
        text: include_str!("../profiles/white.toml"),
    },
];

/// The preset a profile extends when it names none.
pub const DEFAULT_PRESET: &str = PRESETS[0].name;

/// The preset called `name`.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// The origin of a value no preset or file sets (a rule's `enabled = true`, say).
const BUILT_IN: &str = "built-in default";

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
    /// The document the profile follows.
    pub source: String,
    /// Which preset or file set each value, by its full key (`rules."format.bytes".min_bytes`).
    #[serde(skip)]
    pub origins: BTreeMap<String, String>,
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
    #[serde(rename = "identity.match")]
    pub identity_match: Rule<IdentityMatch>,
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
    pub mouth_no_teeth: Rule<MouthNoTeeth>,
    #[serde(rename = "glasses.none")]
    pub glasses_none: Rule<GlassesNone>,
    #[serde(rename = "glasses.clear")]
    pub glasses_clear: Rule<GlassesClear>,
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

/// Ears hidden by a turned head (the far ear behind the cheek) or by hair (the ear bands
/// beside the cheeks in the hair's colour).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EarsVisible {
    /// Largest sideways turn (degrees of yaw) at which the far ear still shows.
    pub max_yaw: f64,
    /// CIEDE2000 distance to the hair's colour within which an ear-band pixel is hair.
    pub hair_delta_e: f64,
    /// Largest share of an ear band that may be hair.
    pub max_hair_share: f64,
    /// Least CIEDE2000 distance between hair and skin for the two to be told apart.
    pub min_hair_skin_delta_e: f64,
    /// With face parsing: least share of the head crop that the ear on each side of the
    /// face must cover for hair in an ear band to be forgiven.
    pub min_parsed_ear: f64,
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
    /// With the optional face-parsing model: the largest shares of its head crop that
    /// earrings, a necklace and a hat may cover (they replace the earring highlights).
    pub max_parsed_earring: f64,
    pub max_parsed_necklace: f64,
    pub max_parsed_hat: f64,
}

/// Glasses are found by any of four signs: a frame across the nose bridge, a lens's lower
/// rim below the eyes, a frame's arm across the temple, or dark lenses over them; with the
/// optional face-parsing model, by the eyeglasses it finds instead.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GlassesNone {
    /// Largest edge strength on the nose bridge over the cheeks'.
    pub max_bridge_edges: f64,
    /// Largest sharp step in brightness below the eyes, over the cheeks' brightness.
    pub max_rim_step: f64,
    /// Largest sharp step in brightness across the temple beside an eye (a frame's arm),
    /// over the cheeks' brightness.
    pub max_temple_step: f64,
    /// Least brightness around the eyes (where lenses sit) over the cheeks'.
    pub min_lens_shade: f64,
    /// With the optional face-parsing model: the largest share of its head crop that
    /// eyeglasses may cover.
    pub max_parsed_eyeglasses: f64,
    /// The glasses score's weights on the face descriptor's 128 numbers; empty: the four
    /// signs decide alone (see `glasses_none::glasses_score`).
    #[serde(default)]
    pub descriptor_weights: Vec<f64>,
    /// The glasses score's weights on the logarithms of the four signs over their limits
    /// (bridge, rim, temple; the shade's limit over the shade).
    #[serde(default)]
    pub sign_weights: [f64; 4],
    /// The glasses score's constant: glasses are worn where the score is over 0.
    #[serde(default)]
    pub glasses_bias: f64,
}

/// Glasses that are allowed must be clear: lenses not tinted, no glare on them. Whether glasses are worn at all is `glasses.none`'s to say.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GlassesClear {
    /// Largest CIEDE2000 distance between the skin behind the lenses and the cheeks below.
    pub max_tint_delta_e: f64,
    /// Largest share of the lenses (less the eyes) in blown-out highlights.
    pub max_glare: f64,
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

/// Teeth: the teeth-coloured share of the inner mouth, or with the optional face-parsing
/// model the open mouth it finds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MouthNoTeeth {
    /// Largest teeth-coloured share of the inner mouth.
    pub max: f64,
    /// With face parsing: largest share of the head crop that the open mouth (between the
    /// lips) may cover.
    pub max_parsed_inner_mouth: f64,
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
    /// Largest yaw of a face turned sideways and not tipped (degrees).
    pub max_turn: f64,
    /// Largest pitch of a face tipped up or down and not turned (degrees). A face both
    /// turned and tipped is frontal while its direction lies inside the ellipse these two
    /// limits span (see `rules::pose_frontal`); equal limits make it a circle: at most that
    /// many degrees off the camera's axis.
    pub max_tip: f64,
    pub max_gaze: f64,
    /// Raw pitch of a level head, subtracted before the limits apply.
    pub pitch_offset: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LightingEven {
    pub min_cheek_balance: f64,
    pub max_hot_spots: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileNaming {
    /// The fields in order, e.g. `学号+姓名+身份证号` (see [`crate::naming::layout_pattern`]).
    pub layout: String,
    /// A regular expression over the file name without extension, with the group `id` and
    /// optionally `number` and `name`; when given it replaces `layout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

impl FileNaming {
    /// The regular expression file names are matched with.
    pub fn regex(&self) -> String {
        match &self.pattern {
            Some(pattern) => pattern.clone(),
            None => crate::naming::layout_pattern(&self.layout)
                .expect("a profile's layout is checked when it is loaded"),
        }
    }

    /// What a file name must look like, for messages: the layout, or the pattern.
    pub fn shown(&self) -> &str {
        self.pattern.as_deref().unwrap_or(&self.layout)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchOnce {
    /// Face hashes (256 bits) at most this many bits apart are the same photo.
    pub max_hash_distance: u32,
    /// Face descriptors at most this far apart (Euclidean) are the same person, found
    /// under two numbers (set for a whole run's pairs: very few false matches).
    pub max_same_person_distance: f64,
    /// Photos under one student or id number whose descriptors are further apart than this
    /// are of two people.
    pub min_other_person_distance: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityMatch {
    /// A photo whose face descriptor is at most this far (Euclidean) from its reference
    /// photo's shows the same person.
    pub max_distance: f64,
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

/// The backdrop colours a photo may have: `allowed` names entries of `colours`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackgroundBlue {
    pub allowed: Vec<String>,
    pub colours: BTreeMap<String, BackdropColour>,
}

/// One backdrop colour: near a reference colour and, where given, inside a CIELAB hue band
/// and chroma window.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackdropColour {
    pub source: String,
    /// The colour's Chinese name, for messages.
    pub zh: String,
    pub references: Vec<[u8; 3]>,
    /// CIEDE2000 distance from the nearest reference.
    pub max_delta_e: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hue_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hue_max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_chroma: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chroma: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackgroundUniform {
    pub max_spread_delta_e: f64,
    pub max_gradient_delta_e: f64,
}

impl Default for Profile {
    fn default() -> Self {
        Profile::preset(DEFAULT_PRESET).expect("the embedded presets are valid (tested)")
    }
}

/// A profile's TOML table with the origin of each value, before it is typed.
#[derive(Default)]
struct Layered {
    table: toml::Table,
    origins: BTreeMap<String, String>,
}

impl Layered {
    /// `text` (named `origin`) laid over the preset it extends: the preset named by its
    /// `extends` key, else the default preset (which itself extends nothing).
    fn of(text: &str, origin: &str, depth: usize) -> Result<Layered, ProfileError> {
        let mut own: toml::Table = toml::from_str(text).map_err(|e| invalid(origin, e))?;
        let base = match own.remove("extends") {
            Some(toml::Value::String(name)) => Some(name),
            Some(_) => return Err(invalid(origin, "`extends` must be a preset's name")),
            None if text == PRESETS[0].text => None,
            None => Some(DEFAULT_PRESET.to_string()),
        };
        let mut layered = match base {
            None => Layered::default(),
            Some(name) => {
                let Some(base) = preset(&name) else {
                    return Err(invalid(
                        origin,
                        format!("`extends`: no preset named `{name}` ({})", preset_names()),
                    ));
                };
                if depth > PRESETS.len() {
                    return Err(invalid(origin, "`extends` goes round in a circle"));
                }
                Layered::of(base.text, base.name, depth + 1)?
            }
        };
        merge(&mut layered.table, own, &mut layered.origins, origin, "");
        Ok(layered)
    }
}

/// The presets' names, for messages.
fn preset_names() -> String {
    let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
    format!("presets: {}", names.join(", "))
}

impl Profile {
    /// Parses a complete profile from TOML text (such as `spec --show` prints), with nothing
    /// extended. `origin` names it in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let value: toml::Table = toml::from_str(text).map_err(|e| invalid(origin, e))?;
        Self::from_table(value, BTreeMap::new(), origin)
    }

    /// The preset called `name` (see [`PRESETS`]).
    pub fn preset(name: &str) -> Result<Profile, ProfileError> {
        let preset = preset(name)
            .ok_or_else(|| invalid(name, format!("no preset of this name ({})", preset_names())))?;
        Self::from_overrides_str(preset.text, preset.name)
    }

    /// Loads a school's profile file: its keys are laid over the preset it `extends` (the
    /// default when it names none), so it may hold only what it changes.
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
        let layered = Layered::of(text, origin, 0)?;
        Self::from_table(layered.table, layered.origins, origin)
    }

    fn from_table(
        table: toml::Table,
        origins: BTreeMap<String, String>,
        origin: &str,
    ) -> Result<Profile, ProfileError> {
        let mut profile: Profile =
            serde_path_to_error::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
                let key = e.path().to_string();
                invalid(origin, format!("`{key}`: {}", e.into_inner().message()))
            })?;
        let known = toml::Table::try_from(&profile).expect("a profile serialises to TOML");
        if let Some(key) = first_unknown_key(&table, &known, "") {
            let from = origins.get(&key).map_or(origin, String::as_str);
            return Err(invalid(from, format!("unknown key `{key}`")));
        }
        profile.validate().map_err(|m| invalid(origin, m))?;
        profile.origins = origins;
        Ok(profile)
    }

    /// Which preset or file set the value at `key` (`rules."format.bytes".min_bytes`).
    pub fn origin_of(&self, key: &str) -> &str {
        self.origins.get(key).map_or(BUILT_IN, String::as_str)
    }

    /// The profile as TOML, each value followed by a comment naming its origin. It loads
    /// back with [`Profile::from_toml_str`].
    pub fn to_toml_with_origins(&self) -> String {
        let table = toml::Table::try_from(self).expect("a profile serialises to TOML");
        let mut out = format!(
            "# Profile `{}`, merged; after each value, the preset or file that set it.\n",
            self.name
        );
        self.write_table(&mut out, &table, "");
        out
    }

    fn write_table(&self, out: &mut String, table: &toml::Table, prefix: &str) {
        for (key, value) in table.iter().filter(|(_, v)| !v.is_table()) {
            let origin = self.origin_of(&full_key(prefix, key));
            out.push_str(&format!("{} = {value}  # {origin}\n", quote_key(key)));
        }
        for (key, value) in table {
            if let toml::Value::Table(inner) = value {
                let name = full_key(prefix, key);
                if inner.values().any(|v| !v.is_table()) {
                    out.push_str(&format!("\n[{name}]\n"));
                }
                self.write_table(out, inner, &name);
            }
        }
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
        // Descriptors are about unit length, so two lie at most about 2 apart.
        within(
            &key("batch.once", "max_same_person_distance"),
            r.batch_once.params.max_same_person_distance,
            0.0,
            2.0,
        )?;
        ordered(
            &key("batch.once", "max_same_person_distance"),
            r.batch_once.params.max_same_person_distance,
            &key("batch.once", "min_other_person_distance"),
            r.batch_once.params.min_other_person_distance,
        )?;
        within(
            &key("identity.match", "max_distance"),
            r.identity_match.params.max_distance,
            0.0,
            2.0,
        )?;
        within(
            &key("faces.single", "min_other_face_score"),
            r.faces_single.params.min_other_face_score,
            0.0,
            1.0,
        )?;
        let clothing = &r.clothing_not_blue.params;
        hue_band(
            &key("clothing.not_blue", "hue_min"),
            clothing.hue_min,
            &key("clothing.not_blue", "hue_max"),
            clothing.hue_max,
        )?;
        let backdrop = &r.background_blue.params;
        if backdrop.allowed.is_empty() {
            return Err(format!(
                "{} must name at least one colour",
                key("background.blue", "allowed")
            ));
        }
        for name in &backdrop.allowed {
            if !backdrop.colours.contains_key(name) {
                let defined: Vec<&str> = backdrop.colours.keys().map(String::as_str).collect();
                return Err(format!(
                    "{} names `{name}`, which is not among its colours ({})",
                    key("background.blue", "allowed"),
                    defined.join(", ")
                ));
            }
        }
        for (name, colour) in &backdrop.colours {
            let at = |k: &str| {
                key(
                    "background.blue",
                    &format!("colours.{}.{k}", quote_key(name)),
                )
            };
            if colour.references.is_empty() {
                return Err(format!(
                    "{} must list at least one colour",
                    at("references")
                ));
            }
            match (colour.hue_min, colour.hue_max) {
                (Some(min), Some(max)) => hue_band(&at("hue_min"), min, &at("hue_max"), max)?,
                (None, None) => {}
                _ => {
                    return Err(format!(
                        "{} and {} go together",
                        at("hue_min"),
                        at("hue_max")
                    ))
                }
            }
            if let (Some(min), Some(max)) = (colour.min_chroma, colour.max_chroma) {
                ordered(&at("min_chroma"), min, &at("max_chroma"), max)?;
            }
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
        let weights = r.glasses_none.params.descriptor_weights.len();
        if weights != 0 && weights != DESCRIPTOR_LEN {
            return Err(format!(
                "{} holds {weights} numbers: the face descriptor has {DESCRIPTOR_LEN} (or leave it empty for the signs alone)",
                key("glasses.none", "descriptor_weights")
            ));
        }
        // The pose limits are slopes' angles: 90° would be a face seen edge-on.
        for (k, v) in [
            ("max_turn", r.pose_frontal.params.max_turn),
            ("max_tip", r.pose_frontal.params.max_tip),
        ] {
            within(&key("pose.frontal", k), v, 1.0, 89.0)?;
        }
        let naming = &r.file_naming.params;
        crate::naming::layout_pattern(&naming.layout)
            .map_err(|e| format!("{}: {e}", key("file.naming", "layout")))?;
        if let Some(pattern) = &naming.pattern {
            let at = key("file.naming", "pattern");
            let regex = regex::Regex::new(pattern)
                .map_err(|e| format!("{at} is not a valid regular expression: {e}"))?;
            if !regex.capture_names().flatten().any(|n| n == "id") {
                return Err(format!("{at} has no group named `id`"));
            }
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

fn hue_band(min_key: &str, min: f64, max_key: &str, max: f64) -> Result<(), String> {
    within(min_key, min, 0.0, 360.0)?;
    within(max_key, max, 0.0, 360.0)?;
    ordered(min_key, min, max_key, max)
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

/// Deep-merges `overrides` onto `base`: tables merge key by key, anything else replaces and
/// is recorded in `origins` as set by `origin`.
fn merge(
    base: &mut toml::Table,
    overrides: toml::Table,
    origins: &mut BTreeMap<String, String>,
    origin: &str,
    prefix: &str,
) {
    for (key, value) in overrides {
        let name = full_key(prefix, &key);
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => {
                merge(b, o, origins, origin, &name)
            }
            (_, toml::Value::Table(o)) => {
                let mut fresh = toml::Table::new();
                merge(&mut fresh, o, origins, origin, &name);
                base.insert(key, toml::Value::Table(fresh));
            }
            (_, value) => {
                origins.insert(name, origin.to_string());
                base.insert(key, value);
            }
        }
    }
}

/// The first key of `given` that the typed profile does not have (a misspelling).
fn first_unknown_key(given: &toml::Table, known: &toml::Table, prefix: &str) -> Option<String> {
    for (key, value) in given {
        let name = full_key(prefix, key);
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

/// The full name of `key` inside the table named `prefix` (`""` at the top).
fn full_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        quote_key(key)
    } else {
        format!("{prefix}.{}", quote_key(key))
    }
}

/// A key as TOML writes it: bare when it can be, else quoted.
fn quote_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
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
        let table: toml::Table = toml::from_str(PRESETS[0].text).unwrap();
        let rules = table["rules"].as_table().unwrap();
        assert!(rules.len() >= 10);
        for (id, rule) in rules {
            let source = rule.get("source").and_then(|s| s.as_str()).unwrap_or("");
            assert!(source.len() > 10, "rule {id} has no source");
        }
    }

    /// The error a profile with `overrides` (from `origin`) is refused with.
    fn refusal(overrides: &str, origin: &str) -> String {
        Profile::from_overrides_str(overrides, origin)
            .unwrap_err()
            .to_string()
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
        let err = refusal("[rules.\"format.dpi\"]\nmin_dip = 72\n", "s.toml");
        assert!(err.contains("rules.\"format.dpi\".min_dip"), "{err}");
        assert!(err.contains("s.toml"), "{err}");
    }

    #[test]
    fn wrong_type_is_named() {
        let err = refusal("[rules.\"format.size\"]\nwidth = \"wide\"\n", "s");
        assert!(
            err.contains("format.size") && err.contains("`width`"),
            "{err}"
        );
    }

    #[test]
    fn inverted_window_is_refused_with_both_keys() {
        let err = refusal(
            "[rules.\"format.dpi\"]\nmin_dpi = 600\nmax_dpi = 300\n",
            "s",
        );
        assert!(err.contains("min_dpi (600)"), "{err}");
        assert!(err.contains("max_dpi (300)"), "{err}");
    }

    #[test]
    fn a_reversed_hue_band_is_refused_for_the_clothing_as_for_the_background() {
        for rule in ["background.blue\".colours.\"blue", "clothing.not_blue"] {
            let err = refusal(
                &format!("[rules.\"{rule}\"]\nhue_min = 300\nhue_max = 180\n"),
                "s",
            );
            let id = rule.split('"').next().unwrap();
            assert!(err.contains(id) && err.contains("hue_min (300)"), "{err}");
        }
    }

    #[test]
    fn a_pose_limit_of_a_right_angle_or_more_is_refused() {
        for key in ["max_turn", "max_tip"] {
            let err = refusal(&format!("[rules.\"pose.frontal\"]\n{key} = 90\n"), "s");
            assert!(err.contains(&format!("pose.frontal\".{key}")), "{err}");
        }
        assert!(
            Profile::from_overrides_str("[rules.\"pose.frontal\"]\nmax_tip = 30\n", "s").is_ok()
        );
    }

    #[test]
    fn glasses_descriptor_weights_are_one_per_descriptor_number_or_none() {
        let err = refusal(
            "[rules.\"glasses.none\"]\ndescriptor_weights = [1.0, 2.0]\n",
            "s",
        );
        assert!(
            err.contains("descriptor_weights") && err.contains("128"),
            "{err}"
        );
        let none =
            Profile::from_overrides_str("[rules.\"glasses.none\"]\ndescriptor_weights = []\n", "s")
                .unwrap();
        assert!(none.rules.glasses_none.params.descriptor_weights.is_empty());
        // The shipped preset judges glasses by the score.
        let shipped = &Profile::default().rules.glasses_none.params;
        assert_eq!(shipped.descriptor_weights.len(), DESCRIPTOR_LEN);
    }

    #[test]
    fn a_naming_pattern_must_compile_and_name_its_id_group_and_a_layout_must_parse() {
        let err = refusal("[rules.\"file.naming\"]\npattern = '(unclosed'\n", "s");
        assert!(
            err.contains("file.naming") && err.contains("regular expression"),
            "{err}"
        );
        let err = refusal(
            "[rules.\"file.naming\"]\npattern = '(?P<number>\\d+)'\n",
            "s",
        );
        assert!(err.contains("`id`"), "{err}");
        let err = refusal("[rules.\"file.naming\"]\nlayout = \"学号+姓名\"\n", "s");
        assert!(err.contains("layout") && err.contains("身份证号"), "{err}");
    }

    #[test]
    fn every_preset_loads_and_shows_its_sources() {
        for preset in &PRESETS {
            let p = Profile::preset(preset.name).unwrap();
            assert_eq!(p.name, preset.name);
            assert!(p.source.len() > 20, "{} has no source", preset.name);
            let shown = p.to_toml_with_origins();
            assert!(shown.contains("source = "), "{}", preset.name);
            let again = Profile::from_toml_str(&shown, "shown").unwrap();
            assert_eq!(again.to_toml(), p.to_toml(), "{} loads back", preset.name);
        }
        let standard = Profile::preset("standard-2017").unwrap();
        assert_eq!(standard.rules.format_bytes.params.max_bytes, 40_960);
        assert!(!standard.rules.glasses_none.enabled && standard.rules.glasses_clear.enabled);
        assert_eq!(
            standard.rules.background_blue.params.allowed,
            ["blue", "white", "grey"]
        );
        let notice = Profile::default();
        assert!(notice.rules.glasses_none.enabled && !notice.rules.glasses_clear.enabled);
        assert_eq!(notice.rules.background_blue.params.allowed, ["blue"]);
        assert!(Profile::preset("nonesuch")
            .unwrap_err()
            .to_string()
            .contains("standard-2017"));
    }

    #[test]
    fn a_school_file_extending_a_preset_changes_only_its_lines_and_says_so() {
        let text = "extends = \"standard-2017\"\n[rules.\"format.bytes\"]\nmax_bytes = 61440\n";
        let school = Profile::from_overrides_str(text, "school.toml").unwrap();
        let standard = Profile::preset("standard-2017").unwrap();
        assert_eq!(school.rules.format_bytes.params.max_bytes, 61_440);
        assert_eq!(school.rules.format_bytes.params.min_bytes, 20_480);
        let bytes = "rules.\"format.bytes\".max_bytes";
        assert_eq!(school.origin_of(bytes), "school.toml");
        assert_eq!(
            school.origin_of("rules.\"format.bytes\".min_bytes"),
            "standard-2017"
        );
        assert_eq!(school.origin_of("rules.\"format.dpi\".min_dpi"), "notice");
        // Everything else is the preset's.
        let mut back = school.clone();
        back.rules.format_bytes.params.max_bytes = 40_960;
        assert_eq!(back.to_toml(), standard.to_toml());
        let shown = school.to_toml_with_origins();
        assert!(
            shown.contains("max_bytes = 61440  # school.toml"),
            "{shown}"
        );
        assert!(
            shown.contains("min_bytes = 20480  # standard-2017"),
            "{shown}"
        );
        let err = refusal("extends = \"nonesuch\"\n", "school.toml");
        assert!(err.contains("nonesuch") && err.contains("notice"), "{err}");
    }

    #[test]
    fn allowed_backdrops_must_be_defined() {
        let err = refusal("[rules.\"background.blue\"]\nallowed = [\"pink\"]\n", "s");
        assert!(err.contains("pink") && err.contains("grey"), "{err}");
        let err = refusal(
            "[rules.\"background.blue\".colours.blue]\nmax_delta = 3\n",
            "s",
        );
        assert!(err.contains("max_delta"), "{err}");
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
