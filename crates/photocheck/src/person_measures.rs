//! Measurements of the person around the face that the person rules judge: the clothing's
//! colour, the hair's colour, hair over the ears, and the shoulder line. Regions come from
//! the person mask and the face mesh; no model for clothing ships in any registry.

use crate::accessory_measures::{self, Accessories};
use crate::analysis::{Analysis, FaceDetail, PERSON};
use crate::face_measures::mesh::{CHEEKS, CHIN, FOREHEAD, LEFT_CHEEK, RIGHT_CHEEK};
use crate::measure::{chroma, delta_e, hue_degrees, lab_of, Background, ColourMemo};
use crate::pipeline::is_background;
use crate::profile::ClothingNotBlue;
use image::{GrayImage, RgbImage};
use palette::Lab;
use std::collections::VecDeque;

/// What the person rules judge.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMeasures {
    /// Share of the clothing's pixels that are blue; `None` when no clothing shows.
    pub clothing_blue: Option<f64>,
    /// The hair's colour above the forehead; `None` when too little of it shows.
    pub hair: Option<HairColour>,
    /// Share of the ear band beside each cheek that has the hair's colour, the larger of
    /// the two sides; `None` without a hair colour or when a band is outside the photo.
    pub ear_hair: Option<f64>,
    /// Angle of the shoulder line in degrees, positive when the image's right shoulder is
    /// lower; `None` when the photo shows too little beside the neck.
    pub shoulder_tilt: Option<f64>,
    /// Share of the bands beside the jaw (see [`jaw_bands`]) in the hair's colour, the larger
    /// of the two sides: long hair falls there; `None` without a hair colour or when the
    /// bands leave the photo.
    pub long_hair: Option<f64>,
    /// Share of the person in front of the shoulders (see [`shoulder_fronts`]) that has the
    /// hair's colour; `None` without a hair colour or when too little of it is in the photo.
    pub hair_in_front: Option<f64>,
    /// CIEDE2000 distance between the hair's colour and the clothing's on the outer
    /// shoulders; `None` without either.
    pub clothing_from_hair: Option<f64>,
    /// Share of the shoulders' surface, just below the shoulder line, that is bare skin;
    /// `None` when the shoulder line was not read or too little of it shows.
    pub bare_shoulders: Option<f64>,
    /// Earrings, hair ornaments and a scarf (accessories.none).
    pub accessories: Accessories,
}

/// The median colour of the hair above the forehead.
#[derive(Debug, Clone, PartialEq)]
pub struct HairColour {
    pub lab: Lab,
    /// CIEDE2000 distance to the face's skin (cheeks): small on a bald or shaved head.
    pub from_skin: f64,
}

impl HairColour {
    /// CIELAB lightness, 0–100.
    pub fn lightness(&self) -> f64 {
        self.lab.l as f64
    }

    pub fn chroma(&self) -> f64 {
        chroma(self.lab)
    }

    /// Hue angle in degrees, 0–360.
    pub fn hue(&self) -> f64 {
        hue_degrees(self.lab)
    }
}

/// Person-mask values from which a pixel is surely the person (not the fringe at its edge).
const SURELY_PERSON: u8 = 200;

/// Whether the point (x, y) lies in the photo and surely on the person.
pub(crate) fn surely_person(analysis: &Analysis, x: f32, y: f32) -> bool {
    let mask = &analysis.person_mask;
    x >= 0.0
        && y >= 0.0
        && x < mask.width() as f32
        && y < mask.height() as f32
        && mask.get_pixel(x as u32, y as u32)[0] >= SURELY_PERSON
}

/// Whether an sRGB clothing colour is blue by `spec`.
pub fn is_blue_clothing(spec: &ClothingNotBlue, rgb: [u8; 3]) -> bool {
    let lab = lab_of(rgb);
    let hue = hue_degrees(lab);
    hue >= spec.hue_min
        && hue <= spec.hue_max
        && chroma(lab) >= spec.min_chroma
        && lab.l as f64 >= spec.min_lightness
}

/// Measures the person of `analysis` on the working copy with the given background colour;
/// a pixel within `hair_near` (CIEDE2000) of the hair's colour counts as hair.
pub fn measure(
    working: &RgbImage,
    analysis: &Analysis,
    background: Option<&Background>,
    blue: &ClothingNotBlue,
    hair_near: f64,
) -> Option<PersonMeasures> {
    let face = analysis.main.as_ref()?;
    let (skin, hair) = skin_and_hair(working, analysis, face);
    let clothing = ClothingRegion::new(working, analysis, face, background);
    let clothing_samples = clothing.samples(working);
    let shoulders = shoulder_points(working, analysis, face, background.map(|b| b.median));
    let accessories = accessory_measures::measure(
        working,
        analysis,
        face,
        hair.as_ref().map(|h| h.lab),
        skin,
        background.map(|b| b.median),
    );
    Some(PersonMeasures {
        clothing_blue: clothing_blue(working, &clothing_samples, blue),
        ear_hair: hair
            .as_ref()
            .and_then(|h| ear_hair(working, analysis, face, h.lab, hair_near)),
        long_hair: hair
            .as_ref()
            .and_then(|h| long_hair(working, analysis, face, h.lab, hair_near)),
        hair_in_front: hair
            .as_ref()
            .and_then(|h| hair_in_front(working, analysis, face, h.lab, hair_near)),
        clothing_from_hair: hair
            .as_ref()
            .zip(skin.and_then(|skin| outer_shoulder_colour(working, face, &clothing, skin)))
            .map(|(h, c)| delta_e(h.lab, c)),
        hair,
        shoulder_tilt: shoulders.as_ref().map(shoulder_tilt),
        bare_shoulders: shoulders
            .zip(skin)
            .and_then(|(p, skin)| bare_shoulders(working, analysis, face, &p, skin)),
        accessories,
    })
}

