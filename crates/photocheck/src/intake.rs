//! Intake: what a file is (by content), the facts the specification judges, and the
//! decoded, upright pixels — refusing hostile files before decoding them whole.

use crate::profile::Profile;
use crate::report::PhotoError;
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};
use std::io::Cursor;

/// A file format recognised by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    WebP,
    Heic,
    Avif,
    Bmp,
    Tiff,
    Other,
}

impl Format {
    /// Recognises a format from the first bytes of a file; `None` when it is no image.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        if head.len() >= 12 && &head[4..8] == b"ftyp" {
            return match &head[8..12] {
                b"avif" | b"avis" => Some(Format::Avif),
                b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                    Some(Format::Heic)
                }
                _ => None,
            };
        }
        Some(match image::guess_format(head).ok()? {
            image::ImageFormat::Jpeg => Format::Jpeg,
            image::ImageFormat::Png => Format::Png,
            image::ImageFormat::Gif => Format::Gif,
            image::ImageFormat::WebP => Format::WebP,
            image::ImageFormat::Bmp => Format::Bmp,
            image::ImageFormat::Tiff => Format::Tiff,
            image::ImageFormat::Avif => Format::Avif,
            _ => Format::Other,
        })
    }

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::WebP => "webp",
            Format::Heic => "heic",
            Format::Avif => "avif",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
            Format::Other => "other image",
        }
    }
}

/// How the pixels are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorModel {
    Grey,
    GreyAlpha,
    Rgb,
    Rgba,
    Indexed,
    Cmyk,
}

impl ColorModel {
    pub fn name(self) -> &'static str {
        match self {
            ColorModel::Grey => "greyscale",
            ColorModel::GreyAlpha => "greyscale+alpha",
            ColorModel::Rgb => "RGB",
            ColorModel::Rgba => "RGBA",
            ColorModel::Indexed => "indexed",
            ColorModel::Cmyk => "CMYK",
        }
    }
}

/// Facts read from the file without decoding its pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct FileFacts {
    pub format: Format,
    pub bytes: u64,
    /// Stored pixel size (before EXIF orientation).
    pub width: u32,
    pub height: u32,
    pub color: ColorModel,
    /// Bits per channel.
    pub bit_depth: u8,
    /// Horizontal and vertical resolution in dots per inch, when the file records one.
    pub dpi: Option<(f64, f64)>,
    /// JPEG only: progressive coding.
    pub progressive: bool,
    /// JPEG only: quality estimated from the luminance quantisation table (IJG scale, 1–100).
    pub jpeg_quality: Option<f64>,
    /// PNG only: an animated PNG.
    pub animated: bool,
}

/// A decoded photo: its facts, its size upright, and the working copy measured by rules.
#[derive(Debug, Clone)]
pub struct Photo {
    pub facts: FileFacts,
    /// Pixel size after EXIF orientation.
    pub width: u32,
    pub height: u32,
    /// The upright image scaled to the profile's analysis height.
    pub working: RgbImage,
}

impl Photo {
    /// A photo from its facts and its full-size upright image.
    pub fn new(facts: FileFacts, image: &RgbImage, profile: &Profile) -> Photo {
        let (width, height) = (image.width(), image.height());
        let working = working_copy(image, profile.analysis.height);
        Photo {
            facts,
            width,
            height,
            working,
        }
    }

    /// Working-copy pixels per original pixel.
    pub fn scale(&self) -> f64 {
        self.working.height() as f64 / self.height as f64
    }
}

fn error(kind: &str, message: impl Into<String>) -> PhotoError {
    PhotoError {
        kind: kind.to_string(),
        message: message.into(),
    }
}

