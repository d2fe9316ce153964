//! The face engine on real faces: a public-domain portrait (testdata/real) rotated, mirrored
//! and placed, and the generated test photos. Fetches the models once if they are missing.

use image::RgbImage;
use imageproc::geometric_transformations::{rotate_about_center, Border, Interpolation};
use photocheck::analysis::{analyse, Analysis};
use photocheck::engine::{default_model_dir, fetch_models};
use photocheck::Engine;
use std::path::PathBuf;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = default_model_dir();
        fetch_models(&dir).expect("fetch the models");
        Engine::load(&dir, 1).expect("load the models")
    })
}

fn testdata(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(path)
}

fn portrait() -> RgbImage {
    image::open(testdata("real/astronaut.png"))
        .unwrap()
        .into_rgb8()
}

fn run(image: &RgbImage) -> Analysis {
    analyse(engine(), image, &Default::default()).unwrap()
}

#[test]
fn roll_follows_a_known_rotation_within_two_degrees() {
    let upright = portrait();
    let base = run(&upright).main.unwrap().pose.roll;
    for degrees in [-15.0f32, -8.0, -3.0, 3.0, 8.0, 15.0] {
        let rotated = rotate_about_center(
            &upright,
            degrees.to_radians(),
            Interpolation::Bilinear,
            Border::Constant(image::Rgb([0, 0, 0])),
        );
        let analysis = run(&rotated);
        assert_eq!(analysis.faces.len(), 1, "one face at {degrees}°");
        let roll = analysis.main.unwrap().pose.roll;
        let change = roll - base;
        assert!(
            (change - degrees).abs() <= 2.0,
            "rotated {degrees}°: roll {roll:.2}° from {base:.2}°"
        );
    }
}

#[test]
fn mirroring_flips_roll_and_a_frontal_face_stays_frontal() {
    let upright = portrait();
    let pose = run(&upright).main.unwrap().pose;
    let mirrored = run(&image::imageops::flip_horizontal(&upright))
        .main
        .unwrap()
        .pose;
    assert!(
        pose.roll.abs() > 1.0,
        "the portrait's head is slightly tilted: {pose:?}"
    );
    assert!(
        (pose.roll + mirrored.roll).abs() <= 2.0,
        "{pose:?} vs {mirrored:?}"
    );
    for p in [pose, mirrored] {
        assert!(
            p.yaw.abs() < 10.0 && p.pitch.abs() < 15.0,
            "a frontal portrait: {p:?}"
        );
    }
}

#[test]
fn landmarks_land_where_the_generator_put_the_face() {
    // testdata-gen placed the portrait so that the irises' midpoint is at (240, 249.6).
    let photo = image::open(testdata("photos/compliant.jpg"))
        .unwrap()
        .into_rgb8();
    let analysis = run(&photo);
    let face = analysis.main.as_ref().unwrap();
    let (r, l) = (face.right_eye.iris_center(), face.left_eye.iris_center());
    let mid = [(r[0] + l[0]) / 2.0, (r[1] + l[1]) / 2.0];
    assert!(
        (mid[0] - 240.0).abs() < 4.0 && (mid[1] - 249.6).abs() < 4.0,
        "eyes at {mid:?}"
    );
    assert!(
        r[0] < l[0],
        "the subject's right eye is on the image's left"
    );
    let (nose, chin, forehead) = (face.point(1), face.point(152), face.point(10));
    assert!(
        nose[0] > r[0] && nose[0] < l[0] && nose[1] > mid[1],
        "nose {nose:?}"
    );
    assert!(
        chin[1] > nose[1] && forehead[1] < mid[1],
        "chin {chin:?}, forehead {forehead:?}"
    );
    let radius = face.right_eye.iris_radius();
    assert!((3.0..15.0).contains(&radius), "iris radius {radius}");
    assert!(face.presence > 0.9);
    // Person mask: the backdrop's corners are background, the face is person.
    let mask = &analysis.person_mask;
    assert!(mask.get_pixel(5, 5)[0] < 26 && mask.get_pixel(474, 5)[0] < 26);
    assert!(mask.get_pixel(mid[0] as u32, mid[1] as u32)[0] > 200);
}

#[test]
fn an_empty_backdrop_has_no_face_and_no_person() {
    let backdrop = RgbImage::from_pixel(480, 640, image::Rgb([67, 142, 219]));
    let analysis = run(&backdrop);
    assert!(analysis.faces.is_empty() && analysis.main.is_none());
    let person = analysis
        .person_mask
        .pixels()
        .filter(|p| p[0] >= 128)
        .count();
    assert!(person < 480 * 640 / 100, "{person} person pixels");
}

#[test]
fn loading_never_downloads_and_names_the_missing_files() {
    let empty = tempfile::tempdir().unwrap();
    let err = Engine::load(empty.path(), 1).unwrap_err().to_string();
    assert!(
        err.contains("face_detection.onnx") && err.contains("libonnxruntime"),
        "{err}"
    );
    assert!(
        err.contains("fetch.py"),
        "the error says how to get them: {err}"
    );
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}