/// The cheeks' colour and the hair's, as [`measure`] reads them.
pub fn skin_and_hair(
    image: &RgbImage,
    analysis: &Analysis,
    face: &FaceDetail,
) -> (Option<Lab>, Option<HairColour>) {
    let skin = skin_colour(image, face);
    (skin, hair_colour(image, analysis, face, skin))
}

pub(crate) fn face_width(face: &FaceDetail) -> f32 {
    (face.point(LEFT_CHEEK)[0] - face.point(RIGHT_CHEEK)[0]).abs()
}

/// The face's own axes as unit vectors in the image: across (from the subject's right cheek
/// to the left) and down (towards the chin). They turn with a tilted head or camera.
fn face_axes(face: &FaceDetail) -> ([f32; 2], [f32; 2]) {
    let (right, left) = (face.point(RIGHT_CHEEK), face.point(LEFT_CHEEK));
    let (dx, dy) = (left[0] - right[0], left[1] - right[1]);
    let length = dx.hypot(dy);
    // Cheeks on one point (a degenerate mesh): the image's own axes.
    let across = if length < 1.0 {
        [1.0, 0.0]
    } else {
        [dx / length, dy / length]
    };
    (across, [-across[1], across[0]])
}

/// Maps a point given in face widths along the face's own axes from `origin`, (across,
/// down) with across pointing `outward` (−1: out past the subject's right cheek, 1: past the
/// left), to the image.
pub(crate) fn face_frame(
    face: &FaceDetail,
    origin: [f32; 2],
    outward: f32,
) -> impl Fn([f32; 2]) -> [f32; 2] {
    let fw = face_width(face).max(1.0);
    let (across, down) = face_axes(face);
    move |[a, d]| {
        let (a, d) = (a * fw * outward, d * fw);
        [
            origin[0] + a * across[0] + d * down[0],
            origin[1] + a * across[1] + d * down[1],
        ]
    }
}

/// The face's centre line: midway between the cheeks.
fn centre_x(face: &FaceDetail) -> f32 {
    (face.point(LEFT_CHEEK)[0] + face.point(RIGHT_CHEEK)[0]) / 2.0
}

/// Clothing is sampled every this many pixels across and down (thousands of samples on a
/// 480×640 portrait: plenty for a share).
const CLOTHING_STEP: u32 = 4;

/// Where the clothing is looked for: person pixels from a third of a face below the chin
/// to the bottom, less the backdrop the person mask claims (see [`backdrop_cells`]).
pub struct ClothingRegion<'a> {
    mask: &'a GrayImage,
    top: u32,
    backdrop: Vec<bool>,
    columns: u32,
}

impl<'a> ClothingRegion<'a> {
    pub fn new(
        image: &RgbImage,
        analysis: &'a Analysis,
        face: &FaceDetail,
        background: Option<&Background>,
    ) -> Self {
        let columns = image.width().div_ceil(CLOTHING_STEP);
        ClothingRegion {
            mask: &analysis.person_mask,
            top: (face.point(CHIN)[1] + face_width(face) / 3.0).max(0.0) as u32,
            backdrop: background
                .map(|b| backdrop_cells(image, analysis, b.median))
                .unwrap_or_default(),
            columns,
        }
    }

    /// Whether pixel (x, y) is clothing.
    pub fn contains(&self, x: u32, y: u32) -> bool {
        let cell = (y / CLOTHING_STEP * self.columns + x / CLOTHING_STEP) as usize;
        y >= self.top
            && self.mask.get_pixel(x, y)[0] >= SURELY_PERSON
            && !self.backdrop.get(cell).copied().unwrap_or(false)
    }

    /// The clothing's colours, every `CLOTHING_STEP` pixels across and down.
    fn samples(&self, image: &RgbImage) -> Vec<[u8; 3]> {
        self.samples_where(image, |_, _| true)
    }

    /// The clothing's colours at the sampled pixels (x, y) for which `keep` holds.
    fn samples_where(&self, image: &RgbImage, keep: impl Fn(f32, f32) -> bool) -> Vec<[u8; 3]> {
        let mut samples = Vec::new();
        for y in (self.top..image.height()).step_by(CLOTHING_STEP as usize) {
            for x in (0..image.width()).step_by(CLOTHING_STEP as usize) {
                if keep(x as f32, y as f32) && self.contains(x, y) {
                    samples.push(image.get_pixel(x, y).0);
                }
            }
        }
        samples
    }
}

/// CIEDE2000 distance to the backdrop's median colour within which a pixel continues the
/// backdrop: a flat backdrop's own noise (JPEG noise on the dev photos' flat backdrops stays
/// within a few units), far under the distance of blue clothing worth refusing.
const BACKDROP_NEAR: f64 = 5.0;

