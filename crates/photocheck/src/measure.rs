//! Image measurements shared by the rules: sharpness, exposure and background colour.

use image::{GrayImage, RgbImage};
use palette::color_difference::Ciede2000;
use palette::{IntoColor, Lab, Srgb};
use std::cell::Cell;

/// Brightness facts of a region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exposure {
    /// Mean luma, 0–255.
    pub mean_luma: f64,
    /// Fraction of pixels at 250 or more.
    pub clipped_high: f64,
    /// Fraction of pixels at 5 or less.
    pub clipped_low: f64,
}

/// Colour facts of the background pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Background {
    /// Per-channel median in CIELAB (D65).
    pub median: Lab,
    /// The median as sRGB, for messages.
    pub median_rgb: [u8; 3],
    /// 90th percentile of the pixels' CIEDE2000 distance from the median.
    pub spread: f64,
    /// CIEDE2000 distance between the medians of the top and the bottom half of the region.
    pub gradient: f64,
    /// How many pixels were sampled.
    pub samples: usize,
}

/// The grey copy of an image: the luma `image::imageops::grayscale` gives (Rec. 709
/// weights in integers), computed over the raw bytes in one pass, several times faster
/// than the generic per-pixel conversion.
pub fn grey_of(image: &RgbImage) -> GrayImage {
    let luma = image
        .as_raw()
        .chunks_exact(3)
        .map(|p| ((2126 * p[0] as u32 + 7152 * p[1] as u32 + 722 * p[2] as u32) / 10_000) as u8)
        .collect();
    GrayImage::from_raw(image.width(), image.height(), luma).expect("one byte per pixel")
}

/// A 256-bit difference hash: the image shrunk to 17×16 grey pixels, one bit per pair of
/// neighbours (is the left one brighter). Survives re-encoding, resizing and small
/// exposure changes; a different photo differs in many bits.
pub fn difference_hash(grey: &GrayImage) -> [u64; 4] {
    let small = crate::resize::resize(grey, 17, 16, crate::resize::Filter::Bilinear);
    let mut hash = [0u64; 4];
    for y in 0..16 {
        for x in 0..16 {
            let brighter = small.get_pixel(x, y)[0] > small.get_pixel(x + 1, y)[0];
            let word = &mut hash[(y / 4) as usize];
            *word = (*word << 1) | brighter as u64;
        }
    }
    hash
}

