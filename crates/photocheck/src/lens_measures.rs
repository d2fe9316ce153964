//! Measurements of the region glasses cover around each eye, placed from the mesh's eye
//! outline: a lens's lower rim, a frame's arm across the temple and dark lenses, which
//! `glasses.none` finds glasses by, and
//! tinted lenses and glare, which `glasses.clear` judges where a profile allows glasses.

use crate::analysis::{FaceDetail, Point};
use crate::face_measures::mesh;
use crate::measure::{delta_e, lab_of};
use image::{GrayImage, RgbImage};

/// Mesh points along each eye's lids, outer corner to inner corner (MediaPipe FaceMesh).
const RIGHT_UPPER_LID: [usize; 9] = [33, 246, 161, 160, 159, 158, 157, 173, 133];
const RIGHT_LOWER_LID: [usize; 9] = [33, 7, 163, 144, 145, 153, 154, 155, 133];
const LEFT_UPPER_LID: [usize; 9] = [263, 466, 388, 387, 386, 385, 384, 398, 362];
const LEFT_LOWER_LID: [usize; 9] = [263, 249, 390, 373, 374, 380, 381, 382, 362];

/// A lens around an eye: half its width and half its height, in eye widths (corner to
/// corner). Ordinary lenses reach about 0.85 eye widths either side of the eye's middle and
/// 0.6 above and below it.
const LENS_HALF_WIDTH: f64 = 0.85;
const LENS_HALF_HEIGHT: f64 = 0.6;
/// The skin a tint darkens: below the lower lid, 0.2–0.45 eye widths, over the middle half
/// of the eye (lashes and the lid's shadow lie nearer; the lens's lower rim further down).
const UNDER_EYE: (f64, f64) = (0.2, 0.45);
/// Around the eye opening, in eye widths, left out of the glare (the white of the eye and
/// its catch-lights are not glare).
const EYE_MARGIN: f64 = 0.12;
/// A glare pixel: at least this grey, and this much brighter than the cheeks.
const GLARE_GREY: u8 = 235;
const GLARE_ABOVE_CHEEKS: f64 = 40.0;
/// What `glasses.clear` judges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lenses {
    /// CIEDE2000 distance between the skin under the eyes (behind a lens) and the cheeks
    /// below the lenses, the larger of the two eyes: a tint darkens or colours the skin.
    pub tint: f64,
    /// Share of the lens regions (less the eye openings) in blown-out highlights.
    pub glare: f64,
    /// The sharpest step in brightness below each eye where a lens's lower rim lies (the
    /// median over the eye's middle columns) over the cheeks' brightness, the mean of the two
    /// eyes: a rim, or a dark lens's edge, is a sharp step; skin below the eye shades gently.
    pub rim_step: f64,
    /// Mean grey of the lens regions (less the eye openings) over the cheeks' grey: dark
    /// lenses make it low.
    pub shade: f64,
    /// The sharpest step in brightness beside each eye's outer corner, where a frame's arm
    /// runs to the ear (the median over the band's columns), over the cheeks' brightness,
    /// the larger of the two sides: an arm is a thin line across the temple's plain skin.
    pub temple_step: f64,
}

/// One eye's outline: its outer and inner corner, and the lids' points ordered by column
/// for reading a lid's height.
struct EyeOutline {
    corners: (Point, Point),
    upper_by_x: Vec<Point>,
    lower_by_x: Vec<Point>,
}

impl EyeOutline {
    fn of(face: &FaceDetail, upper: &[usize], lower: &[usize]) -> EyeOutline {
        let points = |ids: &[usize]| -> Vec<Point> { ids.iter().map(|&i| face.point(i)).collect() };
        let by_x = |mut line: Vec<Point>| {
            line.sort_by(|a, b| a[0].total_cmp(&b[0]));
            line
        };
        EyeOutline {
            corners: (face.point(upper[0]), face.point(upper[upper.len() - 1])),
            upper_by_x: by_x(points(upper)),
            lower_by_x: by_x(points(lower)),
        }
    }

    fn width(&self) -> f64 {
        let (a, b) = self.corners;
        ((a[0] - b[0]) as f64).hypot((a[1] - b[1]) as f64)
    }