/// The cells of a grid `CLOTHING_STEP` pixels apart (row by row) that the backdrop
/// reaches: cells within [`BACKDROP_NEAR`] of its colour, connected through such cells to
/// sure background or to the frame's edge (the backdrop goes on past the frame). The person
/// mask sometimes claims flat backdrop beside the body (a soft edge, a gap under an arm, the
/// corner a rotated photo was filled in with); these cells are backdrop whatever the mask
/// says.
fn backdrop_cells(image: &RgbImage, analysis: &Analysis, backdrop: Lab) -> Vec<bool> {
    let (columns, rows) = (
        image.width().div_ceil(CLOTHING_STEP),
        image.height().div_ceil(CLOTHING_STEP),
    );
    let pixel = |cell: u32| {
        (
            (cell % columns) * CLOTHING_STEP,
            (cell / columns) * CLOTHING_STEP,
        )
    };
    let continues_backdrop = within(backdrop, BACKDROP_NEAR);
    let near = |cell: u32| {
        let (x, y) = pixel(cell);
        continues_backdrop.get(image.get_pixel(x, y).0)
    };
    let mut reached = vec![false; (columns * rows) as usize];
    let mut queue: VecDeque<u32> = (0..columns * rows)
        .filter(|&cell| {
            let (column, row) = (cell % columns, cell / columns);
            let edge = column == 0 || row == 0 || column + 1 == columns || row + 1 == rows;
            let (x, y) = pixel(cell);
            (edge || is_background(analysis, x, y)) && near(cell)
        })
        .collect();
    for &cell in &queue {
        reached[cell as usize] = true;
    }
    while let Some(cell) = queue.pop_front() {
        let (column, row) = (cell % columns, cell / columns);
        let neighbours = [
            (column > 0).then(|| cell - 1),
            (column + 1 < columns).then(|| cell + 1),
            (row > 0).then(|| cell - columns),
            (row + 1 < rows).then(|| cell + columns),
        ];
        for next in neighbours.into_iter().flatten() {
            if !reached[next as usize] && near(next) {
                reached[next as usize] = true;
                queue.push_back(next);
            }
        }
    }
    reached
}

/// The share of the clothing that is blue; `None` when the clothing covers under ~1 % of
/// the frame (no clothing to speak of).
fn clothing_blue(image: &RgbImage, samples: &[[u8; 3]], spec: &ClothingNotBlue) -> Option<f64> {
    let per_sample = (CLOTHING_STEP * CLOTHING_STEP) as usize;
    if samples.len() * per_sample * 100 < (image.width() * image.height()) as usize {
        return None;
    }
    let is_blue = ColourMemo::new(|rgb| is_blue_clothing(spec, rgb));
    let blue = samples.iter().filter(|&&rgb| is_blue.get(rgb)).count();
    Some(blue as f64 / samples.len() as f64)
}

/// The channel-by-channel median of some colours in CIELAB; `None` for fewer than 50.
fn median_lab(samples: &[[u8; 3]]) -> Option<Lab> {
    (samples.len() >= 50).then(|| median(samples.iter().map(|&rgb| lab_of(rgb))))
}

/// The channel-by-channel median of CIELAB colours (at least one).
fn median(colours: impl Iterator<Item = Lab>) -> Lab {
    let mut channels: [Vec<f32>; 3] = Default::default();
    for lab in colours {
        for (channel, value) in channels.iter_mut().zip([lab.l, lab.a, lab.b]) {
            channel.push(value);
        }
    }
    let [l, a, b] = channels.map(|mut c| {
        let middle = c.len() / 2;
        *c.select_nth_unstable_by(middle, f32::total_cmp).1
    });
    Lab::new(l, a, b)
}

/// Hair is sampled every this many pixels across and down.
const HAIR_STEP: u32 = 2;

/// The hair region: person pixels (surely, not the fringe) above the top of the forehead,
/// less a twentieth of a face width, within 0.6 face widths of the face's centre line,
/// every [`HAIR_STEP`] pixels.
pub(crate) fn hair_region<'a>(
    image: &RgbImage,
    analysis: &'a Analysis,
    face: &FaceDetail,
) -> impl Iterator<Item = (u32, u32)> + 'a {
    let fw = face_width(face);
    let centre = centre_x(face);
    let bottom = ((face.point(FOREHEAD)[1] - fw * 0.05).max(0.0) as u32).min(image.height());
    let left = (centre - fw * 0.6).max(0.0) as u32;
    let right = ((centre + fw * 0.6).max(0.0) as u32).min(image.width());
    (0..bottom)
        .step_by(HAIR_STEP as usize)
        .flat_map(move |y| {
            (left..right)
                .step_by(HAIR_STEP as usize)
                .map(move |x| (x, y))
        })
        .filter(|&(x, y)| analysis.person_mask.get_pixel(x, y)[0] >= SURELY_PERSON)
}

/// The hair's median colour (channel by channel) over [`hair_region`], compared with the
/// cheeks' mean colour `skin`; `None` with fewer than 50 samples or without the cheeks'
/// colour.
fn hair_colour(
    image: &RgbImage,
    analysis: &Analysis,
    face: &FaceDetail,
    skin: Option<Lab>,
) -> Option<HairColour> {
    let samples: Vec<[u8; 3]> = hair_region(image, analysis, face)
        .map(|(x, y)| image.get_pixel(x, y).0)
        .collect();
    let hair = median_lab(&samples)?;
    Some(HairColour {
        lab: hair,
        from_skin: delta_e(hair, skin?),
    })
}

/// Bands beside the cheeks are sampled on a grid of this many points each way.
const BAND_GRID: usize = 8;

/// A band beside each cheek point of the face outline, along the face's own axes (so a
/// tilted head is followed): from the outline out to `out` face widths, and from `from` to
/// `to` face widths below the cheek point. The grid points of the subject's right band,
/// then the left.
fn cheek_bands(face: &FaceDetail, out: f32, from: f32, to: f32) -> [Vec<[f32; 2]>; 2] {
    let step = 1.0 / (BAND_GRID - 1) as f32;
    [(RIGHT_CHEEK, -1.0), (LEFT_CHEEK, 1.0)].map(|(cheek, outward)| {
        let to_image = face_frame(face, face.point(cheek), outward);
        let mut points = Vec::with_capacity(BAND_GRID * BAND_GRID);
        for i in 0..BAND_GRID {
            for j in 0..BAND_GRID {
                let (i, j) = (i as f32 * step, j as f32 * step);
                points.push(to_image([out * i, from + (to - from) * j]));
            }
        }
        points
    })
}

