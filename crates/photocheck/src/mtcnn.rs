//! A second face detector for counting faces: MTCNN (proposal, refine and output nets over
//! an image pyramid). BlazeFace sees the photo at 128×128 and misses what MTCNN finds:
//! small, blurred faces and faces cut by the photo's edge — bystanders behind the student.
//! Pre- and post-processing follow the `mtcnn` package these models come from (its
//! default stage thresholds, pyramid step and suppression), with boxes in continuous
//! pixel coordinates.

use crate::analysis::Point;
use crate::engine::Engine;
use crate::resize;
use image::{imageops, RgbImage};
use ndarray::Array4;
use ort::value::TensorRef;

/// A face box from MTCNN.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceBox {
    /// Left, top, width, height in working-copy pixels.
    pub bbox: [f32; 4],
    /// The output net's face probability, 0–1.
    pub score: f32,
}

impl FaceBox {
    /// The box's centre.
    pub fn centre(&self) -> Point {
        let [x, y, w, h] = self.bbox;
        [x + w / 2.0, y + h / 2.0]
    }
}

/// Smallest face looked for, in working-copy pixels: a tenth of its 640-pixel height.
/// Smaller faces are far-off figures; each halving of this size doubles the proposal net's
/// work (the pyramid starts at 12 / this).
const MIN_FACE: f32 = 64.0;
/// The pyramid's first scale maps the smallest face to the proposal window.
const FIRST_SCALE: f32 = WINDOW / MIN_FACE;
/// Each pyramid level is this much smaller than the one before (the package's default).
const PYRAMID_STEP: f32 = 0.709;
/// Least probability kept after the proposal, refine and output nets (package defaults).
const PROPOSAL_SCORE: f32 = 0.6;
const REFINE_SCORE: f32 = 0.7;
const OUTPUT_SCORE: f32 = 0.7;
/// Boxes overlapping more than this (over their union; within one pyramid level, more
/// than half) are one face: the package's suppression limits.
const OVERLAP: f32 = 0.7;
const LEVEL_OVERLAP: f32 = 0.5;
/// The proposal net's window and stride, in pyramid-level pixels.
const WINDOW: f32 = 12.0;
const STRIDE: f32 = 2.0;

/// A candidate: left, top, right, bottom (continuous pixels), then its score.
type Candidate = [f32; 5];

/// Every face MTCNN finds in `image` with an output probability of at least 0.7, except
/// where `ignore` says a box centred at that point is a face already known: those are
/// dropped as soon as they are proposed, which spares the later nets most of their work.
pub fn detect(
    engine: &Engine,
    image: &RgbImage,
    ignore: impl Fn(Point) -> bool,
) -> Result<Vec<FaceBox>, ort::Error> {
    let centre = |c: &Candidate| [(c[0] + c[2]) / 2.0, (c[1] + c[3]) / 2.0];
    let mut proposals = propose(engine, image)?;
    proposals.retain(|c| !ignore(centre(c)));
    let refined: Vec<Candidate> = suppress(
        judged(engine, image, proposals, Judge::Refine)?,
        OVERLAP,
        Overlap::Union,
    )
    .into_iter()
    .map(square)
    .collect();
    let faces = suppress(
        judged(engine, image, refined, Judge::Output)?,
        OVERLAP,
        Overlap::Smaller,
    );
    Ok(faces
        .into_iter()
        .filter(|c| !ignore(centre(c)))
        .map(|[l, t, r, b, score]| FaceBox {
            bbox: [l, t, r - l, b - t],
            score,
        })
        .collect())
}

/// The pyramid's scales: [`FIRST_SCALE`], each next one [`PYRAMID_STEP`] of the one
/// before, down to the window's size.
fn scales(image: &RgbImage) -> impl Iterator<Item = f32> {
    let shorter = image.width().min(image.height()) as f32;
    std::iter::successors(Some(FIRST_SCALE), |s| Some(s * PYRAMID_STEP))
        .take_while(move |s| shorter * s >= WINDOW)
}

/// `image` at `scale`, as the proposal net's input.
fn level_input(image: &RgbImage, scale: f32) -> Array4<f32> {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let (sw, sh) = ((w * scale).ceil() as u32, (h * scale).ceil() as u32);
    tensor(&[resize::resize(image, sw, sh, resize::Filter::Box)])
}

/// The proposal net's input at the pyramid's first level (for timing the net alone).
pub fn first_level_input(image: &RgbImage) -> Array4<f32> {
    level_input(image, FIRST_SCALE)
}

