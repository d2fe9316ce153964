//! One analysis per photo: faces, the main face's 468-point mesh, both eyes' contour, brow
//! and iris points, head pose, and the person mask — all in working-copy pixel coordinates.
//!
//! The pre- and post-processing follows the MediaPipe graphs these models come from
//! (BlazeFace short range, FaceMesh, Iris, Selfie segmentation); MTCNN (see [`crate::mtcnn`])
//! looks for further faces.

use crate::canonical_face;
use crate::engine::{Engine, Sessions};
use crate::mtcnn::{self, FaceBox};
use crate::resize;
use crate::timings::Timings;
use image::{imageops, GrayImage, RgbImage};
use ndarray::Array4;
use ort::value::TensorRef;

/// A point in working-copy pixels.
pub type Point = [f32; 2];

/// A detected face.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    /// Box: left, top, width, height.
    pub bbox: [f32; 4],
    pub score: f32,
    /// Right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion
    /// (the subject's right and left).
    pub keypoints: [Point; 6],
}

/// One eye's points from the iris model.
#[derive(Debug, Clone, PartialEq)]
pub struct Eye {
    /// 71 eye-contour and brow points.
    pub contour: Vec<Point>,
    /// Iris centre, then four points on its rim.
    pub iris: [Point; 5],
}

impl Eye {
    /// The iris centre.
    pub fn iris_center(&self) -> Point {
        self.iris[0]
    }

    /// The iris radius: mean distance of the rim points from the centre.
    pub fn iris_radius(&self) -> f32 {
        self.iris[1..]
            .iter()
            .map(|p| distance(*p, self.iris[0]))
            .sum::<f32>()
            / 4.0
    }
}

/// Head pose in degrees. Roll: positive when the eye line falls to the image's right.
/// Yaw: positive when the face turns to the image's right. Pitch: positive chin down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadPose {
    pub yaw: f32,
    pub pitch: f32,
    pub roll: f32,
}

/// The main (largest) face in detail.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceDetail {
    /// 468 points: x, y in pixels, z depth on the same scale (smaller is nearer).
    pub mesh: Vec<[f32; 3]>,
    /// The mesh model's confidence that a face is in the crop, 0–1.
    pub presence: f32,
    /// The subject's right eye (on the image's left) and left eye.
    pub right_eye: Eye,
    pub left_eye: Eye,
    pub pose: HeadPose,
    /// The face descriptor (dlib's 128-d ResNet) when it was asked for: descriptors of one
    /// person lie close together (see [`descriptor_distance`]).
    pub descriptor: Option<Vec<f32>>,
}

impl FaceDetail {
    /// A mesh point's x, y.
    pub fn point(&self, index: usize) -> Point {
        let p = self.mesh[index];
        [p[0], p[1]]
    }
}

/// Everything the models found in a photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Every face BlazeFace found, largest first.
    pub faces: Vec<Face>,
    /// Faces MTCNN found away from every face in `faces`: bystanders too small, blurred or
    /// cut off for BlazeFace. `faces.single` counts those scoring above its profile limit.
    /// Empty when `faces` is.
    pub other_faces: Vec<FaceBox>,
    /// The largest face in detail, when one was found.
    pub main: Option<FaceDetail>,
    /// Person probability (0–255) per working-copy pixel.
    pub person_mask: GrayImage,
    /// The main face's parts, when the optional face-parsing model is loaded and a rule
    /// reads them.
    pub parts: Option<FaceParts>,
}

impl Analysis {
    /// The boxes of every face there is to count: BlazeFace's (the student's first), then
    /// MTCNN's other faces scoring at least `least_other_score`.
    pub fn counted_faces(&self, least_other_score: f64) -> impl Iterator<Item = &[f32; 4]> {
        let least = least_other_score as f32;
        let others = self.other_faces.iter().filter(move |f| f.score >= least);
        self.faces
            .iter()
            .map(|f| &f.bbox)
            .chain(others.map(|f| &f.bbox))
    }
}

/// Least detector score that counts as a face (MediaPipe's default).
const MIN_FACE_SCORE: f32 = 0.5;
/// An MTCNN face centred within a BlazeFace box widened by this share of its size on
/// each side is that face, or its ear or hand, not another person's (an ear lies about
/// 0.1 box widths outside the box).
const SAME_HEAD_MARGIN: f32 = 0.25;
/// Boxes overlapping more than this are one face (MediaPipe's weighted NMS).
const NMS_IOU: f32 = 0.3;
/// Mesh points of the eye corners (subject's right eye: outer, inner; left: inner, outer).
const RIGHT_EYE_CORNERS: [usize; 2] = [33, 133];
const LEFT_EYE_CORNERS: [usize; 2] = [362, 263];

/// The models that run only when a rule reads what they find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// MTCNN's other faces (faces.single).
    pub other_faces: bool,
    /// The main face's descriptor (batch.once's same person, identity.match, glasses.none's
    /// glasses score).
    pub descriptor: bool,
    /// The main face's parts (glasses.none, accessories.none), when the engine has the
    /// optional face-parsing model.
    pub parts: bool,
}

impl Needs {
    /// Every model.
    pub const ALL: Needs = Needs {
        other_faces: true,
        descriptor: true,
        parts: true,
    };
}