/// Where each ear should show: from the outline out to a tenth of the face's width, and from
/// the cheek point down three tenths of it.
pub fn ear_bands(face: &FaceDetail) -> [Vec<[f32; 2]>; 2] {
    cheek_bands(face, 0.1, 0.0, 0.3)
}

/// Where long hair falls past the jaw: from the outline out to 0.15 face widths, from 0.35
/// to 0.75 face widths below the cheek point (below the ear lobes, down to about the chin).
/// Short hair leaves these bands to the background or the neck.
pub fn jaw_bands(face: &FaceDetail) -> [Vec<[f32; 2]>; 2] {
    cheek_bands(face, 0.15, 0.35, 0.75)
}

/// What a band of points holds: how many lie inside the photo, how many of those are
/// person, and how many of the person points have the hair's colour.
struct BandHair {
    inside: usize,
    person: usize,
    hairy: usize,
}

/// Counts a band's points; a person point within `near` (CIEDE2000) of `hair` is hair.
fn band_hair(
    image: &RgbImage,
    analysis: &Analysis,
    band: &[[f32; 2]],
    hair: Lab,
    near: f64,
) -> BandHair {
    let (w, h) = image.dimensions();
    let is_hair = within(hair, near);
    let mut count = BandHair {
        inside: 0,
        person: 0,
        hairy: 0,
    };
    for &[x, y] in band {
        if x < 0.0 || y < 0.0 || x >= w as f32 || y >= h as f32 {
            continue;
        }
        count.inside += 1;
        let (x, y) = (x as u32, y as u32);
        if analysis.person_mask.get_pixel(x, y)[0] < PERSON {
            continue;
        }
        count.person += 1;
        if is_hair.get(image.get_pixel(x, y).0) {
            count.hairy += 1;
        }
    }
    count
}

/// The larger share, over the two jaw bands, of their points inside the photo that are
/// person in the hair's colour; `None` when half of a band's points leave the photo.
fn long_hair(
    image: &RgbImage,
    analysis: &Analysis,
    face: &FaceDetail,
    hair: Lab,
    near: f64,
) -> Option<f64> {
    larger_band_share(
        image,
        analysis,
        jaw_bands(face),
        hair,
        near,
        |count, points| {
            (count.inside * 2 >= points).then(|| count.hairy as f64 / count.inside as f64)
        },
    )
}

/// The larger share, over the two ear bands, of person points in the hair's colour; `None`
/// when a band leaves the photo or holds fewer than a quarter of its points on the person.
fn ear_hair(
    image: &RgbImage,
    analysis: &Analysis,
    face: &FaceDetail,
    hair: Lab,
    near: f64,
) -> Option<f64> {
    larger_band_share(
        image,
        analysis,
        ear_bands(face),
        hair,
        near,
        |count, points| {
            (count.inside == points && count.person * 4 >= points)
                .then(|| count.hairy as f64 / count.person as f64)
        },
    )
}

/// The larger of the two bands' shares, each read by `share` from the band's count and its
/// number of points; `None` when `share` gives none for either band.
fn larger_band_share(
    image: &RgbImage,
    analysis: &Analysis,
    bands: [Vec<[f32; 2]>; 2],
    hair: Lab,
    near: f64,
    share: impl Fn(&BandHair, usize) -> Option<f64>,
) -> Option<f64> {
    let mut larger = 0.0f64;
    for band in bands {
        let count = band_hair(image, analysis, &band, hair, near);
        larger = larger.max(share(&count, band.len())?);
    }
    Some(larger)
}

/// CIEDE2000 distance to the cheeks' colour within which a pixel can be bare skin.
const SKIN_NEAR: f64 = 10.0;

/// Least chroma of bare skin, as a share of the cheeks' chroma: cream and white cloth come
/// close to pale skin in ΔE but are far greyer (a cream blouse on the dev photos: chroma 6
/// against the child's cheeks' 19).
const SKIN_CHROMA_SHARE: f64 = 0.6;

/// Whether a colour is bare skin like the face's (`skin`: the cheeks' colour), per colour.
fn skin_like(skin: Lab) -> ColourMemo<bool, impl Fn([u8; 3]) -> bool> {
    ColourMemo::new(move |rgb| {
        let lab = lab_of(rgb);
        delta_e(lab, skin) <= SKIN_NEAR && chroma(lab) >= SKIN_CHROMA_SHARE * chroma(skin)
    })
}

/// Whether a colour lies within `limit` (CIEDE2000) of `reference`, per colour.
fn within(reference: Lab, limit: f64) -> ColourMemo<bool, impl Fn([u8; 3]) -> bool> {
    ColourMemo::new(move |rgb| delta_e(lab_of(rgb), reference) <= limit)
}

/// The median colour of the clothing on the outer shoulders and upper arms (1.05–1.6 face
/// widths from the face's centre line, from the chin down 1.2 face widths), where even long
/// hair does not hang; bare skin (like the cheeks' colour `skin`) left out. `None` with
/// fewer than 50 samples (a tight crop).
fn outer_shoulder_colour(
    image: &RgbImage,
    face: &FaceDetail,
    clothing: &ClothingRegion,
    skin: Lab,
) -> Option<Lab> {
    let (fw, centre, chin) = (face_width(face), centre_x(face), face.point(CHIN)[1]);
    let bottom = chin + 1.2 * fw;
    let is_skin = skin_like(skin);
    let cloth: Vec<[u8; 3]> = clothing
        .samples_where(image, |x, y| {
            let out = (x - centre).abs();
            (1.05 * fw..=1.6 * fw).contains(&out) && y <= bottom
        })
        .into_iter()
        .filter(|&rgb| !is_skin.get(rgb))
        .collect();
    median_lab(&cloth)
}