/// Reads a file's facts. Fails for what is no JPEG or PNG, or cannot be parsed.
pub fn read_facts(bytes: &[u8]) -> Result<FileFacts, PhotoError> {
    if bytes.is_empty() {
        return Err(error(
            "format",
            "文件为空 (0 字节) / the file is empty (0 bytes)",
        ));
    }
    match Format::sniff(bytes) {
        Some(Format::Jpeg) => jpeg_facts(bytes),
        Some(Format::Png) => png_facts(bytes),
        Some(other) => Err(error(
            "format",
            format!(
                "文件内容是 {0} 图像，不是 JPEG 或 PNG，请另存为 JPEG (.jpg) / the file is a {0} image, not JPEG or PNG: save it as JPEG (.jpg)",
                other.name().to_uppercase()
            ),
        )),
        None => Err(error(
            "format",
            "文件不是可识别的图像 / the file is not an image this tool recognises",
        )),
    }
}

/// Refuses a file whose size or declared pixel count is beyond the profile's limits.
pub fn check_limits(facts: &FileFacts, profile: &Profile) -> Result<(), PhotoError> {
    let limits = &profile.limits;
    if facts.bytes > limits.max_file_bytes {
        return Err(error(
            "too_large",
            format!(
                "文件 {} 字节，超过上限 {} 字节 / the file is {} bytes, over the limit of {}",
                facts.bytes, limits.max_file_bytes, facts.bytes, limits.max_file_bytes
            ),
        ));
    }
    let pixels = facts.width as u64 * facts.height as u64;
    if facts.width == 0 || facts.height == 0 {
        return Err(error(
            "decode",
            "图像尺寸为 0 / the image declares a zero size",
        ));
    }
    if facts.width > limits.max_side || facts.height > limits.max_side || pixels > limits.max_pixels
    {
        return Err(error(
            "too_large",
            format!(
                "图像声明 {}×{} 像素，超过上限 (每边 {}，共 {} 像素)，未解码 / the image declares {}×{} pixels, over the limit ({} per side, {} in all): not decoded",
                facts.width, facts.height, limits.max_side, limits.max_pixels,
                facts.width, facts.height, limits.max_side, limits.max_pixels
            ),
        ));
    }
    Ok(())
}

/// Reads, checks and decodes a photo from its bytes.
pub fn load(bytes: &[u8], profile: &Profile) -> Result<Photo, PhotoError> {
    let (facts, image) = load_full(bytes, profile)?;
    Ok(Photo::new(facts, &image, profile))
}

/// Reads a photo's facts, holds them to the profile's limits and decodes it at full size,
/// upright.
pub fn load_full(bytes: &[u8], profile: &Profile) -> Result<(FileFacts, RgbImage), PhotoError> {
    let facts = read_facts(bytes)?;
    check_limits(&facts, profile)?;
    let image = decode(bytes, &facts, profile)?;
    Ok((facts, image))
}

