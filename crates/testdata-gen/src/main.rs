//! Writes the project's own test photos to `testdata/photos/` and their expected outcomes
//! to `testdata/expected.jsonl`. Run from the repository root:
//! `cargo run -p testdata-gen`. Output is deterministic.

use image::{imageops, Rgb, RgbImage};
use imageproc::drawing::{draw_filled_ellipse_mut, draw_polygon_mut};
use imageproc::point::Point;
use jpeg_encoder::{ColorType, Encoder, PixelDensity};
use serde_json::json;
use std::path::Path;

const BLUE: [u8; 3] = [67, 142, 219];
const SKIN: [u8; 3] = [224, 182, 150];
const HAIR: [u8; 3] = [35, 28, 25];
const JACKET: [u8; 3] = [40, 40, 46];

/// A small deterministic noise source (xorshift), so that files are the same on every run.
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> i16 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 % 13) as i16 - 6
    }
}

/// A head-and-shoulders figure in the specification's bands on a background.
fn figure(width: u32, height: u32, background: impl Fn(u32, u32) -> [u8; 3]) -> RgbImage {
    let mut img = RgbImage::from_fn(width, height, |x, y| Rgb(background(x, y)));
    let sx = |v: f32| (v * width as f32 / 480.0) as i32;
    let sy = |v: f32| (v * height as f32 / 640.0) as i32;
    let (cx, cy) = (sx(240.0), sy(250.0));
    draw_polygon_mut(
        &mut img,
        &[
            Point::new(sx(40.0), height as i32 - 1),
            Point::new(sx(80.0), sy(470.0)),
            Point::new(sx(400.0), sy(470.0)),
            Point::new(sx(440.0), height as i32 - 1),
        ],
        Rgb(JACKET),
    );
    draw_filled_ellipse_mut(&mut img, (cx, sy(420.0)), sx(45.0), sy(70.0), Rgb(SKIN));
    draw_filled_ellipse_mut(&mut img, (cx, sy(230.0)), sx(112.0), sy(150.0), Rgb(HAIR));
    draw_filled_ellipse_mut(&mut img, (cx, cy), sx(100.0), sy(135.0), Rgb(SKIN));
    for dx in [-42.0, 42.0] {
        let ex = sx(240.0 + dx);
        draw_filled_ellipse_mut(
            &mut img,
            (ex, sy(240.0)),
            sx(16.0),
            sy(7.0),
            Rgb([250, 250, 250]),
        );
        draw_filled_ellipse_mut(
            &mut img,
            (ex, sy(240.0)),
            sx(6.0),
            sy(6.0),
            Rgb([40, 30, 25]),
        );
        draw_filled_ellipse_mut(&mut img, (ex, sy(218.0)), sx(22.0), sy(4.0), Rgb(HAIR));
    }
    draw_filled_ellipse_mut(
        &mut img,
        (cx, sy(320.0)),
        sx(28.0),
        sy(6.0),
        Rgb([170, 90, 90]),
    );
    let mut noise = Noise(0x9E37_79B9);
    for p in img.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = (*c as i16 + noise.next()).clamp(0, 255) as u8;
        }
    }
    img
}

fn flat(rgb: [u8; 3]) -> impl Fn(u32, u32) -> [u8; 3] {
    move |_, _| rgb
}

struct Jpeg {
    quality: u8,
    density: PixelDensity,
    progressive: bool,
    exif: Option<Vec<u8>>,
}

impl Default for Jpeg {
    fn default() -> Self {
        Jpeg {
            quality: 90,
            density: PixelDensity::dpi(300),
            progressive: false,
            exif: None,
        }
    }
}

impl Jpeg {
    fn encode(&self, data: &[u8], width: u32, height: u32, color: ColorType) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = Encoder::new(&mut out, self.quality);
        encoder.set_density(self.density);
        encoder.set_progressive(self.progressive);
        if let Some(exif) = &self.exif {
            encoder
                .add_app_segment(1, exif.clone())
                .expect("EXIF fits one segment");
        }
        encoder
            .encode(data, width as u16, height as u16, color)
            .expect("encoding an in-memory image succeeds");
        out
    }

    fn rgb(&self, img: &RgbImage) -> Vec<u8> {
        self.encode(img.as_raw(), img.width(), img.height(), ColorType::Rgb)
    }
}

/// An EXIF block (big-endian TIFF) holding only an Orientation tag.
fn exif_orientation(orientation: u16) -> Vec<u8> {
    let mut e = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    e.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
    e.extend_from_slice(&orientation.to_be_bytes());
    e.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    e
}