/// Where long hair lies when it hangs in front of the shoulders: beside the neck, from the
/// chin down 0.6 face widths, from 0.45 to 1.0 face widths either side of the face's centre
/// line (the neck and the jaw stay out). The image's left then right rectangle as
/// `[left, top, right, bottom]` in pixels, possibly reaching outside the photo.
pub fn shoulder_fronts(face: &FaceDetail) -> [[f32; 4]; 2] {
    let (fw, centre, chin) = (face_width(face), centre_x(face), face.point(CHIN)[1]);
    let (bottom, inner, outer) = (chin + 0.6 * fw, 0.45 * fw, 1.0 * fw);
    [
        [centre - outer, chin, centre - inner, bottom],
        [centre + inner, chin, centre + outer, bottom],
    ]
}

/// The share of the person in front of the shoulders ([`shoulder_fronts`]) within `near` of
/// the hair's colour; `None` when fewer than a quarter of the sampled points are on the
/// person inside the photo.
fn hair_in_front(
    image: &RgbImage,
    analysis: &Analysis,
    face: &FaceDetail,
    hair: Lab,
    near: f64,
) -> Option<f64> {
    let is_hair = within(hair, near);
    let (mut points, mut person, mut hairy) = (0usize, 0usize, 0usize);
    for [left, top, right, bottom] in shoulder_fronts(face) {
        let mut y = top;
        while y < bottom {
            let mut x = left;
            while x < right {
                points += 1;
                if surely_person(analysis, x, y) {
                    person += 1;
                    if is_hair.get(image.get_pixel(x as u32, y as u32).0) {
                        hairy += 1;
                    }
                }
                x += CLOTHING_STEP as f32;
            }
            y += CLOTHING_STEP as f32;
        }
    }
    (person * 4 >= points && person > 0).then(|| hairy as f64 / person as f64)
}

/// Where the shoulders are sampled, as fractions of the widest offset from the face's
/// centre line that fits in the photo on both sides.
const SHOULDER_COLUMNS: [f32; 3] = [0.8, 0.9, 1.0];

/// CIEDE2000 distance to the background's colour within which a pixel is background.
const BACKGROUND_NEAR: f64 = 20.0;

/// The top of the person (mask) below the chin along lines symmetric about the face's
/// centre line, as far out as the photo allows, taken in the face's own frame (so that a
/// photo turned as a whole reads exactly its turn): from the chin's level on the centre
/// line, out along the face's across axis, then down its down axis to the first person
/// pixel. The image's left side's three points, then the right side's. A line that leaves
/// the photo with no person counts as its exit point (that shoulder is out of the frame)
/// when the last pixel has the `background` colour; otherwise the mask has missed clothing
/// there and the shoulders are not read (`None`). `None` too when the widest offset that
/// fits is under 0.7 face widths: only the neck shows.
pub fn shoulder_points(
    image: &RgbImage,
    analysis: &Analysis,
    face: &FaceDetail,
    background: Option<Lab>,
) -> Option<[[f32; 2]; 6]> {
    let mask = &analysis.person_mask;
    let (w, h) = (mask.width() as f32, mask.height() as f32);
    let (across, down) = face_axes(face);
    let (right, left, chin) = (
        face.point(RIGHT_CHEEK),
        face.point(LEFT_CHEEK),
        face.point(CHIN),
    );
    let middle = [(right[0] + left[0]) / 2.0, (right[1] + left[1]) / 2.0];
    let chin_depth = (chin[0] - middle[0]) * down[0] + (chin[1] - middle[1]) * down[1];
    let origin = [
        middle[0] + chin_depth * down[0],
        middle[1] + chin_depth * down[1],
    ];
    let reach = origin[0].min(w - 1.0 - origin[0]) * 0.95;
    if reach < 0.7 * face_width(face) {
        return None;
    }
    let inside = |p: [f32; 2]| p[0] >= 0.0 && p[1] >= 0.0 && p[0] < w && p[1] < h;
    let top = |offset: f32| {
        let start = [
            origin[0] + offset * across[0],
            origin[1] + offset * across[1],
        ];
        let mut last = None;
        // A unit step along a unit axis leaves the photo within its width plus height.
        for step in 0..(w + h) as usize {
            let p = [
                start[0] + step as f32 * down[0],
                start[1] + step as f32 * down[1],
            ];
            if !inside(p) {
                break;
            }
            if mask.get_pixel(p[0] as u32, p[1] as u32)[0] >= PERSON {
                return Some(p);
            }
            last = Some(p);
        }
        let last = last?;
        let colour = lab_of(image.get_pixel(last[0] as u32, last[1] as u32).0);
        background.filter(|&bg| delta_e(colour, bg) <= BACKGROUND_NEAR)?;
        Some(last)
    };
    let mut points = [[0.0; 2]; 6];
    for (i, k) in SHOULDER_COLUMNS.iter().enumerate() {
        points[i] = top(-k * reach)?;
        points[i + 3] = top(k * reach)?;
    }
    Some(points)
}