/// Runs the models on a working copy, recording each model's time in `timings`. MTCNN and
/// the face descriptor run only when `needs` says so.
pub fn analyse(
    engine: &Engine,
    image: &RgbImage,
    timings: &Timings,
    needs: Needs,
) -> Result<Analysis, ort::Error> {
    let faces = timings.time(Model::FaceDetection.stage(), || detect_faces(engine, image))?;
    // Other faces are those beside the student's: with no face found, every face rule
    // (faces.single included) says so, and there is nothing to count beside.
    let other_faces = if faces.is_empty() || !needs.other_faces {
        Vec::new()
    } else {
        timings.time(Model::OtherFaces.stage(), || {
            mtcnn::detect(engine, image, |centre| {
                faces.iter().any(|face| same_head(face, centre))
            })
        })?
    };
    // The largest face is the student: it comes first and gets the detailed analysis.
    let main = match faces.first() {
        Some(face) => {
            let mesh = timings.time(Model::FaceMesh.stage(), || face_mesh(engine, image, face))?;
            let (right_eye, left_eye) =
                timings.time(Model::Iris.stage(), || eyes(engine, image, &mesh.points))?;
            let pose = head_pose(&mesh.points, &right_eye, &left_eye);
            let descriptor = if needs.descriptor {
                Some(timings.time(Model::FaceDescriptor.stage(), || {
                    face_descriptor(engine, image, &mesh.points)
                })?)
            } else {
                None
            };
            Some(FaceDetail {
                mesh: mesh.points,
                presence: mesh.presence,
                right_eye,
                left_eye,
                pose,
                descriptor,
            })
        }
        None => None,
    };
    let parts = match &main {
        Some(face) if needs.parts && engine.has_face_parsing() => {
            Some(timings.time(Model::FaceParsing.stage(), || {
                face_parts(engine, image, face)
            })?)
        }
        _ => None,
    };
    let person_mask = timings.time(Model::PersonMask.stage(), || person_mask(engine, image))?;
    Ok(Analysis {
        faces,
        other_faces,
        main,
        person_mask,
        parts,
    })
}

/// Whether `centre` lies within `face`'s box widened by [`SAME_HEAD_MARGIN`].
fn same_head(face: &Face, [cx, cy]: Point) -> bool {
    let [x, y, w, h] = face.bbox;
    let (mx, my) = (w * SAME_HEAD_MARGIN, h * SAME_HEAD_MARGIN);
    cx >= x - mx && cx <= x + w + mx && cy >= y - my && cy <= y + h + my
}

/// The models, for timing each alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    FaceDetection,
    OtherFaces,
    FaceMesh,
    Iris,
    PersonMask,
    FaceDescriptor,
    /// The optional face-parsing model: not in [`Model::ALL`], which lists the models
    /// every engine has.
    FaceParsing,
}

impl Model {
    /// The models every engine has.
    pub const ALL: [Model; 6] = [
        Model::FaceDetection,
        Model::OtherFaces,
        Model::FaceMesh,
        Model::Iris,
        Model::PersonMask,
        Model::FaceDescriptor,
    ];

    /// The model's stage name in timings and benchmarks.
    pub fn stage(self) -> &'static str {
        match self {
            Model::FaceDetection => "model: face detection",
            Model::OtherFaces => "model: other faces (MTCNN)",
            Model::FaceMesh => "model: face mesh",
            Model::Iris => "model: iris (both eyes)",
            Model::PersonMask => "model: person mask",
            Model::FaceDescriptor => "model: face descriptor",
            Model::FaceParsing => "model: face parsing",
        }
    }
}

/// A model's input made from a whole photo scaled to it (twice over for the iris model,
/// which the pipeline gives both eyes at once; for MTCNN, its proposal net's input at the
/// pyramid's first, largest level — the later nets' batches depend on the photo), for
/// timing the model alone.
#[derive(Debug, Clone)]
pub struct ModelInput {
    model: Model,
    tensor: Array4<f32>,
}

impl ModelInput {
    pub fn new(model: Model, image: &RgbImage) -> ModelInput {
        let (batch, side) = match model {
            Model::OtherFaces => {
                let tensor = mtcnn::first_level_input(image);
                return ModelInput { model, tensor };
            }
            Model::FaceDetection => (1, DETECTOR_SIZE),
            Model::FaceMesh => (1, MESH_SIZE),
            Model::Iris => (2, IRIS_SIZE),
            Model::PersonMask => (1, SELFIE_SIZE),
            Model::FaceDescriptor => (1, CHIP_SIZE),
            Model::FaceParsing => (1, PARSING_SIZE),
        };
        let scaled = resize::resize(image, side, side, resize::Filter::Bilinear);
        let n = side as usize;
        let mut tensor = Array4::<f32>::zeros((batch, n, n, 3));
        for b in 0..batch {
            fill(&mut tensor, b, &scaled, 0, 0, 0.0, 1.0);
        }
        ModelInput { model, tensor }
    }
}

/// Runs one model on a prepared input: inference alone, without the crops, anchors and
/// point mapping around it. Benchmarks measure the pipeline against this floor. (Real
/// pictures, not blank inputs: the mesh and iris models run over twice as fast on zeros.)
/// An error for face parsing when the engine was loaded without it.
pub fn infer_alone(engine: &Engine, input: &ModelInput) -> Result<(), ort::Error> {
    let mut sessions = engine.sessions();
    let session = match input.model {
        Model::FaceParsing => parser(&mut sessions)?,
        Model::FaceDetection => &mut sessions.detector,
        Model::OtherFaces => &mut sessions.mtcnn_proposal,
        Model::FaceMesh => &mut sessions.mesh,
        Model::Iris => &mut sessions.iris,
        Model::PersonMask => &mut sessions.selfie,
        Model::FaceDescriptor => &mut sessions.embedder,
    };
    session.run(ort::inputs![TensorRef::from_array_view(&input.tensor)?])?;
    Ok(())
}

fn distance(a: Point, b: Point) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x.clamp(-100.0, 100.0)).exp())
}

