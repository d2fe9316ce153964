//! What `accessories.none` measures: earrings below the ear lobes, vivid things in the hair
//! (a headband, a bow, a clip) and a patterned scarf below the chin. Each is a share of a
//! region around the face; no model for accessories ships in any registry.

use crate::analysis::{part, Analysis, FaceDetail};
use crate::face_measures::mesh::{CHIN, LOBE_LEVEL};
use crate::measure::{chroma, delta_e, lab_of, ColourMemo};
use crate::person_measures::{face_frame, face_width, hair_region, surely_person};
use image::imageops::interpolate_bilinear;
use image::{GrayImage, Luma, RgbImage};
use imageproc::morphology::{grayscale_close, grayscale_open, Mask};
use palette::Lab;

/// The accessories' measurements; each is `None` when its region cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Accessories {
    /// Share of each earring window (see [`windows`]) that is a small, bright,
    /// colourless highlight, the smaller of the two sides; `None` when a window leaves the
    /// photo.
    pub earrings: Option<f64>,
    /// Share of the hair, well inside the person's outline, in a vivid colour unlike the
    /// hair's, the skin's and the backdrop's (see [`hair_ornament`]); `None` without the
    /// hair's or the cheeks' colour.
    pub hair_ornament: Option<f64>,
    /// Share of the window below the chin (see [`windows`]) in a fine, colourless
    /// pattern (see [`neck_pattern`]); `None` when the window leaves the photo.
    pub neck_pattern: Option<f64>,
}

/// Measures the accessories around `face`, given the hair's, the cheeks' and the backdrop's
/// colours where they are known.
pub fn measure(
    image: &RgbImage,
    analysis: &Analysis,
    face: &FaceDetail,
    hair: Option<Lab>,
    skin: Option<Lab>,
    backdrop: Option<Lab>,
) -> Accessories {
    Accessories {
        earrings: earring_highlights(image, face),
        hair_ornament: hair
            .zip(skin)
            .and_then(|(hair, skin)| hair_ornament(image, analysis, face, hair, skin, backdrop)),
        neck_pattern: neck_pattern(image, face),
    }
}

/// Windows are sampled at this many points per face width.
const SAMPLES_PER_FACE: f32 = 100.0;
/// Lightness (0–100) is kept on the grey scale's 0–255.
const GREY_PER_LIGHTNESS: f32 = 2.55;

/// A rectangle along the face's own axes: `across` and `down` in face widths from `origin`,
/// across pointing `outward` (−1: past the subject's right cheek, 1: past the left).
struct Window {
    origin: [f32; 2],
    outward: f32,
    across: [f32; 2],
    down: [f32; 2],
}

/// A window's samples: CIELAB lightness on the grey scale, and whether each sample is
/// colourless.
struct Samples {
    lightness: GrayImage,
    colourless: Vec<bool>,
}

impl Window {
    fn corners(&self, face: &FaceDetail) -> [[f32; 2]; 4] {
        let [a0, a1] = self.across;
        let [d0, d1] = self.down;
        [[a0, d0], [a1, d0], [a1, d1], [a0, d1]].map(face_frame(face, self.origin, self.outward))
    }

    /// The window sampled [`SAMPLES_PER_FACE`] times per face width, a sample colourless at
    /// most `max_chroma`; `None` when it leaves the photo.
    fn sample(&self, image: &RgbImage, face: &FaceDetail, max_chroma: f64) -> Option<Samples> {
        let columns = ((self.across[1] - self.across[0]) * SAMPLES_PER_FACE) as u32;
        let rows = ((self.down[1] - self.down[0]) * SAMPLES_PER_FACE) as u32;
        let to_image = face_frame(face, self.origin, self.outward);
        // Each colour's grey level and whether it is colourless.
        let facts = ColourMemo::new(|rgb| {
            let lab = lab_of(rgb);
            (
                (lab.l * GREY_PER_LIGHTNESS).round() as u8,
                chroma(lab) <= max_chroma,
            )
        });
        let mut lightness = GrayImage::new(columns, rows);
        let mut colourless = Vec::with_capacity((columns * rows) as usize);
        for v in 0..rows {
            for u in 0..columns {
                let [x, y] = to_image([
                    self.across[0] + u as f32 / SAMPLES_PER_FACE,
                    self.down[0] + v as f32 / SAMPLES_PER_FACE,
                ]);
                // Pixel centres sit at half-integer image coordinates.
                let (grey, is_colourless) =
                    facts.get(interpolate_bilinear(image, x - 0.5, y - 0.5)?.0);
                lightness.put_pixel(u, v, Luma([grey]));
                colourless.push(is_colourless);
            }
        }
        Some(Samples {
            lightness,
            colourless,
        })
    }
}