/// The share of bare skin on the shoulders: in a patch below the outermost shoulder point of
/// each side (0.1 face widths wide, from 0.03 to 0.25 face widths below the person's top),
/// the person pixels that look like the cheeks' colour `skin`. `None` with fewer than 30
/// such pixels (shoulders out of the frame).
fn bare_shoulders(
    image: &RgbImage,
    analysis: &Analysis,
    face: &FaceDetail,
    points: &[[f32; 2]; 6],
    skin: Lab,
) -> Option<f64> {
    let fw = face_width(face);
    let (w, h) = image.dimensions();
    let is_skin = skin_like(skin);
    let (mut person, mut bare) = (0usize, 0usize);
    // The outermost point of each side: the inner ones can meet the neck on a tilted body.
    for [px, py] in [points[2], points[5]] {
        let (x0, x1) = (
            (px - 0.05 * fw).max(0.0) as u32,
            ((px + 0.05 * fw) as u32).min(w),
        );
        let (y0, y1) = ((py + 0.03 * fw) as u32, ((py + 0.25 * fw) as u32).min(h));
        for y in (y0..y1).step_by(HAIR_STEP as usize) {
            for x in (x0..x1).step_by(HAIR_STEP as usize) {
                if analysis.person_mask.get_pixel(x, y)[0] < SURELY_PERSON {
                    continue;
                }
                person += 1;
                if is_skin.get(image.get_pixel(x, y).0) {
                    bare += 1;
                }
            }
        }
    }
    (person >= 30).then(|| bare as f64 / person as f64)
}

/// Angle in degrees of the line through the mean of each side's shoulder points.
fn shoulder_tilt(points: &[[f32; 2]; 6]) -> f64 {
    let mean = |side: &[[f32; 2]]| {
        let n = side.len() as f32;
        [
            side.iter().map(|p| p[0]).sum::<f32>() / n,
            side.iter().map(|p| p[1]).sum::<f32>() / n,
        ]
    };
    let (left, right) = (mean(&points[..3]), mean(&points[3..]));
    ((right[1] - left[1]) as f64)
        .atan2((right[0] - left[0]) as f64)
        .to_degrees()
}