/// Fills an NHWC tensor from RGB pixels, mapping 0–255 to `low`–`high`.
fn fill(
    tensor: &mut Array4<f32>,
    batch: usize,
    image: &RgbImage,
    x0: usize,
    y0: usize,
    low: f32,
    high: f32,
) {
    let scale = (high - low) / 255.0;
    let (_, rows, cols, _) = tensor.dim();
    let values = tensor
        .as_slice_mut()
        .expect("tensors are made in standard layout");
    let width = image.width() as usize * 3;
    for (y, row) in image.as_raw().chunks_exact(width).enumerate() {
        let start = ((batch * rows + y0 + y) * cols + x0) * 3;
        for (value, &p) in values[start..start + width].iter_mut().zip(row) {
            *value = p as f32 * scale + low;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Face detection (BlazeFace short range, 128×128, letterboxed)

const DETECTOR_SIZE: u32 = 128;

/// The 896 SSD anchor centres of BlazeFace short range: stride 8 with 2 anchors per cell,
/// then stride 16 with 6 (three layers of 2 merged).
fn anchors() -> &'static [Point] {
    static ANCHORS: std::sync::OnceLock<Vec<Point>> = std::sync::OnceLock::new();
    ANCHORS.get_or_init(|| {
        let mut out = Vec::with_capacity(896);
        for (stride, per_cell) in [(8u32, 2), (16, 6)] {
            let cells = DETECTOR_SIZE / stride;
            for y in 0..cells {
                for x in 0..cells {
                    let centre = [
                        (x as f32 + 0.5) / cells as f32,
                        (y as f32 + 0.5) / cells as f32,
                    ];
                    out.extend(std::iter::repeat_n(centre, per_cell));
                }
            }
        }
        out
    })
}

/// The faces BlazeFace finds in `image`, largest first.
pub fn detect_faces(engine: &Engine, image: &RgbImage) -> Result<Vec<Face>, ort::Error> {
    let (w, h) = image.dimensions();
    let scale = DETECTOR_SIZE as f32 / w.max(h) as f32;
    let (rw, rh) = (
        ((w as f32 * scale).round() as u32).max(1),
        ((h as f32 * scale).round() as u32).max(1),
    );
    let (pad_x, pad_y) = ((DETECTOR_SIZE - rw) / 2, (DETECTOR_SIZE - rh) / 2);
    let small = resize::resize(image, rw, rh, resize::Filter::Bilinear);
    let side = DETECTOR_SIZE as usize;
    let mut input = Array4::<f32>::from_elem((1, side, side, 3), -1.0);
    fill(
        &mut input,
        0,
        &small,
        pad_x as usize,
        pad_y as usize,
        -1.0,
        1.0,
    );
    let mut sessions = engine.sessions();
    let outputs = sessions
        .detector
        .run(ort::inputs![TensorRef::from_array_view(&input)?])?;
    let (_, boxes) = outputs["regressors"].try_extract_tensor::<f32>()?;
    let (_, scores) = outputs["classificators"].try_extract_tensor::<f32>()?;
    let to_image = |nx: f32, ny: f32| -> Point {
        [
            (nx * DETECTOR_SIZE as f32 - pad_x as f32) / scale,
            (ny * DETECTOR_SIZE as f32 - pad_y as f32) / scale,
        ]
    };
    let mut candidates = Vec::new();
    for (i, anchor) in anchors().iter().enumerate() {
        let score = sigmoid(scores[i]);
        if score < MIN_FACE_SCORE {
            continue;
        }
        let r = &boxes[i * 16..(i + 1) * 16];
        let s = DETECTOR_SIZE as f32;
        let (cx, cy) = (r[0] / s + anchor[0], r[1] / s + anchor[1]);
        let (bw, bh) = (r[2] / s, r[3] / s);
        let top_left = to_image(cx - bw / 2.0, cy - bh / 2.0);
        let bottom_right = to_image(cx + bw / 2.0, cy + bh / 2.0);
        let mut keypoints = [[0.0; 2]; 6];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = to_image(r[4 + 2 * k] / s + anchor[0], r[5 + 2 * k] / s + anchor[1]);
        }
        candidates.push(Face {
            bbox: [
                top_left[0],
                top_left[1],
                bottom_right[0] - top_left[0],
                bottom_right[1] - top_left[1],
            ],
            score,
            keypoints,
        });
    }
    let mut faces = weighted_nms(candidates);
    faces.sort_by(|a, b| (b.bbox[2] * b.bbox[3]).total_cmp(&(a.bbox[2] * a.bbox[3])));
    Ok(faces)
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let ix = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let iy = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    if ix <= 0.0 || iy <= 0.0 {
        return 0.0;
    }
    let inter = ix * iy;
    inter / (a[2] * a[3] + b[2] * b[3] - inter)
}

/// MediaPipe's weighted non-maximum suppression: overlapping boxes merge into their
/// score-weighted mean, keeping the best score.
fn weighted_nms(mut candidates: Vec<Face>) -> Vec<Face> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut faces = Vec::new();
    while let Some(best) = candidates.first().cloned() {
        let (overlapping, rest): (Vec<Face>, Vec<Face>) = candidates
            .into_iter()
            .partition(|c| iou(&c.bbox, &best.bbox) > NMS_IOU);
        candidates = rest;
        let total: f32 = overlapping.iter().map(|c| c.score).sum();
        let mut merged = best.clone();
        merged.bbox = [0.0; 4];
        merged.keypoints = [[0.0; 2]; 6];
        for c in &overlapping {
            let w = c.score / total;
            for i in 0..4 {
                merged.bbox[i] += c.bbox[i] * w;
            }
            for k in 0..6 {
                merged.keypoints[k][0] += c.keypoints[k][0] * w;
                merged.keypoints[k][1] += c.keypoints[k][1] * w;
            }
        }
        faces.push(merged);
    }
    faces
}

// ---------------------------------------------------------------------------------------
// Rotated square crops (face mesh and iris regions)

/// A square region of the image, rotated by `angle` (radians, clockwise in image
/// coordinates), sampled into a `size`×`size` crop.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Region {
    centre: Point,
    side: f32,
    angle: f32,
    size: u32,
}

impl Region {
    /// Where crop coordinates (pixels, continuous) fall in the image.
    fn image_point(&self, u: f32, v: f32) -> Point {
        let k = self.side / self.size as f32;
        let (dx, dy) = (
            (u - self.size as f32 / 2.0) * k,
            (v - self.size as f32 / 2.0) * k,
        );
        let (sin, cos) = self.angle.sin_cos();
        [
            self.centre[0] + dx * cos - dy * sin,
            self.centre[1] + dx * sin + dy * cos,
        ]
    }