    fn middle(&self) -> Point {
        let (a, b) = self.corners;
        [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
    }

    /// The columns the eye spans, left to right.
    fn x_range(&self) -> (f64, f64) {
        let (a, b) = self.corners;
        (a[0].min(b[0]) as f64, a[0].max(b[0]) as f64)
    }

    /// The upper and lower lid's height at column `x` (inside the corners).
    fn lids_at(&self, x: f64) -> (f64, f64) {
        (along(&self.upper_by_x, x), along(&self.lower_by_x, x))
    }
}

/// The height of a polyline whose points are ordered by column at column `x`, linearly
/// between its points (clamped at its ends).
fn along(sorted: &[Point], x: f64) -> f64 {
    let first = sorted[0];
    let last = sorted[sorted.len() - 1];
    if x <= first[0] as f64 {
        return first[1] as f64;
    }
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if x <= b[0] as f64 {
            let span = (b[0] - a[0]) as f64;
            let t = if span > 0.0 {
                (x - a[0] as f64) / span
            } else {
                0.0
            };
            return a[1] as f64 + t * (b[1] - a[1]) as f64;
        }
    }
    last[1] as f64
}

fn inside(image_w: u32, image_h: u32, x: i64, y: i64) -> bool {
    x >= 0 && y >= 0 && (x as u32) < image_w && (y as u32) < image_h
}

/// Mean colour of the pixels at `points` inside the image; `None` when none is.
fn mean_rgb(image: &RgbImage, points: impl Iterator<Item = (i64, i64)>) -> Option<[u8; 3]> {
    let (mut n, mut sum) = (0.0, [0.0f64; 3]);
    for (x, y) in points {
        if inside(image.width(), image.height(), x, y) {
            let p = image.get_pixel(x as u32, y as u32).0;
            for c in 0..3 {
                sum[c] += p[c] as f64;
            }
            n += 1.0;
        }
    }
    (n > 0.0).then(|| sum.map(|s| (s / n).round() as u8))
}

/// A square of pixels around `centre`.
fn square(centre: Point, radius: i64) -> impl Iterator<Item = (i64, i64)> {
    let (cx, cy) = (centre[0].round() as i64, centre[1].round() as i64);
    (-radius..=radius).flat_map(move |dy| (-radius..=radius).map(move |dx| (cx + dx, cy + dy)))
}

/// Measures the lenses' region around both eyes of `face` on the working copy.
pub fn measure(working: &RgbImage, grey: &GrayImage, face: &FaceDetail) -> Option<Lenses> {
    let eyes = [
        EyeOutline::of(face, &RIGHT_UPPER_LID, &RIGHT_LOWER_LID),
        EyeOutline::of(face, &LEFT_UPPER_LID, &LEFT_LOWER_LID),
    ];
    let eye_width = (eyes[0].width() + eyes[1].width()) / 2.0;
    if eye_width < 4.0 {
        return None;
    }
    let cheek_radius = (eye_width / 6.0).max(2.0) as i64;
    let cheeks = mean_rgb(
        working,
        mesh::CHEEKS
            .iter()
            .flat_map(|&i| square(face.point(i), cheek_radius)),
    )?;
    let cheek_lab = lab_of(cheeks);
    let cheek_grey = 0.299 * cheeks[0] as f64 + 0.587 * cheeks[1] as f64 + 0.114 * cheeks[2] as f64;

    let mut tint: f64 = 0.0;
    let mut rim_step = 0.0;
    let mut temple_step: f64 = 0.0;
    // The face's outline beside each eye, which bounds the temple band.
    let edges = [face.point(mesh::RIGHT_CHEEK), face.point(mesh::LEFT_CHEEK)];
    let (mut lens_pixels, mut glare_pixels, mut lens_grey) = (0usize, 0usize, 0.0);
    for (outline, edge) in eyes.iter().zip(edges) {
        let w = outline.width();
        let (x0, x1) = outline.x_range();
        let under = columns(x0 + (x1 - x0) * 0.25, x0 + (x1 - x0) * 0.75).flat_map(|x| {
            let lower = outline.lids_at(x).1;
            let (top, bottom) = (lower + UNDER_EYE.0 * w, lower + UNDER_EYE.1 * w);
            (top.round() as i64..=bottom.round() as i64).map(move |y| (x.round() as i64, y))
        });
        if let Some(skin) = mean_rgb(working, under) {
            tint = tint.max(delta_e(lab_of(skin), cheek_lab));
        }
        rim_step += lower_rim_step(grey, outline) / cheek_grey.max(1.0) / 2.0;
        temple_step = temple_step.max(temple_arm_step(grey, outline, edge) / cheek_grey.max(1.0));
        let (lens, glare, sum) = lens_region(grey, outline, cheek_grey);
        lens_pixels += lens;
        glare_pixels += glare;
        lens_grey += sum;
    }
    Some(Lenses {
        tint,
        glare: glare_pixels as f64 / lens_pixels.max(1) as f64,
        rim_step,
        shade: lens_grey / lens_pixels.max(1) as f64 / cheek_grey.max(1.0),
        temple_step,
    })
}