/// Stage 1: the proposal net over each pyramid level, its windows regressed to squares.
fn propose(engine: &Engine, image: &RgbImage) -> Result<Vec<Candidate>, ort::Error> {
    let mut all = Vec::new();
    for scale in scales(image) {
        let input = level_input(image, scale);
        let mut sessions = engine.sessions();
        let outputs = sessions
            .mtcnn_proposal
            .run(ort::inputs![TensorRef::from_array_view(&input)?])?;
        let (shape, regression) = outputs["conv2d_4"].try_extract_tensor::<f32>()?;
        let (_, probability) = outputs["softmax"].try_extract_tensor::<f32>()?;
        // Outputs are [1, x, y, channel]: the nets take images transposed (see `tensor`).
        let (cols, rows) = (shape[1] as usize, shape[2] as usize);
        let mut level_candidates = Vec::new();
        for cx in 0..cols {
            for cy in 0..rows {
                let cell = cx * rows + cy;
                let score = probability[cell * 2 + 1];
                if score < PROPOSAL_SCORE {
                    continue;
                }
                let (x, y) = (cx as f32 * STRIDE / scale, cy as f32 * STRIDE / scale);
                let side = WINDOW / scale;
                let window = [x, y, x + side, y + side, score];
                level_candidates.push(regressed(window, &regression[cell * 4..cell * 4 + 4]));
            }
        }
        all.extend(suppress(level_candidates, LEVEL_OVERLAP, Overlap::Union));
    }
    Ok(suppress(all, OVERLAP, Overlap::Union)
        .into_iter()
        .map(square)
        .collect())
}

/// The two nets that judge candidates: each takes a square patch per candidate and gives
/// a face probability and a box regression per patch.
#[derive(Clone, Copy)]
enum Judge {
    /// Stage 2, 24×24 patches.
    Refine,
    /// Stage 3, 48×48 patches.
    Output,
}

impl Judge {
    fn patch_size(self) -> u32 {
        match self {
            Judge::Refine => 24,
            Judge::Output => 48,
        }
    }

    fn least_score(self) -> f32 {
        match self {
            Judge::Refine => REFINE_SCORE,
            Judge::Output => OUTPUT_SCORE,
        }
    }

    /// The names of the net's regression and probability outputs.
    fn outputs(self) -> [&'static str; 2] {
        match self {
            Judge::Refine => ["dense_2", "softmax_1"],
            Judge::Output => ["dense_5", "softmax_2"],
        }
    }
}

/// The candidates `judge` scores at least its least score, with that score and their
/// regressed boxes.
fn judged(
    engine: &Engine,
    image: &RgbImage,
    candidates: Vec<Candidate>,
    judge: Judge,
) -> Result<Vec<Candidate>, ort::Error> {
    if candidates.is_empty() {
        return Ok(candidates);
    }
    let patches: Vec<RgbImage> = candidates
        .iter()
        .map(|c| patch(image, c, judge.patch_size()))
        .collect();
    let input = tensor(&patches);
    let mut sessions = engine.sessions();
    let session = match judge {
        Judge::Refine => &mut sessions.mtcnn_refine,
        Judge::Output => &mut sessions.mtcnn_output,
    };
    let outputs = session.run(ort::inputs![TensorRef::from_array_view(&input)?])?;
    let [regression, probability] = judge.outputs();
    let (_, regression) = outputs[regression].try_extract_tensor::<f32>()?;
    let (_, probability) = outputs[probability].try_extract_tensor::<f32>()?;
    Ok(scored(
        &candidates,
        probability,
        regression,
        judge.least_score(),
    ))
}

/// The candidates whose face probability (second of each pair) reaches `least`, with that
/// probability and their regressed boxes.
fn scored(
    candidates: &[Candidate],
    probability: &[f32],
    regression: &[f32],
    least: f32,
) -> Vec<Candidate> {
    candidates
        .iter()
        .enumerate()
        .filter(|&(n, _)| probability[n * 2 + 1] >= least)
        .map(|(n, c)| {
            let [l, t, r, b, _] = *c;
            regressed(
                [l, t, r, b, probability[n * 2 + 1]],
                &regression[n * 4..n * 4 + 4],
            )
        })
        .collect()
}

/// A box moved by the nets' regression (left, top, right, bottom offsets): each edge by
/// its offset times the box's size.
fn regressed([l, t, r, b, score]: Candidate, d: &[f32]) -> Candidate {
    let (w, h) = (r - l, b - t);
    [
        l + d[0] * w,
        t + d[1] * h,
        r + d[2] * w,
        b + d[3] * h,
        score,
    ]
}

/// The square with the box's centre and its longer side.
fn square([l, t, r, b, score]: Candidate) -> Candidate {
    let side = (r - l).max(b - t);
    let (cx, cy) = ((l + r) / 2.0, (t + b) / 2.0);
    let half = side / 2.0;
    [cx - half, cy - half, cx + half, cy + half, score]
}

/// How two boxes' overlap is measured: over their union, or over the smaller box.
#[derive(Clone, Copy)]
enum Overlap {
    Union,
    Smaller,
}