    /// Where an image point falls in the crop (pixels, continuous): `image_point`'s inverse.
    fn crop_point(&self, p: Point) -> [f32; 2] {
        let k = self.size as f32 / self.side;
        let (dx, dy) = (p[0] - self.centre[0], p[1] - self.centre[1]);
        let (sin, cos) = self.angle.sin_cos();
        let half = self.size as f32 / 2.0;
        [
            half + (dx * cos + dy * sin) * k,
            half + (-dx * sin + dy * cos) * k,
        ]
    }

    /// The crop as a model's input: one NHWC image, 0–1.
    fn input(&self, image: &RgbImage, outside: Outside) -> Array4<f32> {
        let side = self.size as usize;
        let mut input = Array4::<f32>::zeros((1, side, side, 3));
        fill(&mut input, 0, &self.crop(image, outside), 0, 0, 0.0, 1.0);
        input
    }

    /// The region sampled bilinearly into a `size`×`size` crop, `outside` the image as
    /// it says. (What imageproc's `warp_into_with` does, several times faster: this runs
    /// three times per photo.)
    fn crop(&self, image: &RgbImage, outside: Outside) -> RgbImage {
        let (w, h) = (image.width() as i64, image.height() as i64);
        let raw = image.as_raw();
        let texel = |x: i64, y: i64, c: usize| -> f32 {
            let inside = x >= 0 && y >= 0 && x < w && y < h;
            match outside {
                _ if inside => raw[((y * w + x) * 3) as usize + c] as f32,
                Outside::Black => 0.0,
                Outside::Edge => {
                    let (x, y) = (x.clamp(0, w - 1), y.clamp(0, h - 1));
                    raw[((y * w + x) * 3) as usize + c] as f32
                }
            }
        };
        // image_point(u, v), unrolled: one step in u or v moves by a fixed vector.
        let k = self.side / self.size as f32;
        let (sin, cos) = self.angle.sin_cos();
        let origin = self.image_point(0.5, 0.5);
        let mut out = RgbImage::new(self.size, self.size);
        let row_len = self.size as usize * 3;
        for (v, row) in out.chunks_exact_mut(row_len).enumerate() {
            for (u, pixel) in row.chunks_exact_mut(3).enumerate() {
                let (du, dv) = (u as f32 * k, v as f32 * k);
                let x = origin[0] + du * cos - dv * sin - 0.5;
                let y = origin[1] + du * sin + dv * cos - 0.5;
                let (x0, y0) = (floor(x), floor(y));
                let (fx, fy) = (x - x0, y - y0);
                let (x0, y0) = (x0 as i64, y0 as i64);
                let weights = [
                    (1.0 - fx) * (1.0 - fy),
                    fx * (1.0 - fy),
                    (1.0 - fx) * fy,
                    fx * fy,
                ];
                if x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h {
                    // All four neighbours inside: index them directly.
                    let at = ((y0 * w + x0) * 3) as usize;
                    let below = at + (w * 3) as usize;
                    let corners = [at, at + 3, below, below + 3];
                    for (c, value) in pixel.iter_mut().enumerate() {
                        let v: f32 = corners
                            .iter()
                            .zip(weights)
                            .map(|(&i, wt)| raw[i + c] as f32 * wt)
                            .sum();
                        *value = (v + 0.5) as u8;
                    }
                } else {
                    let corners = [(x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)];
                    for (c, value) in pixel.iter_mut().enumerate() {
                        let v: f32 = corners
                            .iter()
                            .zip(weights)
                            .map(|(&(x, y), wt)| texel(x, y, c) * wt)
                            .sum();
                        *value = (v + 0.5) as u8;
                    }
                }
            }
        }
        out
    }
}

/// What a crop shows beyond the image's edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outside {
    Black,
    /// The nearest edge pixel, repeated.
    Edge,
}

/// `v.floor()`, inlined: on x86-64's baseline, without SSE4.1, `f32::floor` is a call into
/// libm, twice per pixel of every crop. Truncation, then one down for negative fractions;
/// from 2²³ on (and for infinities and NaN) a float is its own floor.
fn floor(v: f32) -> f32 {
    if v.is_nan() || v.abs() >= 8_388_608.0 {
        return v;
    }
    let truncated = v as i32 as f32;
    if truncated > v {
        truncated - 1.0
    } else {
        truncated
    }
}

const MESH_SIZE: u32 = 192;
const IRIS_SIZE: u32 = 64;

/// The face mesh of one detected face.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    /// 468 points: x, y in pixels, z depth on the same scale.
    pub points: Vec<[f32; 3]>,
    /// The model's confidence that a face is in the crop, 0–1.
    pub presence: f32,
}

/// FaceMesh on the square around `face`, turned upright by its eye line.
pub fn face_mesh(engine: &Engine, image: &RgbImage, face: &Face) -> Result<Mesh, ort::Error> {
    let [right_eye, left_eye, ..] = face.keypoints;
    let region = Region {
        centre: [
            face.bbox[0] + face.bbox[2] / 2.0,
            face.bbox[1] + face.bbox[3] / 2.0,
        ],
        side: face.bbox[2].max(face.bbox[3]) * 1.5,
        angle: (left_eye[1] - right_eye[1]).atan2(left_eye[0] - right_eye[0]),
        size: MESH_SIZE,
    };
    let input = region.input(image, Outside::Black);
    let mut sessions = engine.sessions();
    let outputs = sessions
        .mesh
        .run(ort::inputs![TensorRef::from_array_view(&input)?])?;
    let (_, raw) = outputs["conv2d_20"].try_extract_tensor::<f32>()?;
    let (_, flag) = outputs["conv2d_30"].try_extract_tensor::<f32>()?;
    let depth_scale = region.side / MESH_SIZE as f32;
    let points = raw
        .chunks_exact(3)
        .map(|p| {
            let [x, y] = region.image_point(p[0], p[1]);
            [x, y, p[2] * depth_scale]
        })
        .collect();
    Ok(Mesh {
        points,
        presence: sigmoid(flag[0]),
    })
}