impl Samples {
    /// Share of the samples that are colourless and at least `rise` (CIELAB lightness)
    /// lighter than `smoothed` (a white top-hat when it is the opening), or darker when
    /// `smoothed` is the closing (a black top-hat).
    fn standing_out(&self, smoothed: &GrayImage, rise: f32) -> f64 {
        let rise = rise * GREY_PER_LIGHTNESS;
        let count = self
            .lightness
            .pixels()
            .zip(smoothed.pixels())
            .zip(&self.colourless)
            .filter(|((l, s), &grey)| grey && (l[0] as f32 - s[0] as f32).abs() >= rise)
            .count();
        count as f64 / self.colourless.len().max(1) as f64
    }
}

/// The windows where earrings and a scarf are looked for (the two below the ear lobes, then
/// the one below the chin), each as its four corners.
pub fn windows(face: &FaceDetail) -> [[[f32; 2]; 4]; 3] {
    let [right, left] = earring_windows(face);
    [right, left, neck_window(face)].map(|w| w.corners(face))
}

/// Where earrings hang, in face widths along the face's own axes from the outline point
/// at the ear lobes' height: from 0.1 inside the outline to 0.3 outside it, and from 0.1
/// above that point (about the lobe) to 0.25 below it (a long drop earring; further down
/// lie collars and clothing).
const EARRING_ACROSS: [f32; 2] = [-0.1, 0.3];
const EARRING_DOWN: [f32; 2] = [-0.1, 0.25];
/// The two windows' outline points and which way is out: the subject's right, then left.
const EARRING_SIDES: [(usize, f32); 2] = [(LOBE_LEVEL[0], -1.0), (LOBE_LEVEL[1], 1.0)];
/// Radius (samples, 0.05 face widths) of the disk that opens the lightness: structures
/// narrower than its 0.1 face widths (about 1.5 cm, a pearl stud) are highlights; a white
/// collar or a bright backdrop is not.
const EARRING_RADIUS: u8 = 5;
/// Least rise (CIELAB lightness) of a highlight above its opened surroundings.
const HIGHLIGHT_RISE: f32 = 30.0;
/// Greatest CIELAB chroma of a highlight: silver, white and pearl. Light strands of hair
/// and glints on skin are coloured.
const HIGHLIGHT_MAX_CHROMA: f64 = 15.0;

/// The two earring windows: the subject's right, then left.
fn earring_windows(face: &FaceDetail) -> [Window; 2] {
    EARRING_SIDES.map(|(lobe, outward)| Window {
        origin: face.point(lobe),
        outward,
        across: EARRING_ACROSS,
        down: EARRING_DOWN,
    })
}

/// The smaller, over the two earring windows, of the share of samples that are highlights:
/// at least [`HIGHLIGHT_RISE`] lighter than the lightness opened by a disk of
/// [`EARRING_RADIUS`] (a white top-hat) and at most [`HIGHLIGHT_MAX_CHROMA`] in chroma.
/// Earrings come in pairs; a single glint beside one ear (a collar's edge, a second face)
/// does not count. `None` when a window leaves the photo.
fn earring_highlights(image: &RgbImage, face: &FaceDetail) -> Option<f64> {
    let opening = Mask::disk(EARRING_RADIUS);
    let mut fewest = f64::INFINITY;
    for window in earring_windows(face) {
        let samples = window.sample(image, face, HIGHLIGHT_MAX_CHROMA)?;
        let opened = grayscale_open(&samples.lightness, &opening);
        fewest = fewest.min(samples.standing_out(&opened, HIGHLIGHT_RISE));
    }
    Some(fewest)
}

/// Where a scarf is looked for, in face widths along the face's own axes from the chin:
/// 0.4 either side of it, from 0.05 to 0.35 below it. A scarf wraps the neck up to the jaw;
/// shirt collars, ties and necklines mostly lie lower.
const NECK_ACROSS: [f32; 2] = [-0.4, 0.4];
const NECK_DOWN: [f32; 2] = [0.05, 0.35];
/// Radius (samples, 0.03 face widths) of the disk whose opening and closing smooth the
/// lightness: threads and stripes narrower than 0.06 face widths (about 1 cm) stand out.
const PATTERN_RADIUS: u8 = 3;
/// Least difference (CIELAB lightness) between a thread and its smoothed surroundings.
const PATTERN_RISE: f32 = 8.0;
/// Greatest CIELAB chroma of a pattern sample: black, grey and white yarn. Skin, beard on
/// skin and lips are coloured.
const PATTERN_MAX_CHROMA: f64 = 12.0;