/// Greedy non-maximum suppression: best first, dropping boxes overlapping a kept one by
/// more than `limit`.
fn suppress(mut candidates: Vec<Candidate>, limit: f32, overlap: Overlap) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b[4].total_cmp(&a[4]));
    let area = |c: &Candidate| (c[2] - c[0]).max(0.0) * (c[3] - c[1]).max(0.0);
    let mut kept: Vec<Candidate> = Vec::new();
    for c in candidates {
        let overlaps = kept.iter().any(|k| {
            let iw = (c[2].min(k[2]) - c[0].max(k[0])).max(0.0);
            let ih = (c[3].min(k[3]) - c[1].max(k[1])).max(0.0);
            let inter = iw * ih;
            let base = match overlap {
                Overlap::Union => area(&c) + area(k) - inter,
                Overlap::Smaller => area(&c).min(area(k)),
            };
            base > 0.0 && inter / base > limit
        });
        if !overlaps {
            kept.push(c);
        }
    }
    kept
}

/// The candidate's box (rounded to whole pixels; black outside the image) scaled to
/// `size`×`size`.
fn patch(image: &RgbImage, c: &Candidate, size: u32) -> RgbImage {
    let (l, t) = (c[0].round() as i64, c[1].round() as i64);
    let (w, h) = (
        ((c[2] - c[0]).round() as i64).max(1),
        ((c[3] - c[1]).round() as i64).max(1),
    );
    let mut canvas = RgbImage::new(w as u32, h as u32);
    let (x0, y0) = (l.max(0), t.max(0));
    let x1 = (l + w).min(image.width() as i64);
    let y1 = (t + h).min(image.height() as i64);
    if x1 > x0 && y1 > y0 {
        let inside = imageops::crop_imm(
            image,
            x0 as u32,
            y0 as u32,
            (x1 - x0) as u32,
            (y1 - y0) as u32,
        );
        imageops::replace(&mut canvas, &*inside, x0 - l, y0 - t);
    }
    resize::resize(&canvas, size, size, resize::Filter::Box)
}

/// Images as the nets take them: [n, x, y, channel] (transposed, as the original Caffe
/// models were trained), 0–255 mapped to about −1…1.
fn tensor(images: &[RgbImage]) -> Array4<f32> {
    let (w, h) = images[0].dimensions();
    let mut t = Array4::<f32>::zeros((images.len(), w as usize, h as usize, 3));
    for (n, image) in images.iter().enumerate() {
        for (x, y, p) in image.enumerate_pixels() {
            for c in 0..3 {
                t[[n, x as usize, y as usize, c]] = (p[c] as f32 - 127.5) * 0.0078125;
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_keeps_the_best_of_overlapping_boxes_and_distant_ones() {
        let kept = suppress(
            vec![
                [0.0, 0.0, 10.0, 10.0, 0.8],
                [1.0, 1.0, 11.0, 11.0, 0.9],
                [50.0, 50.0, 60.0, 60.0, 0.7],
            ],
            0.5,
            Overlap::Union,
        );
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0][4], 0.9);
        assert_eq!(kept[1][0], 50.0);
        // A small box inside a big one: little of the union, all of the smaller box.
        let nested = vec![[0.0, 0.0, 100.0, 100.0, 0.9], [10.0, 10.0, 30.0, 30.0, 0.8]];
        assert_eq!(suppress(nested.clone(), 0.7, Overlap::Union).len(), 2);
        assert_eq!(suppress(nested, 0.7, Overlap::Smaller).len(), 1);
    }

    #[test]
    fn regression_moves_edges_by_the_box_size_and_squares_keep_the_centre() {
        let moved = regressed([10.0, 20.0, 30.0, 60.0, 0.5], &[0.1, -0.1, 0.0, 0.5]);
        assert_eq!(moved, [12.0, 16.0, 30.0, 80.0, 0.5]);
        let sq = square([10.0, 20.0, 30.0, 60.0, 0.5]);
        assert_eq!(sq, [0.0, 20.0, 40.0, 60.0, 0.5]);
    }

    #[test]
    fn patches_are_black_outside_the_image() {
        let image = RgbImage::from_pixel(20, 20, image::Rgb([200, 100, 50]));
        // Half of the box lies left of the image.
        let p = patch(&image, &[-10.0, 0.0, 10.0, 20.0, 1.0], 24);
        assert_eq!(p.get_pixel(2, 12).0, [0, 0, 0]);
        assert_eq!(p.get_pixel(21, 12).0, [200, 100, 50]);
    }

    #[test]
    fn tensors_are_transposed_and_centred() {
        let mut image = RgbImage::new(3, 2);
        image.put_pixel(2, 1, image::Rgb([255, 0, 128]));
        let t = tensor(&[image]);
        assert_eq!(t.dim(), (1, 3, 2, 3));
        assert_eq!(t[[0, 2, 1, 0]], 127.5 * 0.0078125);
        assert_eq!(t[[0, 2, 1, 1]], -127.5 * 0.0078125);
        assert_eq!(t[[0, 0, 0, 0]], -127.5 * 0.0078125);
    }
}