/// Both eyes through the iris model in one batch of two; the left eye is mirrored so that
/// it looks like a right eye to the model, as MediaPipe does.
pub fn eyes(
    engine: &Engine,
    image: &RgbImage,
    mesh: &[[f32; 3]],
) -> Result<(Eye, Eye), ort::Error> {
    let region = |[a, b]: [usize; 2]| {
        let (p, q) = (mesh[a], mesh[b]);
        Region {
            centre: [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0],
            side: distance([p[0], p[1]], [q[0], q[1]]) * 2.3,
            angle: (q[1] - p[1]).atan2(q[0] - p[0]),
            size: IRIS_SIZE,
        }
    };
    let regions = [region(RIGHT_EYE_CORNERS), region(LEFT_EYE_CORNERS)];
    let side = IRIS_SIZE as usize;
    let mut input = Array4::<f32>::zeros((2, side, side, 3));
    for (b, r) in regions.iter().enumerate() {
        let mut crop = r.crop(image, Outside::Black);
        if b == 1 {
            imageops::flip_horizontal_in_place(&mut crop);
        }
        fill(&mut input, b, &crop, 0, 0, 0.0, 1.0);
    }
    let mut sessions = engine.sessions();
    let outputs = sessions
        .iris
        .run(ort::inputs![TensorRef::from_array_view(&input)?])?;
    let (_, contours) = outputs["output_eyes_contours_and_brows"].try_extract_tensor::<f32>()?;
    let (_, irises) = outputs["output_iris"].try_extract_tensor::<f32>()?;
    let eye = |b: usize| {
        let r = &regions[b];
        let point = |p: &[f32]| {
            let u = if b == 1 {
                IRIS_SIZE as f32 - p[0]
            } else {
                p[0]
            };
            r.image_point(u, p[1])
        };
        let contour = contours[b * 213..(b + 1) * 213]
            .chunks_exact(3)
            .map(point)
            .collect();
        let rim: Vec<Point> = irises[b * 15..(b + 1) * 15]
            .chunks_exact(3)
            .map(point)
            .collect();
        Eye {
            contour,
            iris: [rim[0], rim[1], rim[2], rim[3], rim[4]],
        }
    };
    Ok((eye(0), eye(1)))
}

/// Head pose: roll from the line through the iris centres (the pupil line CHSI measures; the
/// iris model runs on both eyes alike, so a mirrored photo reads the opposite roll); yaw and
/// pitch from [`facing`].
fn head_pose(mesh: &[[f32; 3]], right_eye: &Eye, left_eye: &Eye) -> HeadPose {
    let (r, l) = (right_eye.iris_center(), left_eye.iris_center());
    let (yaw, pitch) = facing(mesh);
    HeadPose {
        yaw,
        pitch,
        roll: (l[1] - r[1]).atan2(l[0] - r[0]).to_degrees(),
    }
}

/// Yaw and pitch of the rotation that lays MediaPipe's canonical 3D face onto the mesh's
/// points (weighted Procrustes over the points and weights of MediaPipe's own face
/// geometry), about the face's own axes once the roll about the camera axis is taken out.
fn facing(mesh: &[[f32; 3]]) -> (f32, f32) {
    use nalgebra::{Matrix3, Vector3};
    // The mesh in the canonical face's axes: x to the image's right, y up, z to the camera.
    let seen = |i: usize| Vector3::new(mesh[i][0], -mesh[i][1], -mesh[i][2]);
    let total: f32 = canonical_face::POINTS.iter().map(|p| p.1).sum();
    let (mut model_mean, mut seen_mean) = (Vector3::zeros(), Vector3::zeros());
    for &(i, w, model) in &canonical_face::POINTS {
        model_mean += Vector3::from(model) * (w / total);
        seen_mean += seen(i) * (w / total);
    }
    let mut covariance = Matrix3::zeros();
    for &(i, w, model) in &canonical_face::POINTS {
        covariance += (seen(i) - seen_mean) * (Vector3::from(model) - model_mean).transpose() * w;
    }
    // Kabsch: the proper rotation nearest the covariance.
    let svd = covariance.svd(true, true);
    let (u, v_t) = (svd.u.expect("asked for"), svd.v_t.expect("asked for"));
    let reflection =
        Matrix3::from_diagonal(&Vector3::new(1.0, 1.0, (u * v_t).determinant().signum()));
    let r = u * reflection * v_t;
    // r = Rz(roll) · Ry(yaw) · Rx(pitch) with the axes above: yaw about y (positive turns
    // the face to the image's right), pitch about x (positive tips it down).
    (
        (-r[(2, 0)]).clamp(-1.0, 1.0).asin().to_degrees(),
        r[(2, 1)].atan2(r[(2, 2)]).to_degrees(),
    )
}

// ---------------------------------------------------------------------------------------
// Face descriptor (dlib's face recognition ResNet, 150×150 chip aligned on 5 points)

/// dlib's face chip: 150 pixels with 0.25 of padding, as its descriptor net was trained on.
const CHIP_SIZE: u32 = 150;
const CHIP_PADDING: f32 = 0.25;
/// Where dlib's 5 chip points lie in the unpadded chip (0–1; dlib's get_face_chip_details):
/// the outer and inner corner of the eye on the image's right, the same of the eye on the
/// image's left, and the bottom of the nose.
const CHIP_TEMPLATE: [Point; 5] = [
    [0.859_567_5, 0.213_498_2],
    [0.646_060_5, 0.228_967_4],
    [0.120_575_06, 0.213_727_45],
    [0.334_085_07, 0.229_064_24],
    [0.490_112_3, 0.627_797_5],
];
/// The mesh points at those places.
const CHIP_MESH_POINTS: [usize; 5] = [263, 362, 33, 133, 2];

