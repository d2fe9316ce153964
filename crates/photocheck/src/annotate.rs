//! Overlays that show what the checker saw, drawn on the working copy: face boxes, mesh,
//! eyes and irises, the outline of the person mask, and a dot grid over the regions the
//! person rules measured: green on the background pixels (background.blue and
//! background.uniform), orange on the clothing (clothing.not_blue), red on clothing it
//! counted as blue, violet on the ear bands (ears.visible), pink rings where the shoulder
//! line was read (shoulders.level), and in azure the bands beside the jaw where long hair
//! falls and the frames where it would lie in front of the shoulders (hair.neat), and gold
//! frames below the ear lobes and below the chin where earrings and a scarf are looked for,
//! and gold pixels on what it took for an ornament in the hair (accessories.none). With the
//! optional face-parsing model, the parts it found are tinted: eyeglasses cyan, earrings
//! and necklaces gold, hats red, ears violet.

use crate::accessory_measures::{hair_ornament_samples, windows};
use crate::analysis::{part, Analysis, FaceParts, PERSON};
use crate::measure::Background;
use crate::person_measures::{
    ear_bands, is_blue_clothing, jaw_bands, shoulder_fronts, shoulder_points, skin_and_hair,
    ClothingRegion,
};
use crate::pipeline::is_background;
use crate::profile::Profile;
use image::{Rgb, RgbImage};
use imageproc::drawing::{
    draw_filled_circle_mut, draw_hollow_circle_mut, draw_hollow_polygon_mut, draw_hollow_rect_mut,
};
use imageproc::point::Point;
use imageproc::rect::Rect;
use std::path::{Path, PathBuf};

const MAIN_FACE: Rgb<u8> = Rgb([0, 230, 0]);
const OTHER_FACE: Rgb<u8> = Rgb([255, 40, 40]);
const MESH: Rgb<u8> = Rgb([255, 255, 255]);
const EYE: Rgb<u8> = Rgb([0, 255, 255]);
const IRIS: Rgb<u8> = Rgb([255, 0, 255]);
const MASK_EDGE: Rgb<u8> = Rgb([255, 220, 0]);
const BACKGROUND: Rgb<u8> = Rgb([0, 255, 120]);
const CLOTHING: Rgb<u8> = Rgb([255, 150, 0]);
const BLUE_CLOTHING: Rgb<u8> = Rgb([255, 0, 0]);
const EAR_BAND: Rgb<u8> = Rgb([170, 90, 255]);
const SHOULDER: Rgb<u8> = Rgb([255, 80, 200]);
const HAIR_FRONT: Rgb<u8> = Rgb([0, 170, 255]);
const ACCESSORY: Rgb<u8> = Rgb([255, 200, 40]);
/// Spacing of the region dots, in pixels.
const REGION_GRID: u32 = 12;

/// The working copy with the analysis drawn on it; `background` is the measured background
/// colour, and `profile` says which clothing counts as blue and which other faces count.
pub fn overlay(
    working: &RgbImage,
    analysis: &Analysis,
    background: Option<&Background>,
    profile: &Profile,
) -> RgbImage {
    let blue = &profile.rules.clothing_not_blue.params;
    let mut out = working.clone();
    let clothing = analysis
        .main
        .as_ref()
        .map(|face| ClothingRegion::new(working, analysis, face, background));
    for y in (REGION_GRID / 2..out.height()).step_by(REGION_GRID as usize) {
        for x in (REGION_GRID / 2..out.width()).step_by(REGION_GRID as usize) {
            let colour = if is_background(analysis, x, y) {
                BACKGROUND
            } else if clothing.as_ref().is_some_and(|c| c.contains(x, y)) {
                if is_blue_clothing(blue, working.get_pixel(x, y).0) {
                    BLUE_CLOTHING
                } else {
                    CLOTHING
                }
            } else {
                continue;
            };
            dot(&mut out, [x as f32, y as f32], 1, colour);
        }
    }
    let mask = &analysis.person_mask;
    let inside = |x: u32, y: u32| mask.get_pixel(x, y)[0] >= PERSON;
    for y in 1..out.height().saturating_sub(1) {
        for x in 1..out.width().saturating_sub(1) {
            let edge = inside(x, y)
                && !(inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1));
            if edge {
                out.put_pixel(x, y, MASK_EDGE);
            }
        }
    }
    let least_other_score = profile.rules.faces_single.params.min_other_face_score;
    for (i, bbox) in analysis.counted_faces(least_other_score).enumerate() {
        let colour = if i == 0 { MAIN_FACE } else { OTHER_FACE };
        frame(&mut out, *bbox, colour);
    }
    if let Some(main) = &analysis.main {
        for p in ear_bands(main).iter().flatten() {
            dot(&mut out, *p, 0, EAR_BAND);
        }
        for [x, y] in shoulder_points(working, analysis, main, background.map(|b| b.median))
            .into_iter()
            .flatten()
        {
            draw_hollow_circle_mut(&mut out, (x as i32, y as i32), 4, SHOULDER);
        }
        for p in jaw_bands(main).iter().flatten() {
            dot(&mut out, *p, 0, HAIR_FRONT);
        }
        for [left, top, right, bottom] in shoulder_fronts(main) {
            frame(
                &mut out,
                [left, top, right - left, bottom - top],
                HAIR_FRONT,
            );
        }
        for window in windows(main) {
            let corners = window.map(|[x, y]| Point::new(x, y));
            draw_hollow_polygon_mut(&mut out, &corners, ACCESSORY);
        }
        if let (Some(skin), Some(hair)) = skin_and_hair(working, analysis, main) {
            let backdrop = background.map(|b| b.median);
            for (x, y, _) in
                hair_ornament_samples(working, analysis, main, hair.lab, skin, backdrop)
                    .filter(|&(_, _, ornament)| ornament)
            {
                out.put_pixel(x, y, ACCESSORY);
            }
        }
        if let Some(parts) = &analysis.parts {
            tint_parts(&mut out, parts);
        }
        for p in &main.mesh {
            dot(&mut out, [p[0], p[1]], 0, MESH);
        }
        for eye in [&main.right_eye, &main.left_eye] {
            for p in &eye.contour {
                dot(&mut out, *p, 0, EYE);
            }
            let c = eye.iris_center();
            draw_hollow_circle_mut(
                &mut out,
                (c[0] as i32, c[1] as i32),
                eye.iris_radius().max(1.0) as i32,
                IRIS,
            );
            dot(&mut out, c, 1, IRIS);
        }
    }
    out
}

