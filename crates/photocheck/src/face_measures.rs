//! Measurements of the main face that the face rules judge: pose and gaze, where the head
//! sits in the frame, eye opening, teeth, eyebrows, glasses and lighting. Geometry comes
//! from the mesh and the iris points; the rest from pixels in regions the mesh outlines.
//! Positions are on the specification's 480×640 scale.

use crate::analysis::{Analysis, Eye, FaceDetail, Point, PERSON};
use image::{GenericImageView, GrayImage, Luma, RgbImage};
use imageproc::drawing::draw_polygon_mut;

/// Mesh indices (MediaPipe FaceMesh topology).
pub(crate) mod mesh {
    pub const RIGHT_CHEEK: usize = 234;
    pub const LEFT_CHEEK: usize = 454;
    pub const NOSE_BRIDGE: usize = 168;
    /// Eye corners (outer, inner), the subject's right then left.
    pub const RIGHT_EYE: [usize; 2] = [33, 133];
    pub const LEFT_EYE: [usize; 2] = [263, 362];
    /// Mouth corners and the inner lip midpoints.
    pub const MOUTH_CORNERS: [usize; 2] = [61, 291];
    pub const INNER_LIPS: [usize; 20] = [
        78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
    ];
    /// Upper edge of each eyebrow, outer to inner.
    pub const RIGHT_BROW: [usize; 5] = [70, 63, 105, 66, 107];
    pub const LEFT_BROW: [usize; 5] = [300, 293, 334, 296, 336];
    /// Cheek centres, below the eyes.
    pub const CHEEKS: [usize; 2] = [205, 425];
    /// Chin tip and top of the forehead.
    pub const CHIN: usize = 152;
    pub const FOREHEAD: usize = 10;
    /// Points of the face outline at about the ear lobes' height, right then left.
    pub const LOBE_LEVEL: [usize; 2] = [132, 361];
}

/// What the face rules judge.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceMeasures {
    /// Head pose in degrees.
    pub yaw: f64,
    pub pitch: f64,
    pub roll: f64,
    /// Where the irises sit in the eyes: −1 at the outer corner (image left) … 1, 0 centred.
    pub gaze: f64,
    /// Top of the head (person mask) from the top edge, 480×640 scale; `None` when the head
    /// reaches the top edge (cut off).
    pub crown_y: Option<f64>,
    /// Eye line from the top edge.
    pub eyes_y: f64,
    /// Cheek-to-cheek width.
    pub face_width: f64,
    /// Face centre's distance from the vertical mid-line (positive: to the image's right).
    pub center_offset: f64,
    /// Gap between the lids (the iris model's eyelid contour, across the eye's axis) over
    /// the iris diameter, the less open eye: an open eye shows most of its iris.
    pub eye_openness: f64,
    /// Share of the inner-mouth area that is teeth-coloured (bright, unsaturated).
    pub teeth: f64,
    /// Brightness just above the brows relative to the cheeks (hair or a hat over the brows
    /// makes it dark), the lower of the two sides.
    pub brow_clearance: f64,
    /// Edge strength on the nose bridge between the eyes relative to the cheeks (frames).
    pub bridge_edges: f64,
    /// Brightness of the darker cheek over the brighter one.
    pub cheek_balance: f64,
    /// Share of face pixels at 250 or more (hot spots).
    pub hot_spots: f64,
    /// Lip saturation relative to skin.
    pub lip_saturation: f64,
    /// Rims, shade, tint and glare in the lenses' region; `None` when the eyes are too
    /// small to read.
    pub lenses: Option<crate::lens_measures::Lenses>,
}

