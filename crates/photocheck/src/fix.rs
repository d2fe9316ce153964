//! A compliant copy of a photo that fails only on file rules (format.*) or framing
//! (frame.*): cropped and scaled to the specification's size with the head inside its
//! bands, saved as a 300 dpi JPEG inside the profile's quality and size windows.
//!
//! Only the frame changes: the person is never edited and the background never repainted
//! or extended (schools refuse altered backgrounds). A photo that would need either is
//! declined with the reason, and every copy is checked again before it is handed back.

use crate::intake::{self, Photo};
use crate::profile::Profile;
use crate::report::{CheckResult, Message, PhotoReport, Status};
use crate::rules::{self, title};
use crate::Checker;
use image::RgbImage;

/// Rules whose failure a new frame and a new file can repair.
fn fixable(id: &str) -> bool {
    id.starts_with("format.") || id.starts_with("frame.")
}

/// Rules a copy cannot change and fix does not judge: the file keeps its name, and
/// batch.once is judged over a whole run.
fn outside_fix(id: &str) -> bool {
    id == rules::file_naming::ID || id == rules::batch_once::ID
}

/// What fix did with one photo.
#[derive(Debug, Clone)]
pub enum FixOutcome {
    /// Already passes every file and framing rule: no copy is needed.
    Compliant,
    /// A compliant copy: its JPEG bytes, what was changed, and its check.
    Fixed {
        jpeg: Vec<u8>,
        changes: Vec<Message>,
        report: Box<PhotoReport>,
    },
    /// No copy: why.
    Declined { reasons: Vec<Message> },
}

fn declined(reasons: Vec<Message>) -> FixOutcome {
    FixOutcome::Declined { reasons }
}

/// Makes a compliant copy of a photo file (see [`fix`]); an unreadable file is declined.
pub fn fix_file(checker: &Checker, path: &std::path::Path) -> FixOutcome {
    match crate::pipeline::read_limited(path, checker.profile().limits.max_file_bytes) {
        Ok(bytes) => fix(checker, &path.to_string_lossy(), &bytes),
        Err(e) => declined(vec![Message::new(e.message.clone(), e.message)]),
    }
}

/// Makes a compliant copy of the photo in `bytes` (called `name`) when only file and
/// framing rules fail.
pub fn fix(checker: &Checker, name: &str, bytes: &[u8]) -> FixOutcome {
    let profile = checker.profile();
    let (facts, image) = match intake::load_full(bytes, profile) {
        Ok(loaded) => loaded,
        Err(e) => return declined(vec![Message::new(e.message.clone(), e.message)]),
    };
    let photo = Photo::new(facts, &image, profile);
    let m = crate::measurements(
        name,
        &photo,
        checker.analyse(&photo),
        profile,
        checker.timings(),
    );
    let checks = rules::run_all(&m, profile);
    let failing: Vec<&CheckResult> = checks
        .iter()
        .filter(|c| c.status == Status::Fail && !outside_fix(&c.id))
        .collect();
    let unfixable: Vec<Message> = failing
        .iter()
        .filter(|c| !fixable(&c.id))
        .map(|c| {
            let t = title(&c.id);
            Message::new(
                format!("{}：{}", t.zh, c.message.zh),
                format!("{}: {}", t.en, c.message.en),
            )
        })
        .collect();
    if !unfixable.is_empty() {
        return declined(unfixable);
    }
    if failing.is_empty() {
        return FixOutcome::Compliant;
    }
    let framing_fails = failing.iter().any(|c| c.id.starts_with("frame."));
    let crop = match plan(&m, &photo, profile, framing_fails) {
        Ok(crop) => crop,
        Err(reason) => return declined(vec![reason]),
    };
    let size = &profile.rules.format_size.params;
    let framed = render(&image, crop, size.width, size.height);
    let jpeg = match encode(&framed, profile) {
        Ok(jpeg) => jpeg,
        Err(reason) => return declined(vec![reason]),
    };
    let report = checker.check_bytes(name, &jpeg);
    let still: Vec<Message> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail && !outside_fix(&c.id))
        .map(|c| {
            Message::new(
                format!("修复后的照片仍不合格：{}", c.message.zh),
                format!("the fixed copy still fails: {}", c.message.en),
            )
        })
        .collect();
    if !still.is_empty() {
        return declined(still);
    }
    let changes = failing
        .iter()
        .map(|c| {
            let t = title(&c.id);
            Message::new(format!("已修正：{}", t.zh), format!("fixed: {}", t.en))
        })
        .collect();
    FixOutcome::Fixed {
        jpeg,
        changes,
        report: Box::new(report),
    }
}