/// The window below the chin where a scarf is looked for.
fn neck_window(face: &FaceDetail) -> Window {
    Window {
        origin: face.point(CHIN),
        outward: 1.0,
        across: NECK_ACROSS,
        down: NECK_DOWN,
    }
}

/// A patterned, colourless textile below the chin (a knitted or woven scarf): the smaller
/// of the shares of the neck window that are fine light threads (a white top-hat of
/// [`PATTERN_RISE`]) and fine dark ones (a black top-hat), both at most
/// [`PATTERN_MAX_CHROMA`] in chroma. A pattern has both; a white collar's edge on a dark
/// sweater or a dark seam on a light shirt has mostly one. `None` when the window leaves
/// the photo.
fn neck_pattern(image: &RgbImage, face: &FaceDetail) -> Option<f64> {
    let samples = neck_window(face).sample(image, face, PATTERN_MAX_CHROMA)?;
    let disk = Mask::disk(PATTERN_RADIUS);
    let light = samples.standing_out(&grayscale_open(&samples.lightness, &disk), PATTERN_RISE);
    let dark = samples.standing_out(&grayscale_close(&samples.lightness, &disk), PATTERN_RISE);
    Some(light.min(dark))
}

/// Least CIELAB chroma of a hair ornament's pixel: a vivid colour. Natural hair stays
/// under about 25 (hair.dyed's measurements).
const ORNAMENT_MIN_CHROMA: f64 = 30.0;
/// Least distance in the CIELAB a*b* plane from the cheeks' colour: not skin, whatever its
/// lightness (a lit or shaded forehead).
const ORNAMENT_FROM_SKIN: f64 = 20.0;
/// Least CIEDE2000 distance from the hair's colour: not the hair's own highlights.
const ORNAMENT_FROM_HAIR: f64 = 20.0;
/// Least CIEDE2000 distance from the backdrop's colour.
const ORNAMENT_FROM_BACKDROP: f64 = 15.0;
/// How far inside the person's outline (face widths) a pixel must lie: strands of hair at
/// the outline mix the hair's colour with the backdrop's.
const ORNAMENT_INSET: f32 = 0.03;
/// Fewest hair samples to give a share.
const ORNAMENT_MIN_SAMPLES: usize = 50;

/// Share of the hair (person pixels above the forehead, see [`hair_region`]) lying at least
/// [`ORNAMENT_INSET`] inside the person's outline that is vivid and unlike the hair, the
/// skin and the backdrop: a headband, a bow, a coloured clip. A hat is the hair's colour
/// here and is not found. `None` with fewer than [`ORNAMENT_MIN_SAMPLES`] samples.
fn hair_ornament(
    image: &RgbImage,
    analysis: &Analysis,
    face: &FaceDetail,
    hair: Lab,
    skin: Lab,
    backdrop: Option<Lab>,
) -> Option<f64> {
    let (mut samples, mut ornament) = (0usize, 0usize);
    for (_, _, is_ornament) in hair_ornament_samples(image, analysis, face, hair, skin, backdrop) {
        samples += 1;
        ornament += usize::from(is_ornament);
    }
    (samples >= ORNAMENT_MIN_SAMPLES).then(|| ornament as f64 / samples as f64)
}