fn mid(a: Point, b: Point) -> Point {
    [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
}

fn dist(a: Point, b: Point) -> f64 {
    ((a[0] - b[0]) as f64).hypot((a[1] - b[1]) as f64)
}

/// Measures the main face of `analysis` on the working copy (`grey` is its grey copy).
pub fn measure(working: &RgbImage, grey: &GrayImage, analysis: &Analysis) -> Option<FaceMeasures> {
    let face = analysis.main.as_ref()?;
    let (w, h) = working.dimensions();
    let x_scale = 480.0 / w as f64;
    let y_scale = 640.0 / h as f64;
    let p = |i: usize| face.point(i);

    let (r_iris, l_iris) = (face.right_eye.iris_center(), face.left_eye.iris_center());
    let eyes = mid(r_iris, l_iris);
    let (right, left) = (p(mesh::RIGHT_CHEEK), p(mesh::LEFT_CHEEK));
    let face_mid = mid(right, left);
    let face_width = dist(right, left) * x_scale;

    Some(FaceMeasures {
        yaw: face.pose.yaw as f64,
        pitch: face.pose.pitch as f64,
        roll: face.pose.roll as f64,
        gaze: gaze(face),
        crown_y: crown(&analysis.person_mask, right[0], left[0]).map(|y| y * y_scale),
        eyes_y: eyes[1] as f64 * y_scale,
        face_width,
        center_offset: (face_mid[0] as f64 - w as f64 / 2.0) * x_scale,
        eye_openness: openness(&face.right_eye, face.pose.roll)
            .min(openness(&face.left_eye, face.pose.roll)),
        teeth: teeth(working, face),
        brow_clearance: brow_clearance(grey, face),
        bridge_edges: bridge_edges(grey, face),
        cheek_balance: cheek_balance(grey, face),
        hot_spots: hot_spots(grey, analysis),
        lip_saturation: lip_saturation(working, face),
        lenses: crate::lens_measures::measure(working, grey, face),
    })
}

/// Mean position of the irises between the eye corners, −1 … 1.
fn gaze(face: &FaceDetail) -> f64 {
    let one = |corners: [usize; 2], iris: Point| {
        let (a, b) = (face.point(corners[0]), face.point(corners[1]));
        let (left, right) = if a[0] < b[0] { (a, b) } else { (b, a) };
        let half = (right[0] - left[0]) as f64 / 2.0;
        if half <= 0.0 {
            return 0.0;
        }
        (iris[0] as f64 - (left[0] + right[0]) as f64 / 2.0) / half
    };
    (one(mesh::RIGHT_EYE, face.right_eye.iris_center())
        + one(mesh::LEFT_EYE, face.left_eye.iris_center()))
        / 2.0
}

/// Lid gap over iris diameter. The first 16 points of the iris model's contour are the
/// eyelids; the gap is measured across the eye, after undoing the head's roll.
fn openness(eye: &Eye, roll_degrees: f32) -> f64 {
    let diameter = 2.0 * eye.iris_radius() as f64;
    if diameter <= 0.0 || eye.contour.len() < 16 {
        return 0.0;
    }
    let (sin, cos) = (-roll_degrees.to_radians()).sin_cos();
    let across = |p: &Point| (p[0] * sin + p[1] * cos) as f64;
    let (lo, hi) = eye.contour[..16]
        .iter()
        .map(across)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    (hi - lo) / diameter
}

/// The topmost person-mask row over the face's columns; `None` when it is the first row.
fn crown(mask: &GrayImage, x0: f32, x1: f32) -> Option<f64> {
    let (a, b) = (
        x0.min(x1).max(0.0) as u32,
        (x0.max(x1) as u32).min(mask.width().saturating_sub(1)),
    );
    let top = (0..mask.height()).find(|&y| (a..=b).any(|x| mask.get_pixel(x, y)[0] >= PERSON))?;
    (top > 0).then_some(top as f64)
}

/// The pixels inside the polygon through the mesh points `indices` (as imageproc fills it),
/// held for the polygon's bounding box within the image only.
struct PolygonMask {
    left: u32,
    top: u32,
    inside: GrayImage,
}

impl PolygonMask {
    fn new(face: &FaceDetail, indices: &[usize], width: u32, height: u32) -> PolygonMask {
        let mut points: Vec<[i32; 2]> = indices
            .iter()
            .map(|&i| face.point(i).map(|c| c.round() as i32))
            .collect();
        points.dedup();
        let clamp = |v: i32, most: u32| v.clamp(0, most as i32) as u32;
        let lowest = |axis: usize| points.iter().map(|p| p[axis]).min().unwrap_or(0);
        let highest = |axis: usize| points.iter().map(|p| p[axis] + 1).max().unwrap_or(0);
        let (left, top) = (clamp(lowest(0), width), clamp(lowest(1), height));
        let (right, bottom) = (clamp(highest(0), width), clamp(highest(1), height));
        let mut inside = GrayImage::new(right - left, bottom - top);
        if points.len() >= 3 && points.first() != points.last() && !inside.is_empty() {
            let shifted: Vec<imageproc::point::Point<i32>> = points
                .iter()
                .map(|p| imageproc::point::Point::new(p[0] - left as i32, p[1] - top as i32))
                .collect();
            draw_polygon_mut(&mut inside, &shifted, Luma([255]));
        }
        PolygonMask { left, top, inside }
    }

    /// Whether image pixel (x, y) is inside.
    fn contains(&self, x: u32, y: u32) -> bool {
        x >= self.left
            && y >= self.top
            && self
                .inside
                .get_pixel_checked(x - self.left, y - self.top)
                .is_some_and(|p| p[0] > 0)
    }

    /// The image pixels inside, row by row.
    fn pixels(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.inside
            .enumerate_pixels()
            .filter(|(_, _, p)| p[0] > 0)
            .map(|(x, y, _)| (x + self.left, y + self.top))
    }
}

/// Skin colour statistics: mean luma and saturation of a small square around a point.
fn patch(image: &RgbImage, centre: Point, radius: i32) -> Option<(f64, f64)> {
    let (mut n, mut luma, mut sat) = (0.0, 0.0, 0.0);
    for dy in -radius..=radius {
        for dx in -radius..=radius {
            let (x, y) = (centre[0] as i32 + dx, centre[1] as i32 + dy);
            if x < 0 || y < 0 || x as u32 >= image.width() || y as u32 >= image.height() {
                continue;
            }
            let [r, g, b] = image.get_pixel(x as u32, y as u32).0.map(|c| c as f64);
            let (max, min) = (r.max(g).max(b), r.min(g).min(b));
            n += 1.0;
            luma += 0.299 * r + 0.587 * g + 0.114 * b;
            sat += if max > 0.0 { (max - min) / max } else { 0.0 };
        }
    }
    (n > 0.0).then(|| (luma / n, sat / n))
}

fn face_scale(face: &FaceDetail) -> f64 {
    dist(face.point(mesh::RIGHT_CHEEK), face.point(mesh::LEFT_CHEEK))
}

/// Teeth: inside the inner-lip polygon, pixels clearly brighter than the cheeks and with
/// less colour than them. A closed mouth has (almost) no inner area.
fn teeth(image: &RgbImage, face: &FaceDetail) -> f64 {
    let radius = (face_scale(face) / 40.0).max(2.0) as i32;
    let cheeks: Vec<(f64, f64)> = mesh::CHEEKS
        .iter()
        .filter_map(|&i| patch(image, face.point(i), radius))
        .collect();
    if cheeks.is_empty() {
        return 0.0;
    }
    let skin_luma = cheeks.iter().map(|c| c.0).sum::<f64>() / cheeks.len() as f64;
    let skin_sat = cheeks.iter().map(|c| c.1).sum::<f64>() / cheeks.len() as f64;
    let mask = PolygonMask::new(face, &mesh::INNER_LIPS, image.width(), image.height());
    let mouth_width = dist(
        face.point(mesh::MOUTH_CORNERS[0]),
        face.point(mesh::MOUTH_CORNERS[1]),
    );
    if mouth_width <= 0.0 {
        return 0.0;
    }
    let mut teeth = 0.0;
    for (x, y) in mask.pixels() {
        let [r, g, b] = image.get_pixel(x, y).0.map(|c| c as f64);
        let (max, min) = (r.max(g).max(b), r.min(g).min(b));
        let sat = if max > 0.0 { (max - min) / max } else { 0.0 };
        let luma = 0.299 * r + 0.587 * g + 0.114 * b;
        // `<=`: in a black-and-white photo skin and teeth both have no colour at all.
        if luma > skin_luma * 0.85 && sat <= skin_sat * 0.75 {
            teeth += 1.0;
        }
    }
    // Relative to the mouth's size: a fraction of a (mouth width)² box.
    teeth / (mouth_width * mouth_width * 0.25)
}

/// Brightness of a band above each eyebrow relative to the cheeks; the lower side.
fn brow_clearance(grey: &GrayImage, face: &FaceDetail) -> f64 {
    let scale = face_scale(face);
    // Just above the brow line: hair there covers the brows; hair further up is a fringe.
    let lift = (scale * 0.02) as f32;
    let luma = |p: Point| -> Option<f64> {
        let (x, y) = (p[0].round() as i64, p[1].round() as i64);
        (x >= 0 && y >= 0 && (x as u32) < grey.width() && (y as u32) < grey.height())
            .then(|| grey.get_pixel(x as u32, y as u32)[0] as f64)
    };
    let band = |brow: [usize; 5]| -> Option<f64> {
        let values: Vec<f64> = brow
            .iter()
            .flat_map(|&i| {
                let p = face.point(i);
                [1.0f32, 1.75, 2.5].map(|k| luma([p[0], p[1] - lift * k]))
            })
            .flatten()
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let radius = (scale / 40.0).max(2.0) as i32;
    let cheeks: Vec<f64> = mesh::CHEEKS
        .iter()
        .filter_map(|&i| {
            let p = face.point(i);
            let values: Vec<f64> = (-radius..=radius)
                .flat_map(|d| [luma([p[0] + d as f32, p[1]]), luma([p[0], p[1] + d as f32])])
                .flatten()
                .collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        })
        .collect();
    let cheek = cheeks.iter().sum::<f64>() / cheeks.len().max(1) as f64;
    match (band(mesh::RIGHT_BROW), band(mesh::LEFT_BROW)) {
        (Some(r), Some(l)) if cheek > 0.0 => r.min(l) / cheek,
        _ => 1.0,
    }
}

/// Mean gradient magnitude in a small box.
fn edge_energy(grey: &GrayImage, centre: Point, half_w: f64, half_h: f64) -> f64 {
    let (x0, x1) = (
        (centre[0] as f64 - half_w).max(1.0) as u32,
        ((centre[0] as f64 + half_w) as u32).min(grey.width().saturating_sub(2)),
    );
    let (y0, y1) = (
        (centre[1] as f64 - half_h).max(1.0) as u32,
        ((centre[1] as f64 + half_h) as u32).min(grey.height().saturating_sub(2)),
    );
    let (mut n, mut sum) = (0.0, 0.0);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let g = |dx: i32, dy: i32| {
                grey.get_pixel((x as i32 + dx) as u32, (y as i32 + dy) as u32)[0] as f64
            };
            let gx = g(1, 0) - g(-1, 0);
            let gy = g(0, 1) - g(0, -1);
            sum += gx.hypot(gy);
            n += 1.0;
        }
    }
    if n == 0.0 {
        0.0
    } else {
        sum / n
    }
}

