//! What the benchmarks run on: 480×640 JPEG portraits made from the project's reference
//! photo (the public-domain astronaut portrait, testdata/photos/reference.jpg), slightly
//! zoomed and shifted so that consecutive photos differ, and the models.

use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::RgbImage;
use photocheck::engine::{default_model_dir, fetch_models, missing_files};
use std::path::{Path, PathBuf};

/// How many different photos a benchmark folder cycles through.
pub const VARIANTS: usize = 16;

/// The reference portrait, 480×640.
pub fn reference() -> RgbImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/photos/reference.jpg");
    image::open(&path)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run `cargo run -p testdata-gen` first)",
                path.display()
            )
        })
        .to_rgb8()
}

/// `VARIANTS` JPEG files (quality 90, 300 dpi) of the reference, each zoomed in by 0–9 %
/// and shifted by a few pixels.
pub fn variants() -> Vec<Vec<u8>> {
    let reference = reference();
    let (w, h) = reference.dimensions();
    (0..VARIANTS)
        .map(|i| {
            let zoom = 1.0 + 0.03 * (i % 4) as f64;
            let (cw, ch) = ((w as f64 / zoom) as u32, (h as f64 / zoom) as u32);
            let (spare_x, spare_y) = (w - cw, h - ch);
            let x = spare_x * ((i / 4) as u32) / 3;
            let y = spare_y / 2;
            let window = image::imageops::crop_imm(&reference, x, y, cw, ch).to_image();
            let photo =
                photocheck::resize::resize(&window, w, h, photocheck::resize::Filter::Bilinear);
            let mut jpeg = Vec::new();
            let mut encoder = JpegEncoder::new_with_quality(&mut jpeg, 90);
            encoder.set_pixel_density(PixelDensity::dpi(300));
            encoder
                .encode_image(&photo)
                .expect("an in-memory image encodes");
            jpeg
        })
        .collect()
}

/// A folder of `count` photos under `dir` (the variants in turn, hard links to copies kept
/// beside it): the folder and the photos' paths, in order.
pub fn photo_folder(dir: &Path, count: usize) -> std::io::Result<(PathBuf, Vec<PathBuf>)> {
    let (sources, photos) = (dir.join("variants"), dir.join("photos"));
    std::fs::create_dir_all(&sources)?;
    std::fs::create_dir_all(&photos)?;
    let originals: Vec<PathBuf> = variants()
        .iter()
        .enumerate()
        .map(|(i, jpeg)| {
            let path = sources.join(format!("{i:02}.jpg"));
            std::fs::write(&path, jpeg).map(|_| path)
        })
        .collect::<Result<_, _>>()?;
    let paths = (0..count)
        .map(|i| {
            let path = photos.join(format!("{i:06}.jpg"));
            std::fs::hard_link(&originals[i % VARIANTS], &path).map(|_| path)
        })
        .collect::<Result<_, _>>()?;
    Ok((photos, paths))
}

/// The model folder, fetched there first when files are missing.
pub fn model_dir() -> PathBuf {
    let dir = default_model_dir();
    if !missing_files(&dir).is_empty() {
        fetch_models(&dir).expect("fetch the models");
    }
    dir
}