/// The chip's region: the similarity transform that puts the mesh's 5 points nearest, in
/// least squares, to the template's.
fn chip_region(mesh: &[[f32; 3]]) -> Region {
    let size = CHIP_SIZE as f32;
    // Template points in the crop's continuous coordinates (pixel u spans u..u+1; dlib
    // samples pixel u at u).
    let from = CHIP_TEMPLATE
        .map(|p| p.map(|c| (CHIP_PADDING + c) / (2.0 * CHIP_PADDING + 1.0) * size + 0.5));
    let to = CHIP_MESH_POINTS.map(|i| [mesh[i][0], mesh[i][1]]);
    let mean = |points: &[Point; 5]| {
        let [x, y] = points
            .iter()
            .fold([0.0, 0.0], |a, p| [a[0] + p[0], a[1] + p[1]]);
        [x / 5.0, y / 5.0]
    };
    let (fm, tm) = (mean(&from), mean(&to));
    let (mut along, mut across, mut norm) = (0.0, 0.0, 0.0);
    for (f, t) in from.iter().zip(&to) {
        let (x, y, u, v) = (f[0] - fm[0], f[1] - fm[1], t[0] - tm[0], t[1] - tm[1]);
        along += x * u + y * v;
        across += x * v - y * u;
        norm += x * x + y * y;
    }
    // image = [a −b; b a] · (chip − fm) + tm
    let (a, b) = (along / norm, across / norm);
    let c = [size / 2.0 - fm[0], size / 2.0 - fm[1]];
    Region {
        centre: [tm[0] + a * c[0] - b * c[1], tm[1] + b * c[0] + a * c[1]],
        side: a.hypot(b) * size,
        angle: b.atan2(a),
        size: CHIP_SIZE,
    }
}

/// How many numbers a face descriptor holds.
pub const DESCRIPTOR_LEN: usize = 128;

/// The main face's [`DESCRIPTOR_LEN`]-number descriptor from its mesh.
pub fn face_descriptor(
    engine: &Engine,
    image: &RgbImage,
    mesh: &[[f32; 3]],
) -> Result<Vec<f32>, ort::Error> {
    let chip = chip_region(mesh).crop(image, Outside::Black);
    let side = CHIP_SIZE as usize;
    let mut input = Array4::<f32>::zeros((2, side, side, 3));
    fill(&mut input, 0, &chip, 0, 0, 0.0, 255.0);
    fill(
        &mut input,
        1,
        &imageops::flip_horizontal(&chip),
        0,
        0,
        0.0,
        255.0,
    );
    let mut sessions = engine.sessions();
    let outputs = sessions
        .embedder
        .run(ort::inputs![TensorRef::from_array_view(&input)?])?;
    let (_, both) = outputs[0].try_extract_tensor::<f32>()?;
    let (a, b) = both.split_at(both.len() / 2);
    Ok(a.iter().zip(b).map(|(x, y)| (x + y) / 2.0).collect())
}

/// Euclidean distance between two face descriptors: dlib's measure of likeness (its own
/// threshold for "the same person" is 0.6; the profile's comes from measured pairs).
pub fn descriptor_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

// ---------------------------------------------------------------------------------------
// Face parsing (BiSeNet on CelebAMask-HQ, 512×512 upright head crop; optional model)

/// Face-parsing classes (CelebAMask-HQ's), as the model numbers them.
pub mod part {
    pub const BACKGROUND: u8 = 0;
    pub const SKIN: u8 = 1;
    pub const HAIR: u8 = 17;
    pub const EYEGLASSES: u8 = 6;
    pub const LEFT_EAR: u8 = 7;
    pub const INNER_MOUTH: u8 = 11;
    pub const RIGHT_EAR: u8 = 8;
    pub const EARRING: u8 = 9;
    pub const NECKLACE: u8 = 15;
    pub const HAT: u8 = 18;
}

const PARSING_SIZE: u32 = 512;
/// The cheek-to-cheek width over the crop's side, and where the eye line falls (share of
/// the side from the top): the framing of CelebAMask-HQ's aligned faces, head and neck.
const PARSING_FACE_WIDTH: f32 = 0.42;
const PARSING_EYE_LINE: f32 = 0.47;

/// The classes the face-parsing model gives the main face's upright head crop.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceParts {
    /// One class (see [`part`]) per crop pixel; crop pixels beyond the photo's edge are
    /// [`part::BACKGROUND`].
    pub labels: GrayImage,
    region: Region,
}

/// Shares of the head crop that the parts the rules look for cover.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PartShares {
    pub eyeglasses: f64,
    pub earring: f64,
    pub necklace: f64,
    pub hat: f64,
    /// The smaller of the two ears' shares (the person's left and right ear).
    pub smaller_ear: f64,
    /// The open mouth between the lips (teeth, tongue and the dark inside).
    pub inner_mouth: f64,
}

impl FaceParts {
    /// The class of the crop pixel over working-copy pixel `x`, `y`; `None` outside the crop.
    pub fn class_at(&self, x: u32, y: u32) -> Option<u8> {
        let [u, v] = self.region.crop_point([x as f32 + 0.5, y as f32 + 0.5]);
        let inside =
            u >= 0.0 && v >= 0.0 && u < self.region.size as f32 && v < self.region.size as f32;
        inside.then(|| self.labels.get_pixel(u as u32, v as u32).0[0])
    }

    /// One class over a whole `width`×`height` working copy, for tests of what reads it.
    #[cfg(test)]
    pub fn uniform(class: u8, width: u32, height: u32) -> FaceParts {
        let side = width.max(height) as f32;
        FaceParts {
            labels: GrayImage::from_pixel(64, 64, image::Luma([class])),
            region: Region {
                centre: [width as f32 / 2.0, height as f32 / 2.0],
                side,
                angle: 0.0,
                size: 64,
            },
        }
    }