/// A box (left, top, width, height) drawn as a hollow rectangle, at least a pixel wide.
fn frame(image: &mut RgbImage, [x, y, w, h]: [f32; 4], colour: Rgb<u8>) {
    let rect = Rect::at(x as i32, y as i32).of_size(w.max(1.0) as u32, h.max(1.0) as u32);
    draw_hollow_rect_mut(image, rect, colour);
}

fn dot(image: &mut RgbImage, p: [f32; 2], radius: i32, colour: Rgb<u8>) {
    let (x, y) = (p[0].round() as i32, p[1].round() as i32);
    if x >= 0 && y >= 0 && (x as u32) < image.width() && (y as u32) < image.height() {
        if radius == 0 {
            image.put_pixel(x as u32, y as u32, colour);
        } else {
            draw_filled_circle_mut(image, (x, y), radius, colour);
        }
    }
}

/// Tints the working-copy pixels under the looked-for parts the face-parsing model found.
fn tint_parts(out: &mut RgbImage, parts: &FaceParts) {
    for (x, y, p) in out.enumerate_pixels_mut() {
        let colour = match parts.class_at(x, y) {
            Some(part::EYEGLASSES) => EYE,
            Some(part::EARRING | part::NECKLACE) => ACCESSORY,
            Some(part::HAT) => OTHER_FACE,
            Some(part::LEFT_EAR | part::RIGHT_EAR) => EAR_BAND,
            _ => continue,
        };
        for (c, t) in p.0.iter_mut().zip(colour.0) {
            *c = ((*c as u16 + t as u16) / 2) as u8;
        }
    }
}

/// Height of report previews, in pixels.
const THUMBNAIL_HEIGHT: u32 = 120;

/// A small JPEG preview of an image as a `data:` URI, for self-contained reports.
pub fn thumbnail(image: &RgbImage) -> String {
    use base64::Engine as _;
    let small = crate::intake::working_copy(image, THUMBNAIL_HEIGHT);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 70)
        .encode_image(&small)
        .expect("encoding an in-memory image succeeds");
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    )
}

/// Where the overlay of `photo` goes in `dir`: the photo's file name with anything but
/// letters, digits, `-` and `_` replaced, plus a hash of the whole path so that photos of
/// the same name in different folders do not collide. Never outside `dir`.
pub fn overlay_path(dir: &Path, photo: &str) -> PathBuf {
    let stem = Path::new(photo)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    // FNV-1a: stable across runs and platforms.
    let hash = photo.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    dir.join(format!("{safe}-{:08x}.jpg", hash as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_dots_mark_background_clothing_and_blue_clothing() {
        use crate::profile::Profile;
        // Grey backdrop above row 400; below it the person: blue clothing on the image's
        // left half, dark grey on the right.
        let mut analysis = crate::rules::test_support::test_analysis();
        let mut image = RgbImage::from_pixel(480, 640, Rgb([200, 200, 200]));
        for y in 400..640 {
            for x in 0..480 {
                analysis.person_mask.put_pixel(x, y, image::Luma([255]));
                let cloth = if x < 240 { [0, 163, 230] } else { [60, 60, 60] };
                image.put_pixel(x, y, Rgb(cloth));
            }
        }
        let out = overlay(&image, &analysis, None, &Profile::default());
        // Dots sit on a 12 px grid starting at 6.
        assert_eq!(*out.get_pixel(42, 42), BACKGROUND);
        assert_eq!(*out.get_pixel(102, 402), BLUE_CLOTHING);
        assert_eq!(*out.get_pixel(402, 402), CLOTHING);
        // Between the dots the photo is untouched.
        assert_eq!(*out.get_pixel(48, 48), Rgb([200, 200, 200]));
        assert_eq!(*out.get_pixel(408, 408), Rgb([60, 60, 60]));
    }

    #[test]
    fn overlay_names_stay_inside_the_folder() {
        let dir = Path::new("/out");
        for name in [
            "../../etc/passwd",
            "a/b/../../x.jpg",
            "..",
            "/abs/2021001张三.jpg",
            "c:\\x\\..\\y.png",
            "",
        ] {
            let p = overlay_path(dir, name);
            assert_eq!(p.parent(), Some(dir), "{name} -> {}", p.display());
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            assert!(!file.contains(".."), "{file}");
        }
        assert!(overlay_path(dir, "/abs/2021001张三.jpg")
            .to_string_lossy()
            .contains("2021001张三-"));
        assert_ne!(overlay_path(dir, "a/x.jpg"), overlay_path(dir, "b/x.jpg"));
    }
}