/// A window of the upright original, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Crop {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

/// How far off 3:4 (relative) a photo may be and still be scaled whole.
const ASPECT_TOLERANCE: f64 = 0.01;

/// Tries per axis, from the middle of the allowed scales outward.
const SCALE_STEPS: usize = 41;

/// The window to cut: the whole photo when its framing passes and its shape is right;
/// otherwise the window that puts the head in the middle of the specification's bands,
/// staying inside the photo.
fn plan(
    m: &rules::Measurements,
    photo: &Photo,
    profile: &Profile,
    framing_fails: bool,
) -> Result<Crop, Message> {
    let size = &profile.rules.format_size.params;
    let (out_w, out_h) = (size.width as f64, size.height as f64);
    let (w, h) = (photo.width as f64, photo.height as f64);
    let whole = Crop {
        x: 0.0,
        y: 0.0,
        width: w,
        height: h,
    };
    if !framing_fails && ((w / h) / (out_w / out_h) - 1.0).abs() <= ASPECT_TOLERANCE {
        return Ok(whole);
    }
    let Some(face) = &m.face else {
        return Err(Message::new(
            "未找到人脸，无法重新取景 (照片比例不是 3:4 或取景不合格)",
            "no face found, so the photo cannot be reframed (its shape is not 3:4 or its framing fails)",
        ));
    };
    let Some(crown_y) = face.crown_y else {
        return Err(Message::new(
            "头顶被上边裁掉：无法只靠裁剪补回，请重拍并在头顶上方留出空白",
            "the top of the head is cut off: cropping cannot bring it back; retake with space above the head",
        ));
    };
    // Face measures are on the 480×640 scale per axis; to original pixels.
    let (sx, sy) = (w / 480.0, h / 640.0);
    let crown = crown_y * sy;
    let eyes = face.eyes_y * sy;
    let face_width = face.face_width * sx;
    let centre = (240.0 + face.center_offset) * sx;
    // The bands, on the output's scale.
    let r = &profile.rules;
    let (kx, ky) = (out_w / 480.0, out_h / 640.0);
    let crown_band = (r.frame_crown.params.min * ky, r.frame_crown.params.max * ky);
    let eyes_band = (r.frame_eyes.params.min * ky, r.frame_eyes.params.max * ky);
    let width_band = (
        r.frame_face_width.params.min * kx,
        r.frame_face_width.params.max * kx,
    );
    let off_centre = r.frame_centered.params.max * kx;
    // Output pixels per original pixel: the face width and the crown-to-eyes distance
    // must both land in their bands.
    let span = (eyes - crown).max(1.0);
    let lo = (width_band.0 / face_width).max((eyes_band.0 - crown_band.1) / span);
    let hi = (width_band.1 / face_width).min((eyes_band.1 - crown_band.0) / span);
    if lo >= hi {
        return Err(Message::new(
            "脸宽与头顶到眼睛的距离不成比例，缩放无法同时满足两项取景要求",
            "the face's width and the crown-to-eye distance cannot both be brought into their bands by scaling",
        ));
    }
    // Keep away from the ends of every range: the copy is measured again.
    let inner = |a: f64, b: f64| (a + (b - a) * 0.15, b - (b - a) * 0.15);
    let (lo, hi) = inner(lo, hi);
    let middle = (lo + hi) / 2.0;
    // Where the window's top and left edges may go at scale `s` for the head to sit in
    // its bands, regardless of the photo's edges.
    let bands = |s: f64| {
        let top = intersect(
            inner(crown - crown_band.1 / s, crown - crown_band.0 / s),
            inner(eyes - eyes_band.1 / s, eyes - eyes_band.0 / s),
        );
        let left = inner(
            centre - (out_w / 2.0 + off_centre) / s,
            centre - (out_w / 2.0 - off_centre) / s,
        );
        (top, left)
    };
    for step in 0..SCALE_STEPS {
        let offset = (step as f64 / (SCALE_STEPS - 1) as f64) * (hi - lo) / 2.0;
        for s in [middle - offset, middle + offset] {
            let (cw, ch) = (out_w / s, out_h / s);
            let (top, left) = bands(s);
            let top = top.and_then(|t| intersect(t, (0.0, h - ch)));
            let left = intersect(left, (0.0, w - cw));
            if let (Some(top), Some(left)) = (top, left) {
                return Ok(Crop {
                    x: nearest(left, centre - out_w / 2.0 / s),
                    y: (top.0 + top.1) / 2.0,
                    width: cw,
                    height: ch,
                });
            }
        }
    }
    // Say which side lacks room, at the scale closest to the middle where the window
    // fits inside the photo.
    let fit = (out_w / w).max(out_h / h);
    let s = middle.max(fit);
    let (cw, ch) = (out_w / s, out_h / s);
    let (_, left) = bands(s);
    let (zh, en) = if fit > hi {
        ("人像在画面中太大", "the head fills too much of the photo")
    } else if crown - crown_band.0 / s < 0.0 {
        (
            "头顶上方空白不足",
            "there is too little space above the head",
        )
    } else if eyes - eyes_band.1 / s > h - ch {
        (
            "人像下方 (肩部) 空间不足",
            "there is too little of the shoulders below the head",
        )
    } else if left.1 < 0.0 || left.0 > w - cw {
        (
            "人像太靠近左右边缘",
            "the head is too close to the left or right edge",
        )
    } else {
        (
            "头部位置无法同时满足各项取景要求",
            "the head cannot meet every framing band at once",
        )
    };
    Err(Message::new(
        format!("{zh}：只裁剪无法满足取景要求，本工具不补画背景；请重拍并在头部四周留出空白"),
        format!("{en}: cropping alone cannot meet the framing bands, and the background is never extended; retake with space around the head"),
    ))
}