fn decode(bytes: &[u8], facts: &FileFacts, profile: &Profile) -> Result<RgbImage, PhotoError> {
    let format = match facts.format {
        Format::Png => image::ImageFormat::Png,
        _ => image::ImageFormat::Jpeg,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(profile.limits.max_side);
    limits.max_image_height = Some(profile.limits.max_side);
    limits.max_alloc = Some(profile.limits.max_pixels.saturating_mul(8));
    reader.limits(limits);
    let decode_error = |e: image::ImageError| {
        error(
            "decode",
            format!(
                "图像数据损坏，无法解码 / the image data is damaged and cannot be decoded: {e}"
            ),
        )
    };
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    // An unreadable orientation tag is treated as "upright": the pixels are still fine.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    Ok(flatten_to_rgb(image))
}

/// RGB pixels, with any transparency composited over white (as a viewer shows it).
fn flatten_to_rgb(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = p[3] as u32;
        for c in 0..3 {
            o[c] = ((p[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

/// The copy rules measure: scaled, keeping its aspect ratio, to `height` pixels high — or
/// less, so that it is never wider than twice that (a 4096×12 strip would otherwise become
/// 218,453×640 pixels).
pub fn working_copy(image: &RgbImage, height: u32) -> RgbImage {
    let (w, h) = (image.width() as f64, image.height() as f64);
    let scale = (height as f64 / h).min(2.0 * height as f64 / w);
    let (ww, wh) = (
        ((w * scale).round() as u32).max(1),
        ((h * scale).round() as u32).max(1),
    );
    if (ww, wh) == image.dimensions() {
        return image.clone();
    }
    crate::resize::resize(image, ww, wh, crate::resize::Filter::Bilinear)
}

// ---------------------------------------------------------------------------------------
// JPEG

/// The luminance table of ITU-T T.81 Annex K, in natural (row-major) order.
const STD_LUMINANCE: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// Natural-order index of each zigzag position (DQT stores tables in zigzag order).
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Estimates IJG quality (1–100) from a luminance table in zigzag order: the IJG encoder
/// scales the Annex K table by S = 5000/Q (Q < 50) or 200 − 2Q, so S is the ratio of sums.
pub fn estimate_jpeg_quality(zigzag_table: &[u16; 64]) -> f64 {
    let mut sum_q = 0.0;
    let mut sum_std = 0.0;
    for (k, &q) in zigzag_table.iter().enumerate() {
        sum_q += q as f64;
        sum_std += STD_LUMINANCE[ZIGZAG[k]] as f64;
    }
    let scale = 100.0 * sum_q / sum_std;
    let quality = if scale <= 100.0 {
        (200.0 - scale) / 2.0
    } else {
        5000.0 / scale
    };
    (quality.clamp(1.0, 100.0) * 10.0).round() / 10.0
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn jpeg_facts(bytes: &[u8]) -> Result<FileFacts, PhotoError> {
    let broken = |what: &str| {
        error(
            "decode",
            format!("JPEG 结构损坏 ({what}) / the JPEG structure is damaged ({what})"),
        )
    };
    let mut pos = 2;
    let mut frame: Option<(u8, u32, u32, u8, bool)> = None; // precision, w, h, components, progressive
    let mut jfif_dpi = None;
    let mut exif_dpi = None;
    let mut luminance: Option<[u16; 64]> = None;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if bytes.get(pos) != Some(&0xFF) {
            return Err(if pos >= bytes.len() {
                truncated()
            } else {
                broken("no marker where one is expected")
            });
        }
        let marker = *bytes.get(pos + 1).ok_or_else(truncated)?;
        pos += 2;
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            continue;
        }
        if marker == 0xD9 {
            return Err(broken("image ends before any scan"));
        }
        let len = be16(bytes, pos).ok_or_else(truncated)? as usize;
        if len < 2 {
            return Err(broken("segment length below 2"));
        }
        let segment = bytes.get(pos + 2..pos + len).ok_or_else(truncated)?;
        match marker {
            0xE0 if segment.starts_with(b"JFIF\0") && segment.len() >= 12 => {
                let (units, x, y) = (segment[7], be16(segment, 8), be16(segment, 10));
                if let (Some(x), Some(y)) = (x, y) {
                    jfif_dpi = density_to_dpi(units, x as f64, y as f64);
                }
            }
            0xE1 if segment.starts_with(b"Exif\0\0") => {
                exif_dpi = exif_dpi_of(&segment[6..]);
            }
            0xDB => read_dqt(segment, &mut luminance).ok_or_else(|| broken("bad DQT"))?,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if segment.len() < 6 {
                    return Err(broken("short SOF"));
                }
                let progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
                frame = Some((
                    segment[0],
                    be16(segment, 3).unwrap_or(0) as u32,
                    be16(segment, 1).unwrap_or(0) as u32,
                    segment[5],
                    progressive,
                ));
            }
            0xDA => break,
            _ => {}
        }
        pos += len;
    }
    let (precision, width, height, components, progressive) =
        frame.ok_or_else(|| broken("no frame header before the scan"))?;
    // Entropy-coded data never holds 0xFF 0xD9 (0xFF is stuffed), so the first one is the end.
    if !bytes[pos..].windows(2).any(|w| w == [0xFF, 0xD9]) {
        return Err(truncated());
    }
    let color = match components {
        1 => ColorModel::Grey,
        3 => ColorModel::Rgb,
        4 => ColorModel::Cmyk,
        _ => return Err(broken("unsupported component count")),
    };
    Ok(FileFacts {
        format: Format::Jpeg,
        bytes: bytes.len() as u64,
        width,
        height,
        color,
        bit_depth: precision,
        dpi: jfif_dpi.or(exif_dpi),
        progressive,
        jpeg_quality: luminance.as_ref().map(estimate_jpeg_quality),
        animated: false,
    })
}

fn truncated() -> PhotoError {
    error(
        "truncated",
        "文件不完整 (被截断)，请重新提交原始照片 / the file is cut short (truncated): send the original photo again",
    )
}

/// Reads the DQT tables of a segment, keeping table 0 (luminance).
fn read_dqt(segment: &[u8], luminance: &mut Option<[u16; 64]>) -> Option<()> {
    let mut i = 0;
    while i < segment.len() {
        let (precision, id) = (segment[i] >> 4, segment[i] & 0x0F);
        i += 1;
        let mut table = [0u16; 64];
        for value in table.iter_mut() {
            *value = if precision == 0 {
                *segment.get(i)? as u16
            } else {
                be16(segment, i)?
            };
            i += if precision == 0 { 1 } else { 2 };
        }
        if id == 0 {
            *luminance = Some(table);
        }
    }
    Some(())
}

fn density_to_dpi(units: u8, x: f64, y: f64) -> Option<(f64, f64)> {
    match units {
        1 => Some((x, y)),
        2 => Some((x * 2.54, y * 2.54)),
        _ => None,
    }
}

fn exif_dpi_of(tiff: &[u8]) -> Option<(f64, f64)> {
    let exif = exif::Reader::new().read_raw(tiff.to_vec()).ok()?;
    let rational = |tag| match exif.get_field(tag, exif::In::PRIMARY)?.value {
        exif::Value::Rational(ref v) if !v.is_empty() && v[0].denom != 0 => Some(v[0].to_f64()),
        _ => None,
    };
    let unit = exif
        .get_field(exif::Tag::ResolutionUnit, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .unwrap_or(2);
    let x = rational(exif::Tag::XResolution)?;
    let y = rational(exif::Tag::YResolution).unwrap_or(x);
    density_to_dpi(if unit == 3 { 2 } else { 1 }, x, y)
}

// ---------------------------------------------------------------------------------------
// PNG

/// The IEND chunk that closes every PNG: its type and its (constant) CRC.
const PNG_END: [u8; 8] = [b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];

fn png_facts(bytes: &[u8]) -> Result<FileFacts, PhotoError> {
    if !bytes.windows(PNG_END.len()).any(|w| w == PNG_END) {
        return Err(truncated());
    }
    let decoder = png::Decoder::new(Cursor::new(bytes));
    let reader = decoder.read_info().map_err(|e| match e {
        png::DecodingError::IoError(_) => truncated(),
        e => error(
            "decode",
            format!("PNG 结构损坏 / the PNG structure is damaged: {e}"),
        ),
    })?;
    let info = reader.info();
    let color = match info.color_type {
        png::ColorType::Grayscale => ColorModel::Grey,
        png::ColorType::GrayscaleAlpha => ColorModel::GreyAlpha,
        png::ColorType::Rgb => ColorModel::Rgb,
        png::ColorType::Rgba => ColorModel::Rgba,
        png::ColorType::Indexed => ColorModel::Indexed,
    };
    let dpi = info.pixel_dims.and_then(|d| match d.unit {
        png::Unit::Meter => Some((d.xppu as f64 * 0.0254, d.yppu as f64 * 0.0254)),
        png::Unit::Unspecified => None,
    });
    Ok(FileFacts {
        format: Format::Png,
        bytes: bytes.len() as u64,
        width: info.width,
        height: info.height,
        color,
        bit_depth: info.bit_depth as u8,
        dpi,
        progressive: info.interlaced,
        jpeg_quality: None,
        animated: info.animation_control.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;

    fn jpeg_of(quality: u8) -> Vec<u8> {
        let img = RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&img)
            .unwrap();
        out
    }

    #[test]
    fn quality_estimate_recovers_the_encoder_setting() {
        for q in [20u8, 45, 60, 75, 90, 98] {
            let facts = read_facts(&jpeg_of(q)).unwrap();
            let est = facts.jpeg_quality.unwrap();
            assert!(
                (est - q as f64).abs() <= 1.5,
                "quality {q} estimated as {est}"
            );
        }
    }

    #[test]
    fn jpeg_facts_read_size_and_colour() {
        let facts = read_facts(&jpeg_of(80)).unwrap();
        assert_eq!((facts.width, facts.height), (64, 48));
        assert_eq!(facts.color, ColorModel::Rgb);
        assert_eq!(facts.bit_depth, 8);
        assert!(!facts.progressive);
    }

    #[test]
    fn cut_jpeg_is_truncated() {
        let bytes = jpeg_of(80);
        for cut in [bytes.len() - 2, bytes.len() / 2, 30, 3] {
            let err = read_facts(&bytes[..cut]).unwrap_err();
            assert_eq!(err.kind, "truncated", "cut at {cut}: {}", err.message);
        }
    }

    #[test]
    fn cut_png_is_truncated() {
        let img = RgbImage::from_pixel(8, 8, image::Rgb([1, 2, 3]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(read_facts(&png).is_ok());
        let err = read_facts(&png[..png.len() - 4]).unwrap_err();
        assert_eq!(err.kind, "truncated");
    }

    #[test]
    fn sniffing_goes_by_content_not_name() {
        assert_eq!(Format::sniff(&jpeg_of(80)), Some(Format::Jpeg));
        assert_eq!(
            Format::sniff(b"\x00\x00\x00\x18ftypheic\x00\x00"),
            Some(Format::Heic)
        );
        assert_eq!(
            Format::sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 "),
            Some(Format::WebP)
        );
        assert_eq!(Format::sniff(b"hello, world"), None);
        let err = read_facts(b"GIF89a\x01\x00\x01\x00\x00\x00\x00").unwrap_err();
        assert_eq!(err.kind, "format");
        assert!(err.message.contains("GIF"), "{}", err.message);
    }

    #[test]
    fn declared_giant_is_refused_before_decoding() {
        let mut facts = read_facts(&jpeg_of(80)).unwrap();
        facts.width = 60_000;
        facts.height = 60_000;
        let err = check_limits(&facts, &Profile::default()).unwrap_err();
        assert_eq!(err.kind, "too_large");
    }

    #[test]
    fn the_working_copy_is_640_high_and_never_wider_than_twice_that() {
        let copy = |w, h| working_copy(&RgbImage::new(w, h), 640).dimensions();
        assert_eq!(copy(480, 640), (480, 640));
        assert_eq!(copy(240, 320), (480, 640));
        assert_eq!(copy(2048, 2048), (640, 640));
        assert_eq!(copy(4096, 12), (1280, 4));
        assert_eq!(copy(3, 9000), (1, 640));
    }

    #[test]
    fn transparency_is_composited_over_white() {
        let mut rgba = image::RgbaImage::new(2, 1);
        rgba.put_pixel(0, 0, image::Rgba([0, 0, 255, 0]));
        rgba.put_pixel(1, 0, image::Rgba([0, 0, 255, 255]));
        let rgb = flatten_to_rgb(DynamicImage::ImageRgba8(rgba));
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [0, 0, 255]);
    }
}