/// Rewrites the frame header's declared size (a decompression bomb: tiny file, huge image).
fn declare_size(mut jpeg: Vec<u8>, width: u16, height: u16) -> Vec<u8> {
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline frame header");
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

fn main() {
    let root = Path::new("testdata");
    let dir = root.join("photos");
    std::fs::create_dir_all(&dir).expect("create testdata/photos");
    let good = figure(480, 640, flat(BLUE));
    let mut expected = Vec::new();
    let mut put = |name: &str,
                   bytes: Vec<u8>,
                   verdict: &str,
                   fails: &[&str],
                   error: Option<&str>,
                   why: &str| {
        std::fs::write(dir.join(name), bytes).expect("write test photo");
        expected.push(
            json!({"file": name, "verdict": verdict, "fails": fails, "error": error, "why": why}),
        );
    };

    put(
        "compliant.jpg",
        Jpeg::default().rgb(&good),
        "pass",
        &[],
        None,
        "480×640 RGB JPEG, 300 dpi, quality 90, flat blue background",
    );
    put(
        "compliant_progressive.jpg",
        Jpeg {
            progressive: true,
            ..Jpeg::default()
        }
        .rgb(&good),
        "pass",
        &[],
        None,
        "progressive JPEG is allowed",
    );
    let sideways = imageops::rotate270(&good);
    put(
        "exif_rotated.jpg",
        Jpeg {
            exif: Some(exif_orientation(6)),
            ..Jpeg::default()
        }
        .rgb(&sideways),
        "pass",
        &[],
        None,
        "stored 640×480 with EXIF orientation 6: upright it is 480×640",
    );
    put(
        "wrong_size.jpg",
        Jpeg::default().rgb(&figure(413, 531, flat(BLUE))),
        "fail",
        &["format.size"],
        None,
        "413×531 pixels",
    );
    let grey = imageops::grayscale(&good);
    put(
        "greyscale.jpg",
        Jpeg::default().encode(grey.as_raw(), 480, 640, ColorType::Luma),
        "fail",
        &["format.color", "background.blue"],
        None,
        "greyscale: no colour, so no blue",
    );
    let cmyk: Vec<u8> = good
        .pixels()
        .flat_map(|p| {
            let [r, g, b] = p.0;
            let k = 255 - r.max(g).max(b);
            let c = |v: u8| {
                if k == 255 {
                    0
                } else {
                    ((255 - v - k) as u32 * 255 / (255 - k) as u32) as u8
                }
            };
            [c(r), c(g), c(b), k]
        })
        .collect();
    put(
        "cmyk.jpg",
        Jpeg::default().encode(&cmyk, 480, 640, ColorType::Cmyk),
        "fail",
        &["format.color"],
        None,
        "CMYK JPEG",
    );
    put(
        "no_dpi.jpg",
        Jpeg {
            density: PixelDensity::default(),
            ..Jpeg::default()
        }
        .rgb(&good),
        "fail",
        &["format.dpi"],
        None,
        "no resolution recorded",
    );
    put(
        "dpi72.jpg",
        Jpeg {
            density: PixelDensity::dpi(72),
            ..Jpeg::default()
        }
        .rgb(&good),
        "fail",
        &["format.dpi"],
        None,
        "72 dpi",
    );
    put(
        "low_quality.jpg",
        Jpeg {
            quality: 30,
            ..Jpeg::default()
        }
        .rgb(&good),
        "fail",
        &["format.quality"],
        None,
        "JPEG quality 30",
    );
    let mut png = Vec::new();
    good.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode PNG");
    put(
        "photo.png",
        png,
        "fail",
        &["format.jpeg", "format.dpi"],
        None,
        "PNG without a resolution",
    );
    let blurred = imageproc::filter::gaussian_blur_f32(&good, 6.0);
    put(
        "blurred.jpg",
        Jpeg::default().rgb(&blurred),
        "fail",
        &["quality.sharp"],
        None,
        "Gaussian blur, sigma 6",
    );
    let dark = RgbImage::from_fn(480, 640, |x, y| Rgb(good.get_pixel(x, y).0.map(|c| c / 8)));
    put(
        "dark.jpg",
        Jpeg::default().rgb(&dark),
        "fail",
        &["exposure.ok", "background.blue", "quality.sharp"],
        None,
        "under-exposed by 3 stops: dark, so not blue, and too little contrast to look sharp",
    );
    put(
        "grey_background.jpg",
        Jpeg::default().rgb(&figure(480, 640, flat([200, 200, 200]))),
        "fail",
        &["background.blue"],
        None,
        "light grey background",
    );
    put(
        "red_background.jpg",
        Jpeg::default().rgb(&figure(480, 640, flat([233, 51, 35]))),
        "fail",
        &["background.blue"],
        None,
        "red background",
    );
    let gradient = figure(480, 640, |_, y| {
        let t = y as f32 / 639.0;
        let mix = |a: u8, b: u8| (a as f32 * (1.0 - t) + b as f32 * t) as u8;
        [mix(0, 250), mix(163, 250), mix(230, 250)]
    });
    put(
        "gradient_background.jpg",
        Jpeg::default().rgb(&gradient),
        "fail",
        &["background.uniform"],
        None,
        "background shades from blue (0,163,230) at the top to white (250,250,250) at the bottom",
    );
    let full = Jpeg::default().rgb(&good);
    put(
        "truncated.jpg",
        full[..full.len() / 2].to_vec(),
        "error",
        &[],
        Some("truncated"),
        "the second half of the file is missing",
    );
    put(
        "empty.jpg",
        Vec::new(),
        "error",
        &[],
        Some("format"),
        "zero bytes",
    );
    put(
        "not_a_photo.jpg",
        b"student list\n2021001,Zhang San\n".to_vec(),
        "error",
        &[],
        Some("format"),
        "a text file named .jpg",
    );
    let mut heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    heic.resize(2048, 0);
    put(
        "heic_renamed.jpg",
        heic,
        "error",
        &[],
        Some("format"),
        "an HEIC (iPhone) file named .jpg",
    );
    put(
        "bomb.jpg",
        declare_size(
            Jpeg::default().rgb(&figure(48, 64, flat(BLUE))),
            60000,
            60000,
        ),
        "error",
        &[],
        Some("too_large"),
        "declares 60000×60000 pixels in a small file",
    );

    let lines: Vec<String> = expected.iter().map(|e| e.to_string()).collect();
    std::fs::write(root.join("expected.jsonl"), lines.join("\n") + "\n")
        .expect("write expected.jsonl");
    println!("wrote {} photos to {}", lines.len(), dir.display());
}
