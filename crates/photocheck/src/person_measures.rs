//! Measurements of the person around the face that the person rules judge: for now, the
//! clothing's colour. Regions come from the person mask and the face mesh; no model for
//! clothing ships in any registry.

use crate::analysis::{Analysis, FaceDetail};
use crate::measure::{chroma, delta_e, hue_degrees, lab_of};
use image::{GrayImage, RgbImage};
use palette::Lab;

/// What the person rules judge.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMeasures {
    /// Share of the clothing's pixels close in colour to the given blues (the references
    /// and the photo's own blue background); `None` when no clothing shows.
    pub clothing_blue: Option<f64>,
}

/// Person-mask values from which a pixel is surely the person (not the fringe at its edge).
const SURELY_PERSON: u8 = 200;

/// Mesh points: cheeks at the face's outline, chin.
const RIGHT_CHEEK: usize = 234;
const LEFT_CHEEK: usize = 454;
const CHIN: usize = 152;

/// What counts as blue clothing: blue by the background rule's own definition (hue band,
/// least chroma) and within `near` (CIEDE2000) of one of `blues`.
#[derive(Debug, Clone)]
pub struct BlueSpec {
    pub blues: Vec<Lab>,
    pub near: f64,
    pub hue: (f64, f64),
    pub min_chroma: f64,
}

impl BlueSpec {
    /// Whether an sRGB colour counts as blue clothing.
    pub fn is_blue(&self, rgb: [u8; 3]) -> bool {
        let lab = lab_of(rgb);
        let hue = hue_degrees(lab);
        hue >= self.hue.0
            && hue <= self.hue.1
            && chroma(lab) >= self.min_chroma
            && self.blues.iter().any(|b| delta_e(lab, *b) <= self.near)
    }
}

/// Measures the person of `analysis` on the working copy.
pub fn measure(working: &RgbImage, analysis: &Analysis, blue: &BlueSpec) -> Option<PersonMeasures> {
    let face = analysis.main.as_ref()?;
    Some(PersonMeasures {
        clothing_blue: clothing_blue(working, analysis, face, blue),
    })
}

fn face_width(face: &FaceDetail) -> f32 {
    (face.point(LEFT_CHEEK)[0] - face.point(RIGHT_CHEEK)[0]).abs()
}

/// Clothing is sampled every this many pixels across and down (thousands of samples on a
/// 480×640 portrait: plenty for a share).
const CLOTHING_STEP: u32 = 4;

/// Where the clothing is looked for: person pixels from a third of a face below the chin
/// to the bottom.
pub struct ClothingRegion<'a> {
    mask: &'a GrayImage,
    top: u32,
}

impl<'a> ClothingRegion<'a> {
    pub fn new(analysis: &'a Analysis, face: &FaceDetail) -> Self {
        ClothingRegion {
            mask: &analysis.person_mask,
            top: (face.point(CHIN)[1] + face_width(face) / 3.0).max(0.0) as u32,
        }
    }

    /// Whether pixel (x, y) is clothing.
    pub fn contains(&self, x: u32, y: u32) -> bool {
        y >= self.top && self.mask.get_pixel(x, y)[0] >= SURELY_PERSON
    }
}

/// The share of the clothing that is blue.
fn clothing_blue(
    image: &RgbImage,
    analysis: &Analysis,
    face: &FaceDetail,
    blue_spec: &BlueSpec,
) -> Option<f64> {
    let region = ClothingRegion::new(analysis, face);
    let (mut total, mut blue) = (0usize, 0usize);
    for y in (region.top..image.height()).step_by(CLOTHING_STEP as usize) {
        for x in (0..image.width()).step_by(CLOTHING_STEP as usize) {
            if !region.contains(x, y) {
                continue;
            }
            total += 1;
            if blue_spec.is_blue(image.get_pixel(x, y).0) {
                blue += 1;
            }
        }
    }
    // Fewer than ~1 % of the frame's pixels: no clothing to speak of.
    let per_sample = (CLOTHING_STEP * CLOTHING_STEP) as usize;
    (total * per_sample * 100 >= (image.width() * image.height()) as usize)
        .then(|| blue as f64 / total as f64)
}