/// The overlap of two ranges, if any.
fn intersect(a: (f64, f64), b: (f64, f64)) -> Option<(f64, f64)> {
    let (lo, hi) = (a.0.max(b.0), a.1.min(b.1));
    (lo <= hi).then_some((lo, hi))
}

/// The point of `range` closest to `want`.
fn nearest(range: (f64, f64), want: f64) -> f64 {
    want.clamp(range.0, range.1)
}

/// The window cut out and scaled to `width` × `height`.
fn render(image: &RgbImage, crop: Crop, width: u32, height: u32) -> RgbImage {
    let x = (crop.x.round().max(0.0) as u32).min(image.width() - 1);
    let y = (crop.y.round().max(0.0) as u32).min(image.height() - 1);
    let w = (crop.width.round() as u32).clamp(1, image.width() - x);
    let h = (crop.height.round() as u32).clamp(1, image.height() - y);
    let window = image::imageops::crop_imm(image, x, y, w, h).to_image();
    if (w, h) == (width, height) {
        return window;
    }
    crate::resize::resize(&window, width, height, crate::resize::Filter::Lanczos3)
}

/// JPEG quality tried first: high, so that the estimate from the tables clears any
/// sensible minimum.
const START_QUALITY: u8 = 92;

/// Encodes at the profile's resolution, with a quality whose file size lies in the
/// profile's window (lower for large files, higher for small ones).
fn encode(image: &RgbImage, profile: &Profile) -> Result<Vec<u8>, Message> {
    let r = &profile.rules;
    let dpi = 300f64.clamp(r.format_dpi.params.min_dpi, r.format_dpi.params.max_dpi);
    let bytes = &r.format_bytes.params;
    let min_quality = r.format_quality.params.min_quality.ceil().clamp(1.0, 100.0) as u8;
    let write = |quality: u8| -> Result<Vec<u8>, Message> {
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
        encoder.set_density(jpeg_encoder::PixelDensity::dpi(dpi.round() as u16));
        encoder
            .encode(
                image.as_raw(),
                image.width() as u16,
                image.height() as u16,
                jpeg_encoder::ColorType::Rgb,
            )
            .map_err(|e| {
                Message::new(
                    format!("无法编码 JPEG：{e}"),
                    format!("cannot encode the JPEG: {e}"),
                )
            })?;
        Ok(out)
    };
    let mut quality = START_QUALITY;
    let mut jpeg = write(quality)?;
    while (jpeg.len() as u64) > bytes.max_bytes && quality > min_quality.saturating_add(2) {
        quality = quality.saturating_sub(4).max(min_quality.saturating_add(2));
        jpeg = write(quality)?;
    }
    while (jpeg.len() as u64) < bytes.min_bytes && quality < 100 {
        quality = (quality + 2).min(100);
        jpeg = write(quality)?;
    }
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_meet_or_not() {
        assert_eq!(intersect((0.0, 10.0), (5.0, 20.0)), Some((5.0, 10.0)));
        assert_eq!(intersect((0.0, 4.0), (5.0, 20.0)), None);
        assert_eq!(nearest((2.0, 3.0), 10.0), 3.0);
    }

    #[test]
    fn fixable_rules_are_the_file_and_framing_ones() {
        assert!(fixable("format.dpi") && fixable("frame.crown"));
        assert!(!fixable("background.blue") && !fixable("pose.roll"));
        assert!(outside_fix("file.naming") && outside_fix("batch.once"));
    }
}