/// Frames cross the nose bridge between the eyes: edge energy there over the cheeks'.
fn bridge_edges(grey: &GrayImage, face: &FaceDetail) -> f64 {
    let scale = face_scale(face);
    let bridge = edge_energy(
        grey,
        face.point(mesh::NOSE_BRIDGE),
        scale * 0.05,
        scale * 0.05,
    );
    let cheeks = mesh::CHEEKS
        .iter()
        .map(|&i| edge_energy(grey, face.point(i), scale * 0.05, scale * 0.05))
        .sum::<f64>()
        / 2.0;
    bridge / cheeks.max(1.0)
}

/// The darker cheek's brightness over the brighter one's.
fn cheek_balance(grey: &GrayImage, face: &FaceDetail) -> f64 {
    let scale = face_scale(face);
    let mean = |p: Point| {
        let r = (scale * 0.06) as i32;
        let (mut n, mut s) = (0.0, 0.0);
        for dy in -r..=r {
            for dx in -r..=r {
                let (x, y) = (p[0] as i32 + dx, p[1] as i32 + dy);
                if x >= 0 && y >= 0 && (x as u32) < grey.width() && (y as u32) < grey.height() {
                    s += grey.get_pixel(x as u32, y as u32)[0] as f64;
                    n += 1.0;
                }
            }
        }
        if n == 0.0 {
            0.0
        } else {
            s / n
        }
    };
    let (a, b) = (
        mean(face.point(mesh::CHEEKS[0])),
        mean(face.point(mesh::CHEEKS[1])),
    );
    if a.max(b) <= 0.0 {
        1.0
    } else {
        a.min(b) / a.max(b)
    }
}