/// Where a lens's lower rim lies: RIM_BAND eye widths below the lower lid (lenses reach
/// about LENS_HALF_HEIGHT below the eye's middle).
const RIM_BAND: (f64, f64) = (0.15, 0.9);

/// The largest step in grey (over 0.1 eye widths) down each of the eye's middle columns in
/// the rim's band, the median over the columns.
fn lower_rim_step(grey: &GrayImage, outline: &EyeOutline) -> f64 {
    let w = outline.width();
    let (x0, x1) = outline.x_range();
    let band = |x: i64| {
        let lower = outline.lids_at(x as f64).1;
        ((lower + RIM_BAND.0 * w).round() as i64)..=((lower + RIM_BAND.1 * w).round() as i64)
    };
    let columns = columns(x0 + (x1 - x0) * 0.2, x0 + (x1 - x0) * 0.8).map(|x| x as i64);
    median_largest_step(grey, columns, band, w)
}

/// Where a frame's arm crosses the temple, in eye widths from the eye's outer corner:
/// TEMPLE_COLUMNS outward (the lens's edge lies nearer), TEMPLE_ROWS down (negative: up;
/// the brow's tail lies higher), and at least TEMPLE_MARGIN inside the face's outline
/// (hair, ears and the backdrop lie beyond it).
const TEMPLE_COLUMNS: (f64, f64) = (0.3, 0.7);
const TEMPLE_ROWS: (f64, f64) = (-0.2, 0.3);
const TEMPLE_MARGIN: f64 = 0.1;

/// The largest step in grey (over 0.1 eye widths) down each column of the temple band
/// beside the eye's outer corner (up to the face's outline at `edge`), the median over the
/// columns; 0 when the band has no room (a turned face's far side).
fn temple_arm_step(grey: &GrayImage, outline: &EyeOutline, edge: Point) -> f64 {
    let w = outline.width();
    let (outer, _) = outline.corners;
    let outward = if outer[0] < outline.middle()[0] {
        -1.0
    } else {
        1.0
    };
    let (ox, oy) = (outer[0] as f64, outer[1] as f64);
    let room = (edge[0] as f64 - ox).abs() - TEMPLE_MARGIN * w;
    let rows =
        ((oy + TEMPLE_ROWS.0 * w).round() as i64)..=((oy + TEMPLE_ROWS.1 * w).round() as i64);
    let columns = columns(TEMPLE_COLUMNS.0 * w, (TEMPLE_COLUMNS.1 * w).min(room))
        .map(|d| (ox + outward * d).round() as i64);
    median_largest_step(grey, columns, |_| rows.clone(), w)
}

/// The largest step in grey (over 0.1 eye widths, `eye_width` given) down each of
/// `columns` within its `rows`, the median over the columns; 0 without any.
fn median_largest_step<R: Iterator<Item = i64>>(
    grey: &GrayImage,
    columns: impl Iterator<Item = i64>,
    rows: impl Fn(i64) -> R,
    eye_width: f64,
) -> f64 {
    let step = (0.05 * eye_width).max(1.0).round() as i64;
    let at = |x: i64, y: i64| -> Option<f64> {
        inside(grey.width(), grey.height(), x, y)
            .then(|| grey.get_pixel(x as u32, y as u32)[0] as f64)
    };
    let mut steps: Vec<f64> = columns
        .filter_map(|x| {
            rows(x)
                .filter_map(|y| Some((at(x, y + step)? - at(x, y - step)?).abs()))
                .reduce(f64::max)
        })
        .collect();
    if steps.is_empty() {
        return 0.0;
    }
    let mid = steps.len() / 2;
    *steps.select_nth_unstable_by(mid, f64::total_cmp).1
}

/// The whole-pixel columns from `start` to `end`.
fn columns(start: f64, end: f64) -> impl Iterator<Item = f64> {
    (start.round() as i64..=end.round() as i64).map(|x| x as f64)
}