    /// The shares of the crop that the rules' parts cover.
    pub fn shares(&self) -> PartShares {
        let mut counts = [0usize; 256];
        for &class in self.labels.as_raw() {
            counts[class as usize] += 1;
        }
        let share = |class: u8| counts[class as usize] as f64 / self.labels.as_raw().len() as f64;
        PartShares {
            eyeglasses: share(part::EYEGLASSES),
            earring: share(part::EARRING),
            necklace: share(part::NECKLACE),
            hat: share(part::HAT),
            smaller_ear: self.smaller_ear(),
            inner_mouth: share(part::INNER_MOUTH),
        }
    }

    /// The share of the crop that the ears cover on the side of the face's middle that
    /// shows less of them. The model often names both ears one side's class, so the side
    /// comes from where the pixels lie (the crop is centred across on the cheeks).
    fn smaller_ear(&self) -> f64 {
        let mut sides = [0usize; 2];
        for (u, _, class) in self.labels.enumerate_pixels() {
            if matches!(class.0[0], part::LEFT_EAR | part::RIGHT_EAR) {
                sides[usize::from(u >= self.labels.width() / 2)] += 1;
            }
        }
        sides[0].min(sides[1]) as f64 / self.labels.as_raw().len() as f64
    }
}

/// The face-parsing session, or an error when the engine was loaded without it.
fn parser(sessions: &mut Sessions) -> Result<&mut ort::session::Session, ort::Error> {
    sessions
        .parser
        .as_mut()
        .ok_or_else(|| ort::Error::new("the engine was loaded without face parsing"))
}

/// The upright head crop around the cheeks and the iris line, framed as the model's
/// training faces.
fn parsing_region(face: &FaceDetail) -> Region {
    use crate::face_measures::mesh::{LEFT_CHEEK, RIGHT_CHEEK};
    let (r, l) = (face.right_eye.iris_center(), face.left_eye.iris_center());
    let eyes = [(r[0] + l[0]) / 2.0, (r[1] + l[1]) / 2.0];
    let (rc, lc) = (face.point(RIGHT_CHEEK), face.point(LEFT_CHEEK));
    let cheeks = [(rc[0] + lc[0]) / 2.0, (rc[1] + lc[1]) / 2.0];
    let angle = (l[1] - r[1]).atan2(l[0] - r[0]);
    let side = distance(rc, lc) / PARSING_FACE_WIDTH;
    let (sin, cos) = angle.sin_cos();
    // Across: the cheeks' middle along the eye line; down: the eye line above the middle.
    let across = (cheeks[0] - eyes[0]) * cos + (cheeks[1] - eyes[1]) * sin;
    let down = (0.5 - PARSING_EYE_LINE) * side;
    Region {
        centre: [
            eyes[0] + across * cos - down * sin,
            eyes[1] + across * sin + down * cos,
        ],
        side,
        angle,
        size: PARSING_SIZE,
    }
}

/// The face-parsing model's classes over the main face's head crop. The crop repeats the
/// photo's edge beyond it (black there reads as a hat), and those pixels count as
/// background.
fn face_parts(
    engine: &Engine,
    image: &RgbImage,
    face: &FaceDetail,
) -> Result<FaceParts, ort::Error> {
    let region = parsing_region(face);
    let input = region.input(image, Outside::Edge);
    let mut sessions = engine.sessions();
    let outputs = parser(&mut sessions)?.run(ort::inputs![TensorRef::from_array_view(&input)?])?;
    let (_, classes) = outputs["labels"].try_extract_tensor::<u8>()?;
    let (w, h) = (image.width() as f32, image.height() as f32);
    let side = PARSING_SIZE as usize;
    let labels = GrayImage::from_fn(PARSING_SIZE, PARSING_SIZE, |u, v| {
        let [x, y] = region.image_point(u as f32 + 0.5, v as f32 + 0.5);
        let inside = x >= 0.0 && y >= 0.0 && x < w && y < h;
        let class = if inside {
            classes[v as usize * side + u as usize]
        } else {
            part::BACKGROUND
        };
        image::Luma([class])
    });
    Ok(FaceParts { labels, region })
}

// ---------------------------------------------------------------------------------------
// Person mask (selfie segmentation, 256×256, stretched)

/// Person-mask value from which a pixel counts as the person: the model's probability 0.5.
pub const PERSON: u8 = 128;

const SELFIE_SIZE: u32 = 256;