fn hot_spots(grey: &GrayImage, analysis: &Analysis) -> f64 {
    let Some(f) = analysis.faces.first() else {
        return 0.0;
    };
    let Some((x, y, w, h)) = crate::measure::clip_box(f.bbox, grey.width(), grey.height()) else {
        return 0.0;
    };
    let face = image::imageops::crop_imm(grey, x, y, w, h);
    let n = (w * h) as f64;
    face.pixels().filter(|(_, _, p)| p[0] >= 250).count() as f64 / n
}

/// Saturation between the lips (outer lip polygon minus the inner mouth) over the cheeks'.
fn lip_saturation(image: &RgbImage, face: &FaceDetail) -> f64 {
    const OUTER_LIPS: [usize; 20] = [
        61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
    ];
    let outer = PolygonMask::new(face, &OUTER_LIPS, image.width(), image.height());
    let inner = PolygonMask::new(face, &mesh::INNER_LIPS, image.width(), image.height());
    let (mut n, mut sat) = (0.0, 0.0);
    for (x, y) in outer.pixels() {
        if inner.contains(x, y) {
            continue;
        }
        let [r, g, b] = image.get_pixel(x, y).0.map(|c| c as f64);
        let max = r.max(g).max(b);
        sat += if max > 0.0 {
            (max - r.min(g).min(b)) / max
        } else {
            0.0
        };
        n += 1.0;
    }
    let radius = (face_scale(face) / 40.0).max(2.0) as i32;
    let skin: Vec<f64> = mesh::CHEEKS
        .iter()
        .filter_map(|&i| patch(image, face.point(i), radius))
        .map(|c| c.1)
        .collect();
    let skin = skin.iter().sum::<f64>() / skin.len().max(1) as f64;
    if n == 0.0 || skin <= 0.0 {
        1.0
    } else {
        (sat / n) / skin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_mask_holds_the_pixels_imageproc_fills_on_the_whole_image() {
        let mut analysis = crate::rules::test_support::test_analysis();
        let face = analysis.main.as_mut().unwrap();
        let (w, h) = (120, 90);
        // Lips as a zigzag that leaves the image on the left and at the bottom.
        for (k, &i) in mesh::INNER_LIPS.iter().enumerate() {
            let t = k as f32 / mesh::INNER_LIPS.len() as f32 * std::f32::consts::TAU;
            let r = if k % 2 == 0 { 60.0 } else { 25.0 };
            face.mesh[i] = [20.0 + r * t.cos(), 60.0 + r * t.sin(), 0.0];
        }
        let mask = PolygonMask::new(face, &mesh::INNER_LIPS, w, h);
        let mut whole = GrayImage::new(w, h);
        let points: Vec<imageproc::point::Point<i32>> = mesh::INNER_LIPS
            .iter()
            .map(|&i| face.point(i).map(|c| c.round() as i32))
            .map(|[x, y]| imageproc::point::Point::new(x, y))
            .collect();
        draw_polygon_mut(&mut whole, &points, Luma([255]));
        let expected: Vec<(u32, u32)> = whole
            .enumerate_pixels()
            .filter(|(_, _, p)| p[0] > 0)
            .map(|(x, y, _)| (x, y))
            .collect();
        assert!(expected.len() > 500, "the polygon covers part of the image");
        assert_eq!(mask.pixels().collect::<Vec<_>>(), expected);
        for (x, y, p) in whole.enumerate_pixels() {
            assert_eq!(mask.contains(x, y), p[0] > 0, "({x}, {y})");
        }
    }

    #[test]
    fn crown_is_the_first_person_row_over_the_face() {
        let mut mask = GrayImage::new(20, 20);
        for y in 6..20 {
            for x in 5..15 {
                mask.put_pixel(x, y, Luma([255]));
            }
        }
        assert_eq!(crown(&mask, 4.0, 16.0), Some(6.0));
        for x in 5..15 {
            mask.put_pixel(x, 0, Luma([255]));
        }
        assert_eq!(
            crown(&mask, 4.0, 16.0),
            None,
            "a head touching the top edge is cut off"
        );
    }
}