/// How many bits two difference hashes differ in.
pub fn hash_distance(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// CIELAB of an sRGB colour (memoised per thread: measures convert hundreds of thousands
/// of pixels per photo, of far fewer colours).
pub fn lab_of(rgb: [u8; 3]) -> Lab {
    type Memo = ColourMemo<Lab, fn([u8; 3]) -> Lab>;
    thread_local! {
        static LAB: Memo = ColourMemo::new(convert_to_lab);
    }
    LAB.with(|memo| memo.get(rgb))
}

fn convert_to_lab(rgb: [u8; 3]) -> Lab {
    Srgb::new(rgb[0], rgb[1], rgb[2])
        .into_format::<f32>()
        .into_color()
}

/// A memo of a function of sRGB colours. Photos repeat colours (a flat backdrop, skin, JPEG's
/// smooth blocks), so a measure that computes CIELAB work per pixel does it about once per
/// colour. Direct-mapped: a colour whose slot another took is computed again, so the memo
/// stays small (4,096 slots, 64 KB for a CIELAB colour) and its answers are always the
/// function's.
pub struct ColourMemo<T, F> {
    slots: Vec<Cell<(u32, T)>>,
    compute: F,
}

/// Slots of a [`ColourMemo`] (a power of two).
const MEMO_SLOTS: usize = 1 << 12;
/// The key of an empty slot: no colour's (colours use the low 24 bits).
const MEMO_EMPTY: u32 = u32::MAX;

impl<T: Copy + Default, F: Fn([u8; 3]) -> T> ColourMemo<T, F> {
    pub fn new(compute: F) -> Self {
        ColourMemo {
            slots: vec![Cell::new((MEMO_EMPTY, T::default())); MEMO_SLOTS],
            compute,
        }
    }

    /// `compute(rgb)`, from the memo when this colour was the last in its slot.
    pub fn get(&self, rgb: [u8; 3]) -> T {
        let key = u32::from_le_bytes([rgb[0], rgb[1], rgb[2], 0]);
        let slot = &self.slots[(key.wrapping_mul(0x9E37_79B1) >> 20) as usize % MEMO_SLOTS];
        let (held, value) = slot.get();
        if held == key {
            return value;
        }
        let value = (self.compute)(rgb);
        slot.set((key, value));
        value
    }
}

/// CIEDE2000 colour difference.
pub fn delta_e(a: Lab, b: Lab) -> f64 {
    a.difference(b) as f64
}

/// CIELAB hue angle in degrees, 0–360.
pub fn hue_degrees(lab: Lab) -> f64 {
    (lab.b as f64)
        .atan2(lab.a as f64)
        .to_degrees()
        .rem_euclid(360.0)
}

/// CIELAB chroma.
pub fn chroma(lab: Lab) -> f64 {
    (lab.a as f64).hypot(lab.b as f64)
}

/// Sharpness independent of contrast and brightness: the variance of the Laplacian as a
/// percentage of the variance of the grey levels. Low for blurred photos; `None` for an
/// image without contrast, where there is nothing to judge.
pub fn sharpness(grey: &GrayImage) -> Option<f64> {
    let spread = variance(grey.pixels().map(|p| p[0] as f64));
    (spread >= 1.0).then(|| 100.0 * laplacian_variance(grey) / spread)
}

/// Variance of the Laplacian of the grey image: low for blurred photos.
pub fn laplacian_variance(grey: &GrayImage) -> f64 {
    let lap = imageproc::filter::laplacian_filter(grey);
    if lap.width() > 2 && lap.height() > 2 {
        // The filter's border rows and columns repeat the edge: leave them out.
        let inner =
            image::imageops::crop_imm(&lap, 1, 1, lap.width() - 2, lap.height() - 2).to_image();
        return variance(inner.pixels().map(|p| p[0] as f64));
    }
    variance(lap.pixels().map(|p| p[0] as f64))
}

fn variance(values: impl Iterator<Item = f64>) -> f64 {
    let (n, sum, sum_sq) = values.fold((0.0, 0.0, 0.0), |(n, s, q), v| (n + 1.0, s + v, q + v * v));
    if n == 0.0 {
        return 0.0;
    }
    let mean = sum / n;
    sum_sq / n - mean * mean
}

/// Brightness facts of the pixels of the grey image for which `inside` holds.
pub fn exposure(grey: &GrayImage, inside: impl Fn(u32, u32) -> bool) -> Exposure {
    let (mut count, mut sum, mut high, mut low) = (0u64, 0u64, 0u64, 0u64);
    for (x, y, p) in grey.enumerate_pixels() {
        if !inside(x, y) {
            continue;
        }
        let v = p[0];
        count += 1;
        sum += v as u64;
        high += (v >= 250) as u64;
        low += (v <= 5) as u64;
    }
    let n = count.max(1) as f64;
    Exposure {
        mean_luma: sum as f64 / n,
        clipped_high: high as f64 / n,
        clipped_low: low as f64 / n,
    }
}

/// Share of the pixels with exactly two of their three channels at 250 or more: a coloured
/// surface (skin, a blue backdrop) pushed past the camera's range, which shifts its hue.
/// White (all three) is a colour, not a sign of over-exposure.
pub fn colour_clipped(image: &RgbImage) -> f64 {
    let clipped = image
        .pixels()
        .filter(|p| p.0.iter().filter(|&&c| c >= 250).count() == 2)
        .count();
    clipped as f64 / (image.width() as f64 * image.height() as f64).max(1.0)
}

/// The part of a `width`×`height` image inside a box (left, top, width, height), as whole
/// pixels: x, y, width, height. `None` when nothing of the box is inside.
pub fn clip_box(bbox: [f32; 4], width: u32, height: u32) -> Option<(u32, u32, u32, u32)> {
    let x0 = bbox[0].max(0.0).floor() as u32;
    let y0 = bbox[1].max(0.0).floor() as u32;
    let x1 = ((bbox[0] + bbox[2]).ceil().max(0.0) as u32).min(width);
    let y1 = ((bbox[1] + bbox[3]).ceil().max(0.0) as u32).min(height);
    (x1 > x0 + 2 && y1 > y0 + 2).then(|| (x0, y0, x1 - x0, y1 - y0))
}

/// The border of a portrait where only background is expected: a band along the top and
/// strips down both sides to a little over half the height (above the shoulders).
pub fn border_region(width: u32, height: u32) -> impl Fn(u32, u32) -> bool {
    let top = (height as f64 * 0.08).ceil() as u32;
    let side = (width as f64 * 0.08).ceil() as u32;
    let side_bottom = (height as f64 * 0.55) as u32;
    move |x, y| y < top || (y < side_bottom && (x < side || x >= width.saturating_sub(side)))
}

/// Colour statistics of the pixels of `image` for which `is_background` holds, sampled on
/// a grid of `step` pixels. `None` when the region is empty.
pub fn background(
    image: &RgbImage,
    is_background: impl Fn(u32, u32) -> bool,
    step: u32,
) -> Option<Background> {
    let mut samples: Vec<(u32, [u8; 3])> = Vec::new();
    for y in (0..image.height()).step_by(step as usize) {
        for x in (0..image.width()).step_by(step as usize) {
            if is_background(x, y) {
                samples.push((y, image.get_pixel(x, y).0));
            }
        }
    }
    if samples.is_empty() {
        return None;
    }
    let lab = |s: &(u32, [u8; 3])| lab_of(s.1);
    let median = median_lab(samples.iter().map(lab));
    let from_median = ColourMemo::new(|rgb| delta_e(lab_of(rgb), median));
    let mut distances: Vec<f64> = samples.iter().map(|s| from_median.get(s.1)).collect();
    let spread = percentile(&mut distances, 0.9);
    let (min_y, max_y) = samples
        .iter()
        .fold((u32::MAX, 0), |(lo, hi), s| (lo.min(s.0), hi.max(s.0)));
    let mid = (min_y + max_y) / 2;
    let upper = median_lab(samples.iter().filter(|s| s.0 <= mid).map(lab));
    let lower_samples: Vec<Lab> = samples.iter().filter(|s| s.0 > mid).map(lab).collect();
    let gradient = if lower_samples.is_empty() {
        0.0
    } else {
        delta_e(upper, median_lab(lower_samples.into_iter()))
    };
    let rgb: Srgb<f32> = median.into_color();
    let rgb: Srgb<u8> = rgb.into_format();
    Some(Background {
        median,
        median_rgb: [rgb.red, rgb.green, rgb.blue],
        spread,
        gradient,
        samples: samples.len(),
    })
}

fn median_lab(colours: impl Iterator<Item = Lab>) -> Lab {
    let (mut l, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for c in colours {
        l.push(c.l as f64);
        a.push(c.a as f64);
        b.push(c.b as f64);
    }
    Lab::new(
        percentile(&mut l, 0.5) as f32,
        percentile(&mut a, 0.5) as f32,
        percentile(&mut b, 0.5) as f32,
    )
}

/// The `q`-quantile (0–1) of the values; reorders them. 0 for none.
pub fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let k = ((values.len() - 1) as f64 * q).round() as usize;
    *values.select_nth_unstable_by(k, |a, b| a.total_cmp(b)).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_copy_is_images_grayscale() {
        let image = RgbImage::from_fn(97, 61, |x, y| {
            image::Rgb([(x * 37 + y) as u8, (y * 53 + x * 3) as u8, (x * y) as u8])
        });
        assert_eq!(grey_of(&image), image::imageops::grayscale(&image));
        let white = RgbImage::from_pixel(3, 2, image::Rgb([255, 255, 255]));
        assert!(grey_of(&white).pixels().all(|p| p[0] == 255));
    }

    #[test]
    fn colour_memo_answers_as_the_function_and_computes_a_repeated_colour_once() {
        let calls = Cell::new(0);
        let memo = ColourMemo::new(|rgb: [u8; 3]| {
            calls.set(calls.get() + 1);
            rgb[0] as u32 * 65536 + rgb[1] as u32 * 256 + rgb[2] as u32
        });
        // Far more colours than slots: many share a slot and push each other out.
        let colours: Vec<[u8; 3]> = (0..20_000u32)
            .map(|i| [(i * 7) as u8, (i * 13 / 256) as u8, (i % 251) as u8])
            .collect();
        for &rgb in colours.iter().chain(&colours) {
            let want = rgb[0] as u32 * 65536 + rgb[1] as u32 * 256 + rgb[2] as u32;
            assert_eq!(memo.get(rgb), want);
        }
        let before = calls.get();
        for _ in 0..100 {
            memo.get([1, 2, 3]);
        }
        assert!(
            calls.get() <= before + 1,
            "a repeated colour is computed once"
        );
        assert_eq!(lab_of([67, 142, 219]), convert_to_lab([67, 142, 219]));
    }

    #[test]
    fn two_blown_channels_count_as_colour_clipping_and_white_does_not() {
        // Four columns: a blown cyan backdrop, white, a blue with one full channel, skin.
        let image = RgbImage::from_fn(40, 10, |x, _| {
            image::Rgb(match x / 10 {
                0 => [127, 255, 255],
                1 => [255, 255, 255],
                2 => [100, 197, 255],
                _ => [200, 150, 120],
            })
        });
        assert_eq!(colour_clipped(&image), 0.25);
    }

    #[test]
    fn blur_lowers_laplacian_variance() {
        let sharp = GrayImage::from_fn(64, 64, |x, y| {
            image::Luma([if (x / 4 + y / 4) % 2 == 0 { 30 } else { 220 }])
        });
        let blurred = imageproc::filter::gaussian_blur_f32(&sharp, 3.0);
        assert!(laplacian_variance(&sharp) > 10.0 * laplacian_variance(&blurred));
        let dim = GrayImage::from_fn(64, 64, |x, y| image::Luma([sharp.get_pixel(x, y)[0] / 4]));
        let (s, d) = (sharpness(&sharp).unwrap(), sharpness(&dim).unwrap());
        assert!(
            (s - d).abs() / s < 0.05,
            "contrast does not change sharpness: {s} vs {d}"
        );
        assert!(sharpness(&blurred).unwrap() < s / 10.0);
        assert_eq!(
            sharpness(&GrayImage::from_pixel(8, 8, image::Luma([90]))),
            None
        );
    }

    #[test]
    fn difference_hash_survives_resizing_but_not_a_different_picture() {
        let picture =
            GrayImage::from_fn(90, 80, |x, y| image::Luma([((x * 7 + y * 3) % 251) as u8]));
        let resized =
            image::imageops::resize(&picture, 45, 40, image::imageops::FilterType::Triangle);
        let other = GrayImage::from_fn(90, 80, |x, y| {
            image::Luma([((x * 13 + y * 29) % 253) as u8])
        });
        let bits =
            |a: &GrayImage, b: &GrayImage| hash_distance(&difference_hash(a), &difference_hash(b));
        assert!(bits(&picture, &resized) <= 24);
        assert!(bits(&picture, &other) >= 64);
    }

    #[test]
    fn reference_blues_lie_in_the_blue_hue_band() {
        for rgb in [
            [100, 197, 255],
            [0, 163, 230],
            [51, 143, 178],
            [0, 191, 243],
        ] {
            let h = hue_degrees(lab_of(rgb));
            assert!((230.0..280.0).contains(&h), "{rgb:?} has hue {h}");
        }
        let red = hue_degrees(lab_of([233, 51, 35]));
        assert!(!(200.0..320.0).contains(&red));
    }

    #[test]
    fn flat_background_has_no_spread_and_gradient_is_found() {
        let flat = RgbImage::from_pixel(40, 40, image::Rgb([67, 142, 219]));
        let bg = background(&flat, |_, _| true, 1).unwrap();
        assert!(bg.spread < 0.01 && bg.gradient < 0.01);
        assert_eq!(bg.median_rgb, [67, 142, 219]);
        let ramp = RgbImage::from_fn(40, 40, |_, y| image::Rgb([67 + 4 * y as u8, 142, 219]));
        let bg = background(&ramp, |_, _| true, 1).unwrap();
        assert!(bg.gradient > 10.0, "gradient {}", bg.gradient);
    }

    #[test]
    fn exposure_counts_clipped_pixels() {
        let img = GrayImage::from_fn(10, 10, |x, _| image::Luma([if x < 3 { 255 } else { 100 }]));
        let e = exposure(&img, |_, _| true);
        assert!((e.clipped_high - 0.3).abs() < 1e-9);
        assert_eq!(e.clipped_low, 0.0);
        let right = exposure(&img, |x, _| x >= 3);
        assert_eq!(right.clipped_high, 0.0);
        assert_eq!(right.mean_luma, 100.0);
    }
}