/// The hair samples [`hair_ornament`] reads, each with whether it is an ornament's.
pub fn hair_ornament_samples<'a>(
    image: &'a RgbImage,
    analysis: &'a Analysis,
    face: &FaceDetail,
    hair: Lab,
    skin: Lab,
    backdrop: Option<Lab>,
) -> impl Iterator<Item = (u32, u32, bool)> + 'a {
    let inset = (face_width(face) * ORNAMENT_INSET).round().max(1.0);
    // The eight points around at `inset`: the outline is not within it.
    let well_inside = move |x: u32, y: u32| {
        [-1.0, 0.0, 1.0].iter().all(|dy| {
            [-1.0, 0.0, 1.0]
                .iter()
                .all(|dx| surely_person(analysis, x as f32 + dx * inset, y as f32 + dy * inset))
        })
    };
    let vivid = ColourMemo::new(move |rgb| {
        let lab = lab_of(rgb);
        chroma(lab) >= ORNAMENT_MIN_CHROMA
            && ((lab.a - skin.a) as f64).hypot((lab.b - skin.b) as f64) >= ORNAMENT_FROM_SKIN
            && delta_e(lab, hair) >= ORNAMENT_FROM_HAIR
            && backdrop.is_none_or(|b| delta_e(lab, b) >= ORNAMENT_FROM_BACKDROP)
    });
    // Skin that the face-parsing model sees (a forehead or a scalp under bright light) is
    // no ornament, however vivid it reads.
    let parsed_skin = move |x: u32, y: u32| {
        analysis
            .parts
            .as_ref()
            .is_some_and(|p| p.class_at(x, y) == Some(part::SKIN))
    };
    hair_region(image, analysis, face)
        .filter(move |&(x, y)| well_inside(x, y))
        .map(move |(x, y)| {
            let ornament = !parsed_skin(x, y) && vivid.get(image.get_pixel(x, y).0);
            (x, y, ornament)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::FaceParts;
    use crate::face_measures::mesh::{CHEEKS, FOREHEAD, LEFT_CHEEK, RIGHT_CHEEK};
    use crate::profile::{AccessoriesNone, Profile};
    use image::Rgb;

    const HAIR: [u8; 3] = [30, 25, 22];
    const SKIN: [u8; 3] = [205, 160, 130];
    const BACKDROP: [u8; 3] = [67, 142, 219];

    fn limits() -> AccessoriesNone {
        Profile::default().rules.accessories_none.params
    }

    /// A face 160 pixels wide (cheek points at x 160 and 320, y 300), the top of its
    /// forehead at (240, 200), its chin at (240, 420), its outline at the lobes' height at
    /// (165, 360) and (315, 360); the person (mask) is everything from row 60 down, in dark
    /// hair, on a blue backdrop. The earring windows span x 117–181 and 299–363, y 344–400;
    /// the neck window x 176–304, y 428–476; the hair above row 192, x 144–336.
    fn photo() -> (RgbImage, Analysis) {
        let mut analysis = crate::rules::test_support::test_analysis();
        let face = analysis.main.as_mut().unwrap();
        face.mesh[RIGHT_CHEEK] = [160.0, 300.0, 0.0];
        face.mesh[LEFT_CHEEK] = [320.0, 300.0, 0.0];
        face.mesh[CHEEKS[0]] = [190.0, 320.0, 0.0];
        face.mesh[CHEEKS[1]] = [290.0, 320.0, 0.0];
        face.mesh[FOREHEAD] = [240.0, 200.0, 0.0];
        face.mesh[CHIN] = [240.0, 420.0, 0.0];
        face.mesh[LOBE_LEVEL[0]] = [165.0, 360.0, 0.0];
        face.mesh[LOBE_LEVEL[1]] = [315.0, 360.0, 0.0];
        for y in 60..640 {
            for x in 0..480 {
                analysis.person_mask.put_pixel(x, y, Luma([255]));
            }
        }
        let image = RgbImage::from_fn(480, 640, |_, y| Rgb(if y < 60 { BACKDROP } else { HAIR }));
        (image, analysis)
    }

    fn paint(
        image: &mut RgbImage,
        xs: std::ops::Range<u32>,
        ys: std::ops::Range<u32>,
        rgb: impl Fn(u32, u32) -> [u8; 3],
    ) {
        for y in ys {
            for x in xs.clone() {
                image.put_pixel(x, y, Rgb(rgb(x, y)));
            }
        }
    }

    fn face(analysis: &Analysis) -> &FaceDetail {
        analysis.main.as_ref().unwrap()
    }

    #[test]
    fn silver_drops_below_both_lobes_are_earrings_and_one_side_or_a_collar_is_not() {
        let limit = limits().max_earrings;
        let (plain, analysis) = photo();
        let face = face(&analysis);
        assert!(earring_highlights(&plain, face).unwrap() < 0.001);

        // Drops 4 pixels wide and 30 long (0.025 × 0.19 face widths) under both lobes.
        let silver = |_, _| [230, 230, 228];
        let mut pair = plain.clone();
        paint(&mut pair, 148..152, 355..385, silver);
        paint(&mut pair, 328..332, 355..385, silver);
        assert!(earring_highlights(&pair, face).unwrap() > limit);

        // The same drop under one lobe only.
        let mut one = plain.clone();
        paint(&mut one, 148..152, 355..385, silver);
        assert!(earring_highlights(&one, face).unwrap() < limit);

        // A white collar filling the lower windows: far wider than any earring.
        let mut collar = plain.clone();
        paint(&mut collar, 100..380, 380..640, |_, _| [240, 240, 240]);
        assert!(earring_highlights(&collar, face).unwrap() < limit);
    }

    #[test]
    fn earrings_are_not_judged_when_a_window_leaves_the_photo() {
        let (image, mut analysis) = photo();
        analysis.main.as_mut().unwrap().mesh[LOBE_LEVEL[0]] = [20.0, 360.0, 0.0];
        assert_eq!(earring_highlights(&image, face(&analysis)), None);
    }

    #[test]
    fn black_and_white_stripes_below_the_chin_are_a_scarf_and_a_collar_or_skin_is_not() {
        let limit = limits().max_neck_pattern;
        let (plain, analysis) = photo();
        let face = face(&analysis);
        assert!(neck_pattern(&plain, face).unwrap() < 0.001);

        // Diagonal stripes 3 pixels wide (0.02 face widths), black and white.
        let stripes = |x: u32, y: u32| {
            if ((x + y) / 3).is_multiple_of(2) {
                [235, 235, 235]
            } else {
                [40, 40, 40]
            }
        };
        let mut scarf = plain.clone();
        paint(&mut scarf, 150..330, 424..500, stripes);
        assert!(neck_pattern(&scarf, face).unwrap() > limit);

        // A white collar on a dark sweater: a broad band, wider than any thread.
        let mut collar = plain.clone();
        paint(&mut collar, 150..330, 450..470, |_, _| [240, 240, 240]);
        assert!(neck_pattern(&collar, face).unwrap() < limit);

        // White pinstripes 3 pixels wide every 16 on dark cloth: light threads, but the
        // dark between them is broad.
        let mut pinstripes = plain.clone();
        paint(&mut pinstripes, 150..330, 424..500, |x, _| {
            if x % 16 < 3 {
                [235, 235, 235]
            } else {
                [40, 40, 40]
            }
        });
        assert!(neck_pattern(&pinstripes, face).unwrap() < limit);

        // The same stripes in two skin tones (creases, a beard's shadow on skin): coloured.
        let mut skin = plain.clone();
        paint(&mut skin, 150..330, 424..500, |x, y| {
            if ((x + y) / 3).is_multiple_of(2) {
                SKIN
            } else {
                [150, 105, 80]
            }
        });
        assert!(neck_pattern(&skin, face).unwrap() < limit);
    }

    #[test]
    fn the_scarf_is_not_judged_when_the_photo_ends_at_the_chin() {
        let (image, mut analysis) = photo();
        analysis.main.as_mut().unwrap().mesh[CHIN] = [240.0, 630.0, 0.0];
        assert_eq!(neck_pattern(&image, face(&analysis)), None);
    }

    fn ornament(image: &RgbImage, analysis: &Analysis) -> f64 {
        let (hair, skin, backdrop) = (lab_of(HAIR), lab_of(SKIN), Some(lab_of(BACKDROP)));
        hair_ornament(image, analysis, face(analysis), hair, skin, backdrop).unwrap()
    }

    #[test]
    fn a_vivid_band_in_the_hair_is_an_ornament_and_skin_or_the_backdrop_at_the_outline_is_not() {
        let limit = limits().max_hair_ornament;
        let (plain, analysis) = photo();
        assert!(ornament(&plain, &analysis) < 0.001);

        // A pink band 10 pixels (0.06 face widths) high across the hair.
        let mut band = plain.clone();
        paint(&mut band, 150..330, 120..130, |_, _| [225, 60, 130]);
        assert!(ornament(&band, &analysis) > limit);

        // A tanned forehead in shade: vivid (chroma 41), but the skin's hue.
        let mut forehead = plain.clone();
        paint(&mut forehead, 150..330, 150..192, |_, _| [190, 120, 80]);
        assert!(ornament(&forehead, &analysis) < 0.001);

        // Strands mixing hair and backdrop along the outline (row 60): within the inset.
        let mut fringe = plain.clone();
        paint(&mut fringe, 0..480, 60..64, |_, _| [50, 90, 150]);
        assert!(ornament(&fringe, &analysis) < 0.001);
    }

    #[test]
    fn a_vivid_patch_the_face_parsing_model_calls_skin_is_no_ornament() {
        let (mut image, mut analysis) = photo();
        // A lit forehead reaching into the hair region, pinker than the cheeks.
        paint(&mut image, 150..330, 110..192, |_, _| [225, 60, 130]);
        assert!(ornament(&image, &analysis) > limits().max_hair_ornament);
        analysis.parts = Some(FaceParts::uniform(part::SKIN, 480, 640));
        assert_eq!(ornament(&image, &analysis), 0.0);
        analysis.parts = Some(FaceParts::uniform(part::HAIR, 480, 640));
        assert!(ornament(&image, &analysis) > limits().max_hair_ornament);
    }
}