/// Mean colour of the two cheeks (squares a tenth of the face wide); `None` when a cheek
/// lies outside the photo.
fn skin_colour(image: &RgbImage, face: &FaceDetail) -> Option<Lab> {
    let half = (face_width(face) * 0.05).max(1.0);
    let (mut sum, mut n) = ([0.0f32; 3], 0.0f32);
    for cheek in CHEEKS {
        let [cx, cy] = face.point(cheek);
        let (x0, y0, x1, y1) = (cx - half, cy - half, cx + half, cy + half);
        if x0 < 0.0 || y0 < 0.0 || x1 > image.width() as f32 || y1 > image.height() as f32 {
            return None;
        }
        for y in y0 as u32..y1 as u32 {
            for x in x0 as u32..x1 as u32 {
                let lab = lab_of(image.get_pixel(x, y).0);
                sum[0] += lab.l;
                sum[1] += lab.a;
                sum[2] += lab.b;
                n += 1.0;
            }
        }
    }
    Some(Lab::new(sum[0] / n, sum[1] / n, sum[2] / n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Luma, Rgb};

    /// A 480×640 photo: the person (mask) everywhere below row 60, cheeks at rows 300–340
    /// in `skin`, everything above the forehead (row 200) in `hair`.
    fn photo(hair: [u8; 3], skin: [u8; 3]) -> (RgbImage, Analysis) {
        let mut analysis = crate::rules::test_support::test_analysis();
        let main = analysis.main.as_mut().unwrap();
        main.mesh[RIGHT_CHEEK] = [160.0, 300.0, 0.0];
        main.mesh[LEFT_CHEEK] = [320.0, 300.0, 0.0];
        main.mesh[FOREHEAD] = [240.0, 200.0, 0.0];
        main.mesh[CHEEKS[0]] = [190.0, 320.0, 0.0];
        main.mesh[CHEEKS[1]] = [290.0, 320.0, 0.0];
        let image = RgbImage::from_fn(480, 640, |_, y| Rgb(if y < 200 { hair } else { skin }));
        for y in 60..640 {
            for x in 0..480 {
                analysis.person_mask.put_pixel(x, y, Luma([255]));
            }
        }
        (image, analysis)
    }

    #[test]
    fn light_blues_and_aquas_are_blue_clothing_and_navy_white_and_grey_are_not() {
        let spec = &crate::profile::Profile::default()
            .rules
            .clothing_not_blue
            .params;
        for blue in [
            [100, 197, 255],
            [150, 215, 210],
            [150, 160, 180],
            [40, 90, 200],
        ] {
            assert!(is_blue_clothing(spec, blue), "{blue:?} is blue");
        }
        for other in [[20, 30, 70], [235, 240, 248], [60, 60, 60], [200, 40, 40]] {
            assert!(!is_blue_clothing(spec, other), "{other:?} is not blue");
        }
    }

    #[test]
    fn flat_backdrop_the_mask_claims_is_not_clothing_but_blue_clothing_is() {
        let backdrop = [67, 142, 219];
        let mut analysis = crate::rules::test_support::test_analysis();
        // Backdrop above row 400, dark clothing below it; the mask claims all of it as
        // person, including a backdrop-coloured corner (what rotating a photo leaves).
        let mut image = RgbImage::from_fn(480, 640, |_, y| {
            Rgb(if y < 400 { backdrop } else { [60, 60, 60] })
        });
        for y in 400..640 {
            for x in 0..480 {
                analysis.person_mask.put_pixel(x, y, Luma([255]));
                if x + y > 900 {
                    image.put_pixel(x, y, Rgb(backdrop));
                }
            }
        }
        let face = analysis.main.clone().unwrap();
        let background = Background {
            median: lab_of(backdrop),
            median_rgb: backdrop,
            spread: 0.0,
            gradient: 0.0,
            samples: 1000,
        };
        let spec = &crate::profile::Profile::default()
            .rules
            .clothing_not_blue
            .params;
        let share = |image: &RgbImage, background: Option<&Background>| {
            let region = ClothingRegion::new(image, &analysis, &face, background);
            clothing_blue(image, &region.samples(image), spec).unwrap()
        };
        assert!(
            share(&image, None) > 0.1,
            "without a backdrop the corner reads as blue"
        );
        assert_eq!(share(&image, Some(&background)), 0.0);

        // A blue garment of another blue, reaching the frame's bottom edge, still counts.
        for y in 560..640 {
            for x in 50..250 {
                image.put_pixel(x, y, Rgb([40, 90, 200]));
            }
        }
        assert!(share(&image, Some(&background)) > 0.1);
    }

    #[test]
    fn long_hair_in_front_of_the_shoulders_is_measured_against_the_outer_shoulders() {
        let (black, skin, white) = ([25, 20, 20], [205, 160, 130], [235, 235, 235]);
        let (mut image, mut analysis) = photo(black, skin);
        analysis.main.as_mut().unwrap().mesh[CHIN] = [240.0, 420.0, 0.0];
        let face = analysis.main.clone().unwrap();
        let fronts = shoulder_fronts(&face);
        let in_front = |x: u32, y: u32| {
            let (x, y) = (x as f32, y as f32);
            fronts
                .iter()
                .any(|r| x >= r[0] && x < r[2] && y >= r[1] && y < r[3])
        };
        let mut paint = |long_hair: bool| {
            for y in 420..640 {
                for x in 0..480 {
                    let hair = long_hair && in_front(x, y);
                    image.put_pixel(x, y, Rgb(if hair { black } else { white }));
                }
            }
            let clothing = ClothingRegion::new(&image, &analysis, &face, None);
            let hair = lab_of(black);
            (
                hair_in_front(&image, &analysis, &face, hair, 10.0).unwrap(),
                outer_shoulder_colour(
                    &image,
                    &face,
                    &clothing,
                    skin_colour(&image, &face).unwrap(),
                )
                .map(|c| delta_e(c, hair)),
            )
        };
        let (long, outer) = paint(true);
        assert!(long > 0.95, "{long}");
        assert!(
            outer.unwrap() > 40.0,
            "white clothing is far from black hair"
        );
        let (short, _) = paint(false);
        assert!(short < 0.01, "{short}");
    }

    #[test]
    fn skin_below_the_shoulder_line_is_bare_and_beige_cloth_is_not() {
        let skin = [205, 160, 130];
        let (mut image, analysis) = photo([25, 20, 20], skin);
        let face = analysis.main.clone().unwrap();
        let points = [
            [40.0, 450.0],
            [50.0, 450.0],
            [60.0, 450.0],
            [420.0, 450.0],
            [430.0, 450.0],
            [440.0, 450.0],
        ];
        let mut dress = |cloth: [u8; 3]| {
            for y in 450..640 {
                for x in 0..480 {
                    image.put_pixel(x, y, Rgb(cloth));
                }
            }
            bare_shoulders(
                &image,
                &analysis,
                &face,
                &points,
                skin_colour(&image, &face).unwrap(),
            )
            .unwrap()
        };
        assert!(dress(skin) > 0.99, "a strap top's bare shoulders");
        // Within ΔE 10 of the skin but far greyer: cloth, not skin.
        assert_eq!(dress([190, 168, 150]), 0.0);
        assert_eq!(dress([40, 40, 60]), 0.0);
    }

    #[test]
    fn hair_colour_is_read_above_the_forehead_and_compared_with_the_cheeks() {
        let skin = [205, 160, 130];
        let (image, analysis) = photo([230, 40, 160], skin);
        let hair = hair_colour(
            &image,
            &analysis,
            analysis.main.as_ref().unwrap(),
            skin_colour(&image, analysis.main.as_ref().unwrap()),
        )
        .unwrap();
        let pink = lab_of([230, 40, 160]);
        assert!((hair.chroma() - chroma(pink)).abs() < 0.01, "{hair:?}");
        assert!((hair.hue() - hue_degrees(pink)).abs() < 0.01);
        assert!(hair.from_skin > 30.0);

        let (image, analysis) = photo(skin, skin);
        let bald = hair_colour(
            &image,
            &analysis,
            analysis.main.as_ref().unwrap(),
            skin_colour(&image, analysis.main.as_ref().unwrap()),
        )
        .unwrap();
        assert!(bald.from_skin < 0.01, "a bare scalp is the face's colour");
    }

    #[test]
    fn hair_over_one_ear_band_is_measured_and_bare_bands_are_not() {
        let (black, skin) = ([25, 20, 20], [205, 160, 130]);
        let (mut image, analysis) = photo(black, skin);
        let face = analysis.main.as_ref().unwrap();
        let hair = hair_colour(&image, &analysis, face, skin_colour(&image, face))
            .unwrap()
            .lab;
        assert_eq!(ear_hair(&image, &analysis, face, hair, 10.0), Some(0.0));
        // Hair hanging over the subject's right ear: left of the cheek point (160, 300),
        // a tenth of the face (16 px) out and three tenths (48 px) down.
        for y in 296..352 {
            for x in 140..163 {
                image.put_pixel(x, y, Rgb(black));
            }
        }
        assert_eq!(ear_hair(&image, &analysis, face, hair, 10.0), Some(1.0));
    }

    #[test]
    fn a_tilted_shoulder_line_is_measured_and_a_level_one_is_not() {
        // Person below a shoulder line through (240, y0) with the given slope; the face
        // (cheeks 160–320, chin at 300 from test_analysis' mesh) is centred.
        let shoulders = |slope: f32| {
            let (image, mut analysis) = photo([20, 20, 20], [205, 160, 130]);
            let main = analysis.main.as_mut().unwrap();
            main.mesh[CHIN] = [240.0, 380.0, 0.0];
            for y in 0..640 {
                for x in 0..480 {
                    let line = 500.0 + slope * (x as f32 - 240.0);
                    let v = if (y as f32) >= line { 255 } else { 0 };
                    analysis.person_mask.put_pixel(x, y, Luma([v]));
                }
            }
            let face = analysis.main.as_ref().unwrap();
            shoulder_points(&image, &analysis, face, None).map(|p| shoulder_tilt(&p))
        };
        assert!(shoulders(0.0).unwrap().abs() < 0.5);
        let tilted = shoulders(10f32.to_radians().tan()).unwrap();
        assert!((tilted - 10.0).abs() < 0.5, "{tilted}");
    }

    #[test]
    fn a_photo_turned_as_a_whole_reads_its_turn_on_sloping_shoulders() {
        // Shoulders sloping 0.5 down from a neck 60 px either side of x = 240, the face
        // above; the whole photo turned by `degrees` about (240, 400).
        let turned = |degrees: f32| {
            let (image, mut analysis) = photo([20, 20, 20], [205, 160, 130]);
            let (sin, cos) = degrees.to_radians().sin_cos();
            let turn = |[x, y]: [f32; 2]| {
                let (dx, dy) = (x - 240.0, y - 400.0);
                [240.0 + dx * cos - dy * sin, 400.0 + dx * sin + dy * cos]
            };
            let main = analysis.main.as_mut().unwrap();
            for (i, p) in [
                (RIGHT_CHEEK, [160.0, 300.0]),
                (LEFT_CHEEK, [320.0, 300.0]),
                (CHIN, [240.0, 380.0]),
            ] {
                let [x, y] = turn(p);
                main.mesh[i] = [x, y, 0.0];
            }
            for y in 0..640 {
                for x in 0..480 {
                    // Where this pixel was before the turn.
                    let (dx, dy) = (x as f32 - 240.0, y as f32 - 400.0);
                    let (ox, oy) = (dx * cos + dy * sin, -dx * sin + dy * cos);
                    let top = 420.0 + 0.5 * (ox.abs() - 60.0).max(0.0);
                    let v = if oy + 400.0 >= top { 255 } else { 0 };
                    analysis.person_mask.put_pixel(x, y, Luma([v]));
                }
            }
            let face = analysis.main.as_ref().unwrap();
            shoulder_tilt(&shoulder_points(&image, &analysis, face, None).unwrap())
        };
        assert!(turned(0.0).abs() < 0.5);
        for degrees in [-5.0, 5.0, 10.0] {
            let tilt = turned(degrees);
            assert!(
                (tilt - degrees as f64).abs() < 1.0,
                "turned {degrees}°: {tilt}"
            );
        }
    }

    #[test]
    fn shoulders_are_not_measured_when_the_frame_holds_only_the_neck() {
        let (image, mut analysis) = photo([20, 20, 20], [205, 160, 130]);
        // A face 360 px wide, centred in a 480 px frame: 0.7 face widths (252 px) beside
        // its centre do not fit in the 227 px the frame allows.
        let main = analysis.main.as_mut().unwrap();
        main.mesh[RIGHT_CHEEK] = [60.0, 300.0, 0.0];
        main.mesh[LEFT_CHEEK] = [420.0, 300.0, 0.0];
        let face = analysis.main.as_ref().unwrap();
        assert_eq!(shoulder_points(&image, &analysis, face, None), None);
    }

    #[test]
    fn a_shoulder_the_mask_misses_is_not_read_as_out_of_the_frame() {
        // Person only on the image's left half below row 500; the right half below it is
        // orange clothing the mask missed, or the grey backdrop.
        let (mut image, mut analysis) = photo([20, 20, 20], [205, 160, 130]);
        analysis.main.as_mut().unwrap().mesh[CHIN] = [240.0, 380.0, 0.0];
        let backdrop = [200, 200, 200];
        for y in 0..640 {
            for x in 0..480 {
                let person = x < 240 && y >= 500;
                analysis
                    .person_mask
                    .put_pixel(x, y, Luma([if person { 255 } else { 0 }]));
                if x >= 240 && y >= 380 {
                    image.put_pixel(x, y, Rgb(if y >= 500 { [230, 110, 30] } else { backdrop }));
                }
            }
        }
        let bg = Some(lab_of(backdrop));
        let face = analysis.main.as_ref().unwrap();
        assert_eq!(shoulder_points(&image, &analysis, face, bg), None);
        // With the backdrop at the bottom instead, that shoulder is out of the frame.
        for y in 500..640 {
            for x in 240..480 {
                image.put_pixel(x, y, Rgb(backdrop));
            }
        }
        let points = shoulder_points(&image, &analysis, face, bg).unwrap();
        assert_eq!(points[3][1], 639.0, "the photo's last row");
        assert!(shoulder_tilt(&points) > 8.0);
    }

    #[test]
    fn no_hair_is_measured_when_none_is_person() {
        let (image, mut analysis) = photo([20, 20, 20], [205, 160, 130]);
        for y in 0..200 {
            for x in 0..480 {
                analysis.person_mask.put_pixel(x, y, Luma([0]));
            }
        }
        assert_eq!(
            hair_colour(
                &image,
                &analysis,
                analysis.main.as_ref().unwrap(),
                skin_colour(&image, analysis.main.as_ref().unwrap())
            ),
            None
        );
    }
}