/// Person probability (0–255) per pixel of `image`, from selfie segmentation.
pub fn person_mask(engine: &Engine, image: &RgbImage) -> Result<GrayImage, ort::Error> {
    let small = resize::resize(image, SELFIE_SIZE, SELFIE_SIZE, resize::Filter::Bilinear);
    let side = SELFIE_SIZE as usize;
    let mut input = Array4::<f32>::zeros((1, side, side, 3));
    fill(&mut input, 0, &small, 0, 0, 0.0, 1.0);
    let mut sessions = engine.sessions();
    let outputs = sessions
        .selfie
        .run(ort::inputs![TensorRef::from_array_view(&input)?])?;
    let (_, probability) = outputs[0].try_extract_tensor::<f32>()?;
    let mask = GrayImage::from_raw(
        SELFIE_SIZE,
        SELFIE_SIZE,
        probability
            .iter()
            .map(|p| (p.clamp(0.0, 1.0) * 255.0 + 0.5) as u8)
            .collect(),
    )
    .expect("the model's output has one value per pixel");
    Ok(resize::resize(
        &mask,
        image.width(),
        image.height(),
        resize::Filter::Bilinear,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mesh of the canonical face turned by a known rotation (r = Rz · Ry · Rx in the
    /// canonical axes), scaled to pixels and moved, in the mesh's axes (y down, z away).
    fn turned_mesh(yaw: f32, pitch: f32, roll_up: f32) -> Vec<[f32; 3]> {
        use nalgebra::{Rotation3, Vector3};
        let r = Rotation3::from_axis_angle(&Vector3::z_axis(), roll_up.to_radians())
            * Rotation3::from_axis_angle(&Vector3::y_axis(), yaw.to_radians())
            * Rotation3::from_axis_angle(&Vector3::x_axis(), pitch.to_radians());
        let mut mesh = vec![[0.0; 3]; 468];
        for &(i, _, model) in &canonical_face::POINTS {
            let p = r * Vector3::from(model) * 9.0;
            mesh[i] = [240.0 + p.x, 300.0 - p.y, 40.0 - p.z];
        }
        mesh
    }

    #[test]
    fn facing_recovers_a_known_rotation_whatever_the_roll() {
        for (yaw, pitch, roll_up) in [(0.0, 0.0, 0.0), (20.0, -10.0, 5.0), (-35.0, 15.0, -12.0)] {
            let (y, p) = facing(&turned_mesh(yaw, pitch, roll_up));
            assert!((y - yaw).abs() < 0.01, "yaw {y} for {yaw}");
            assert!((p - pitch).abs() < 0.01, "pitch {p} for {pitch}");
        }
    }

    #[test]
    fn facing_signs_follow_the_image() {
        // Turned to the image's right: the nose tip (4) lies right of the eyes' middle.
        let mesh = turned_mesh(20.0, 0.0, 0.0);
        assert!(mesh[4][0] > (mesh[33][0] + mesh[263][0]) / 2.0);
        assert!(facing(&mesh).0 > 0.0);
        // Chin down: the nose tip drops toward the mouth.
        let (level, down) = (turned_mesh(0.0, 0.0, 0.0), turned_mesh(0.0, 15.0, 0.0));
        assert!(down[4][1] - down[33][1] > level[4][1] - level[33][1]);
        assert!(facing(&down).1 > 0.0);
    }

    #[test]
    fn anchors_cover_the_detector_grid() {
        let a = anchors();
        assert_eq!(a.len(), 896);
        assert_eq!(a[0], [0.5 / 16.0, 0.5 / 16.0]);
        assert_eq!(a[511], [15.5 / 16.0, 15.5 / 16.0]);
        assert_eq!(a[512], [0.5 / 8.0, 0.5 / 8.0]);
        assert_eq!(a[895], [7.5 / 8.0, 7.5 / 8.0]);
    }

    fn face(x: f32, score: f32) -> Face {
        Face {
            bbox: [x, 0.0, 10.0, 10.0],
            score,
            keypoints: [[x, 0.0]; 6],
        }
    }

    #[test]
    fn overlapping_boxes_merge_and_distant_ones_stay() {
        let faces = weighted_nms(vec![face(0.0, 0.9), face(1.0, 0.6), face(50.0, 0.7)]);
        assert_eq!(faces.len(), 2);
        assert_eq!(faces[0].score, 0.9);
        assert!(
            faces[0].bbox[0] > 0.0 && faces[0].bbox[0] < 1.0,
            "score-weighted mean"
        );
        assert_eq!(faces[1].bbox[0], 50.0);
    }

    #[test]
    fn the_smaller_ear_is_counted_by_side_not_by_the_class_the_model_names() {
        let region = Region {
            centre: [50.0, 50.0],
            side: 100.0,
            angle: 0.0,
            size: 100,
        };
        // Both ears named the left ear's class, 30 pixels on one side and 10 on the other.
        let labels = GrayImage::from_fn(100, 100, |u, v| match (u, v) {
            (0..=2, 40..=49) => image::Luma([part::LEFT_EAR]),
            (95, 40..=49) => image::Luma([part::LEFT_EAR]),
            _ => image::Luma([part::BACKGROUND]),
        });
        let parts = FaceParts { labels, region };
        assert_eq!(parts.shares().smaller_ear, 10.0 / 10_000.0);
    }

    #[test]
    fn crops_match_imageprocs_bilinear_warp() {
        use imageproc::geometric_transformations::{warp_into_with, Border, Interpolation};
        let image = RgbImage::from_fn(120, 90, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 3) as u8, ((x * y) % 256) as u8])
        });
        // Rotated, and reaching past the image's edge.
        let region = Region {
            centre: [100.0, 40.0],
            side: 70.0,
            angle: 0.4,
            size: 48,
        };
        let mut expected = RgbImage::new(48, 48);
        warp_into_with(
            &image,
            |u, v| {
                let p = region.image_point(u + 0.5, v + 0.5);
                (p[0] - 0.5, p[1] - 0.5)
            },
            Interpolation::Bilinear,
            Border::Constant(image::Rgb([0, 0, 0])),
            &mut expected,
        );
        let got = region.crop(&image, Outside::Black);
        let worst = got
            .as_raw()
            .iter()
            .zip(expected.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        // imageproc truncates after each of its two blends, this rounds once: at most 2 apart.
        assert!(worst <= 2, "largest difference {worst}");
        assert_eq!(
            got.get_pixel(47, 0).0,
            [0, 0, 0],
            "outside the image is black"
        );
    }

    #[test]
    fn floor_is_f32_floor() {
        for v in [
            0.0f32,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            2.999,
            -2.001,
            8_388_607.5,
            -8_388_607.5,
            1e7,
            -1e7,
            3e9,
            -3e9,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ] {
            assert_eq!(floor(v), v.floor(), "{v}");
        }
        assert!(floor(f32::NAN).is_nan());
        for k in -20_000..20_000 {
            let v = k as f32 * 0.173;
            assert_eq!(floor(v), v.floor(), "{v}");
        }
    }

    #[test]
    fn region_maps_crop_centre_and_axes() {
        let r = Region {
            centre: [100.0, 50.0],
            side: 40.0,
            angle: std::f32::consts::FRAC_PI_2,
            size: 20,
        };
        assert_eq!(r.image_point(10.0, 10.0), [100.0, 50.0]);
        let right = r.image_point(20.0, 10.0); // crop's +x is the image's +y at 90°
        assert!((right[0] - 100.0).abs() < 1e-4 && (right[1] - 70.0).abs() < 1e-4);
        let back = r.crop_point(r.image_point(3.0, 17.0));
        assert!(
            (back[0] - 3.0).abs() < 1e-4 && (back[1] - 17.0).abs() < 1e-4,
            "{back:?}"
        );
    }
}