/// Reads the lens region around one eye (less the eye opening and its margin): how many
/// pixels it holds, how many of them are glare, and the sum of their grey.
fn lens_region(grey: &GrayImage, outline: &EyeOutline, cheek_grey: f64) -> (usize, usize, f64) {
    let w = outline.width();
    let centre = outline.middle();
    let (half_w, half_h) = (LENS_HALF_WIDTH * w, LENS_HALF_HEIGHT * w);
    let (x0, x1) = outline.x_range();
    let margin = EYE_MARGIN * w;
    let (mut lens, mut glare, mut sum) = (0, 0, 0.0);
    let (cx, cy) = (centre[0] as f64, centre[1] as f64);
    for y in (cy - half_h).floor() as i64..=(cy + half_h).ceil() as i64 {
        for x in (cx - half_w).floor() as i64..=(cx + half_w).ceil() as i64 {
            let (dx, dy) = ((x as f64 - cx) / half_w, (y as f64 - cy) / half_h);
            if dx * dx + dy * dy > 1.0 || !inside(grey.width(), grey.height(), x, y) {
                continue;
            }
            let xf = x as f64;
            if (x0 - margin..=x1 + margin).contains(&xf) {
                let (upper, lower) = outline.lids_at(xf.clamp(x0, x1));
                if (upper - margin..=lower + margin).contains(&(y as f64)) {
                    continue;
                }
            }
            lens += 1;
            let g = grey.get_pixel(x as u32, y as u32)[0];
            sum += g as f64;
            if g >= GLARE_GREY && g as f64 >= cheek_grey + GLARE_ABOVE_CHEEKS {
                glare += 1;
            }
        }
    }
    (lens, glare, sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An eye 40 px wide at row 40 on a flat grey face.
    fn flat_eye() -> (GrayImage, EyeOutline) {
        let outline = EyeOutline {
            corners: ([30.0, 40.0], [70.0, 40.0]),
            upper_by_x: vec![[30.0, 40.0], [50.0, 37.0], [70.0, 40.0]],
            lower_by_x: vec![[30.0, 40.0], [50.0, 43.0], [70.0, 40.0]],
        };
        (GrayImage::from_pixel(100, 100, image::Luma([150])), outline)
    }

    #[test]
    fn a_rim_below_the_eye_is_a_sharp_step_and_shading_is_not() {
        let (flat, outline) = flat_eye();
        assert_eq!(lower_rim_step(&flat, &outline), 0.0);
        // Skin darkening by one grey level a row: a step of twice the 2 px reach.
        let mut shaded = flat.clone();
        for (_, y, p) in shaded.enumerate_pixels_mut() {
            p.0 = [(200 - y) as u8];
        }
        assert_eq!(lower_rim_step(&shaded, &outline), 4.0);
        // A dark frame line half an eye width below the lids.
        let mut rimmed = flat;
        for x in 0..100 {
            for y in 62..64 {
                rimmed.put_pixel(x, y, image::Luma([40]));
            }
        }
        assert_eq!(lower_rim_step(&rimmed, &outline), 110.0);
    }

    #[test]
    fn an_arm_across_the_temple_is_a_sharp_step_and_a_line_past_the_face_is_not() {
        // The right eye's outer corner is at x 30: the temple band runs 12–28 px left of it,
        // rows 32–52, up to 4 px inside the face's outline.
        let (flat, outline) = flat_eye();
        let outline_at = |x: f32| [x, 45.0];
        assert_eq!(temple_arm_step(&flat, &outline, outline_at(0.0)), 0.0);
        let mut armed = flat.clone();
        for x in 0..30 {
            for y in 41..43 {
                armed.put_pixel(x, y, image::Luma([40]));
            }
        }
        assert_eq!(temple_arm_step(&armed, &outline, outline_at(0.0)), 110.0);
        // A face turned away: its outline lies 10 px from the corner, no room for a band.
        assert_eq!(temple_arm_step(&armed, &outline, outline_at(20.0)), 0.0);
        // A line beyond the face's outline (hair, the backdrop) is not read, though it fills
        // most of the band's columns were the band not cut at the outline.
        let mut beyond = flat;
        for x in 0..14 {
            for y in 41..43 {
                beyond.put_pixel(x, y, image::Luma([40]));
            }
        }
        assert_eq!(temple_arm_step(&beyond, &outline, outline_at(10.0)), 0.0);
    }

    #[test]
    fn a_polyline_is_read_between_its_points() {
        let line = [[0.0, 0.0], [10.0, 20.0], [20.0, 0.0]];
        assert_eq!(along(&line, 5.0), 10.0);
        assert_eq!(along(&line, 15.0), 10.0);
        assert_eq!(along(&line, -3.0), 0.0, "clamped at the ends");
    }
}
