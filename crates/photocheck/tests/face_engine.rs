//! The face engine on real faces: a public-domain portrait (testdata/real) rotated, mirrored
//! and placed, and the generated test photos. Fetches the models once if they are missing.

use image::RgbImage;
use imageproc::geometric_transformations::{rotate_about_center, Border, Interpolation};
use photocheck::analysis::{analyse, Analysis, Needs};
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
    analyse(engine(), image, &Default::default(), Needs::ALL).unwrap()
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
    let photo = image::open(testdata("photos/reference.jpg"))
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

/// The reference photo with a blurred, smaller copy of its own head behind the student's
/// shoulder, cut by the frame's bottom-left corner: a bystander.
fn with_bystander() -> RgbImage {
    let mut scene = reference();
    let head = image::imageops::crop_imm(&scene, 120, 120, 240, 300).to_image();
    let small = image::imageops::resize(&head, 160, 200, image::imageops::FilterType::Triangle);
    let bystander = image::imageops::blur(&small, 2.0);
    image::imageops::replace(&mut scene, &bystander, -40, 480);
    scene
}

#[test]
fn a_blurred_bystander_cut_by_the_corner_is_a_second_face() {
    let least = photocheck::Profile::default()
        .rules
        .faces_single
        .params
        .min_other_face_score as f32;
    let alone = run(&reference());
    assert_eq!(alone.faces.len(), 1);
    assert!(
        alone.other_faces.iter().all(|f| f.score < least),
        "{:?}",
        alone.other_faces
    );
    let scene = with_bystander();
    let analysis = run(&scene);
    assert_eq!(analysis.faces.len(), 1, "BlazeFace alone misses it");
    let found: Vec<_> = analysis
        .other_faces
        .iter()
        .filter(|f| f.score >= least)
        .collect();
    assert_eq!(found.len(), 1, "{:?}", analysis.other_faces);
    let [x, y] = found[0].centre();
    assert!(x < 120.0 && y > 480.0, "at the bottom left: {x}, {y}");
    let result = rule_on(&scene, "faces.single");
    assert_eq!(result.status, photocheck::Status::Fail);
    assert_eq!(
        rule_on(&reference(), "faces.single").status,
        photocheck::Status::Pass
    );
}

#[test]
fn a_face_only_mtcnn_sees_is_no_student_and_no_bystander() {
    // The whole 640×640 portrait in a wide frame: its face is about 110 px, 15 px to
    // BlazeFace's 128×128 view, which finds nothing; MTCNN would find it (0.997).
    let mut wide = RgbImage::from_pixel(1280, 640, image::Rgb([70, 70, 75]));
    image::imageops::replace(&mut wide, &portrait(), 320, 0);
    let analysis = run(&wide);
    assert!(analysis.faces.is_empty(), "{:?}", analysis.faces);
    assert!(
        analysis.other_faces.is_empty(),
        "{:?}",
        analysis.other_faces
    );
    assert_eq!(
        rule_on(&wide, "faces.single").status,
        photocheck::Status::Fail
    );
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

#[test]
fn face_parsing_is_never_loaded_unasked_and_its_absence_names_the_terms_and_the_fetch() {
    // The default engine (`Engine::load`): no face parts, even with every model asked for
    // and the optional model's file in the folder.
    let analysis = run(&portrait());
    assert!(analysis.main.is_some() && analysis.parts.is_none());
    // Asked for where it was not fetched: an error with its terms and the command.
    let dir = tempfile::tempdir().unwrap();
    let err = Engine::load_with_face_parsing(dir.path(), 1)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("non-commercial") && err.contains("--with face_parsing"),
        "{err}"
    );
}

/// The full checker's result for one rule on an in-memory image.
fn rule_on(image: &RgbImage, id: &str) -> photocheck::CheckResult {
    use std::sync::OnceLock;
    static CHECKER: OnceLock<photocheck::Checker> = OnceLock::new();
    let checker = CHECKER.get_or_init(|| {
        let dir = default_model_dir();
        fetch_models(&dir).expect("fetch the models");
        photocheck::Checker::with_engine(
            photocheck::Profile::default(),
            Engine::load(&dir, 1).unwrap(),
        )
    });
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let report = checker.check_bytes("generated.png", &png);
    report.checks.into_iter().find(|c| c.id == id).unwrap()
}

fn reference() -> RgbImage {
    image::open(testdata("photos/reference.jpg"))
        .unwrap()
        .into_rgb8()
}

/// The reference moved by (dx, dy) pixels on its own blue backdrop.
fn shifted(dx: i64, dy: i64) -> RgbImage {
    let src = reference();
    let blue = *src.get_pixel(5, 5);
    let mut out = RgbImage::from_pixel(src.width(), src.height(), blue);
    image::imageops::overlay(&mut out, &src, dx, dy);
    out
}

#[test]
fn roll_rule_follows_a_known_rotation() {
    use photocheck::Status;
    let rotate = |deg: f32| {
        let src = reference();
        let blue = *src.get_pixel(5, 5);
        rotate_about_center(
            &src,
            deg.to_radians(),
            Interpolation::Bilinear,
            Border::Constant(blue),
        )
    };
    assert_eq!(rule_on(&rotate(3.0), "pose.roll").status, Status::Pass);
    let tilted = rule_on(&rotate(-12.0), "pose.roll");
    assert_eq!(tilted.status, Status::Fail);
    assert!(tilted.message.en.contains("left"), "{}", tilted.message.en);
}

#[test]
fn frame_rules_follow_a_known_shift() {
    use photocheck::Status;
    let reference_crown = rule_on(&reference(), "frame.crown");
    assert_eq!(reference_crown.status, Status::Pass);
    let crown = reference_crown.value.as_f64().unwrap();
    // 40 px up: the crown moves 40 px towards the edge and leaves the 50–110 band.
    let up = rule_on(&shifted(0, -40), "frame.crown");
    assert_eq!(up.status, Status::Fail);
    assert!(
        (up.value.as_f64().unwrap() - (crown - 40.0)).abs() <= 3.0,
        "{:?}",
        up.value
    );
    assert!(up.message.zh.contains("需 50–110 px"), "{}", up.message.zh);
    // 70 px up: the eye line leaves its 200–300 band too; the head is then cut at the top.
    assert_eq!(rule_on(&shifted(0, -70), "frame.eyes").status, Status::Fail);
    assert_eq!(
        rule_on(&shifted(0, -70), "frame.crown").status,
        Status::Fail
    );
    // 80 px right: off centre by about 80 px.
    let right = rule_on(&shifted(80, 0), "frame.centered");
    assert_eq!(right.status, Status::Fail);
    assert!(
        (right.value.as_f64().unwrap() - 80.0).abs() <= 4.0,
        "{:?}",
        right.value
    );
}

#[test]
fn face_width_rule_follows_a_known_zoom() {
    use photocheck::Status;
    let src = reference();
    let width = rule_on(&src, "frame.face_width").value.as_f64().unwrap();
    // Shrink to 70 % on the same canvas: the face narrows to 70 % and leaves the band.
    let small = image::imageops::resize(&src, 336, 448, image::imageops::FilterType::Triangle);
    let mut canvas = RgbImage::from_pixel(480, 640, *src.get_pixel(5, 5));
    image::imageops::overlay(&mut canvas, &small, 72, 96);
    let zoomed = rule_on(&canvas, "frame.face_width");
    assert_eq!(zoomed.status, Status::Fail);
    assert!(
        (zoomed.value.as_f64().unwrap() - 0.7 * width).abs() <= 6.0,
        "{:?} from {width}",
        zoomed.value
    );
}

#[test]
fn every_face_rule_skips_with_the_reason_when_no_face_is_found() {
    let backdrop = RgbImage::from_pixel(480, 640, image::Rgb([67, 142, 219]));
    for id in [
        "pose.frontal",
        "pose.roll",
        "frame.crown",
        "frame.eyes",
        "frame.face_width",
        "frame.centered",
        "eyes.open",
        "eyebrows.visible",
        "mouth.no_teeth",
        "glasses.none",
        "lighting.even",
        "makeup.light",
        "quality.sharp",
        "exposure.ok",
        "clothing.not_blue",
        "clothing.covered",
        "hair.dyed",
        "hair.neat",
        "ears.visible",
        "shoulders.level",
    ] {
        let r = rule_on(&backdrop, id);
        assert_eq!(r.status, photocheck::Status::Skip, "{id}");
        assert!(r.message.en.contains("no face"), "{id}: {}", r.message.en);
    }
}

#[test]
fn glasses_refused_by_the_notice_pass_the_standard_unless_tinted_or_glaring() {
    use photocheck::Status;
    let dir = default_model_dir();
    fetch_models(&dir).expect("fetch the models");
    let standard = photocheck::Checker::with_engine(
        photocheck::Profile::preset("standard-2017").unwrap(),
        Engine::load(&dir, 1).unwrap(),
    );
    let notice = photocheck::Checker::with_engine(
        photocheck::Profile::default(),
        Engine::load(&dir, 1).unwrap(),
    );
    let rule = |checker: &photocheck::Checker, file: &str, id: &str| {
        let report = checker.check_file(&testdata(&format!("photos/{file}")));
        report.checks.into_iter().find(|c| c.id == id)
    };
    for file in ["glasses.jpg", "glasses_tinted.jpg", "glasses_glare.jpg"] {
        let refused = rule(&notice, file, "glasses.none").unwrap();
        assert_eq!(refused.status, Status::Fail, "{file} under the notice");
        assert!(rule(&standard, file, "glasses.none").is_none(), "{file}");
    }
    let clear = rule(&standard, "glasses.jpg", "glasses.clear").unwrap();
    assert_eq!(clear.status, Status::Pass, "{}", clear.message.en);
    let tinted = rule(&standard, "glasses_tinted.jpg", "glasses.clear").unwrap();
    assert_eq!(tinted.status, Status::Fail);
    assert!(tinted.message.en.contains("tinted") && !tinted.message.en.contains("glare"));
    let glare = rule(&standard, "glasses_glare.jpg", "glasses.clear").unwrap();
    assert_eq!(glare.status, Status::Fail);
    assert!(glare.message.en.contains("glare") && !glare.message.en.contains("tinted"));
    // The reference wears no glasses: glasses.clear passes it under the standard.
    let none = rule(&standard, "reference.jpg", "glasses.clear").unwrap();
    assert_eq!(
        (none.status, none.message.en.as_str()),
        (Status::Pass, "no glasses")
    );
}

#[test]
fn mtcnn_runs_only_when_the_profile_counts_faces() {
    let dir = default_model_dir();
    fetch_models(&dir).expect("fetch the models");
    let mtcnn = photocheck::analysis::Model::OtherFaces.stage();
    let runs = |profile: photocheck::Profile| {
        let checker = photocheck::Checker::with_engine(profile, Engine::load(&dir, 1).unwrap());
        checker.check_file(&testdata("photos/reference.jpg"));
        checker
            .timings()
            .medians()
            .iter()
            .find(|(stage, _, _)| *stage == mtcnn)
            .map_or(0, |(_, count, _)| *count)
    };
    assert_eq!(runs(photocheck::Profile::default()), 1);
    let mut without = photocheck::Profile::default();
    without.rules.faces_single.enabled = false;
    assert_eq!(
        runs(without),
        0,
        "faces.single is off: no one counts the faces"
    );
}

/// A checker with the default profile (every rule on), one per test that needs it.
fn full_checker() -> photocheck::Checker {
    let dir = default_model_dir();
    fetch_models(&dir).expect("fetch the models");
    photocheck::Checker::with_engine(
        photocheck::Profile::default(),
        Engine::load(&dir, 1).unwrap(),
    )
}

fn png(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Another picture of the astronaut: tilted 5°, darker, cropped and scaled, so that no
/// pixel and no face hash is the same.
fn another_picture_of_the_astronaut() -> RgbImage {
    let tilted = rotate_about_center(
        &portrait(),
        5f32.to_radians(),
        Interpolation::Bilinear,
        Border::Constant(image::Rgb([90, 90, 90])),
    );
    let mut darker = tilted;
    for p in darker.pixels_mut() {
        p.0 = p.0.map(|c| (c as f32 * 0.8) as u8);
    }
    let cropped = image::imageops::crop_imm(&darker, 40, 20, 430, 480).to_image();
    image::imageops::resize(&cropped, 400, 446, image::imageops::FilterType::CatmullRom)
}

#[test]
fn one_person_in_two_pictures_under_two_names_is_found_by_the_face() {
    use photocheck::batch::{BatchIndex, Collision};
    use photocheck::rules::batch_once;
    let checker = full_checker();
    let first = checker.check_bytes("2021001234张三11010519491231002X.png", &png(&portrait()));
    let second = checker.check_bytes(
        "2021001235李四110105194912310021.png",
        &png(&another_picture_of_the_astronaut()),
    );
    let profile = checker.profile();
    let bits = photocheck::measure::hash_distance(
        &parse(first.fingerprint.as_deref().unwrap()),
        &parse(second.fingerprint.as_deref().unwrap()),
    );
    assert!(
        bits > profile.rules.batch_once.params.max_hash_distance,
        "the face hashes alone would find them ({bits} bits)"
    );
    let mut index = BatchIndex::default();
    index.add(&first);
    index.add(&second);
    let found = index.collisions(batch_once::limits(profile));
    for (me, other) in [
        (0, "2021001235李四110105194912310021.png"),
        (1, "2021001234张三11010519491231002X.png"),
    ] {
        let named = &found.get(&me).expect("both photos are reported").named;
        assert!(
            matches!(named.as_slice(), [(f, Collision::SamePerson(_))] if f == other),
            "{named:?}"
        );
        let result = batch_once::check(&found[&me], profile);
        assert_eq!(result.status, photocheck::Status::Fail);
        assert!(
            result.message.zh.contains("同一人"),
            "{}",
            result.message.zh
        );
    }
}

fn parse(hex: &str) -> [u64; 4] {
    std::array::from_fn(|i| u64::from_str_radix(&hex[i * 16..(i + 1) * 16], 16).unwrap())
}

#[test]
fn identity_match_passes_the_same_person_fails_another_and_skips_without_a_reference() {
    use photocheck::Status;
    let references = tempfile::tempdir().unwrap();
    // The astronaut's reference under her student number; another person's (Grace Hopper)
    // under the second student's number; nothing for the third.
    std::fs::write(references.path().join("2021001234.png"), png(&portrait())).unwrap();
    std::fs::copy(
        testdata("real/grace_hopper.jpg"),
        references.path().join("2021001235.jpg"),
    )
    .unwrap();
    let checker = full_checker();
    let refs = checker.read_references(references.path()).unwrap();
    assert_eq!(refs.counts(), (2, 2));
    let checker = checker.with_references(refs);
    assert!(checker.rule_ids().contains(&"identity.match"));
    let astronaut = png(&another_picture_of_the_astronaut());
    let status = |name: &str| {
        let report = checker.check_bytes(name, &astronaut);
        let check = report
            .checks
            .iter()
            .find(|c| c.id == "identity.match")
            .cloned()
            .unwrap();
        (check.status, check.message.en)
    };
    let (own, why) = status("2021001234张三11010519491231002X.png");
    assert_eq!(own, Status::Pass, "{why}");
    let (other, why) = status("2021001235李四110105194912310021.png");
    assert_eq!(other, Status::Warn, "the notice preset warns: {why}");
    let (missing, why) = status("2021009999王五11010519491231002X.png");
    assert_eq!(missing, Status::Skip);
    assert!(why.contains("no reference photo"), "{why}");

    // A school whose profile makes it a failure refuses the other person's photo outright.
    let strict = photocheck::Profile::from_overrides_str(
        "[rules.\"identity.match\"]\nseverity = \"fail\"\n",
        "school.toml",
    )
    .unwrap();
    let strict =
        photocheck::Checker::with_engine(strict, Engine::load(&default_model_dir(), 1).unwrap());
    let refs = strict.read_references(references.path()).unwrap();
    let strict = strict.with_references(refs);
    let report = strict.check_bytes("2021001235李四110105194912310021.png", &astronaut);
    let check = report
        .checks
        .iter()
        .find(|c| c.id == "identity.match")
        .unwrap();
    assert_eq!(check.status, Status::Fail, "{}", check.message.en);
}

#[test]
fn teeth_show_in_colour_and_in_black_and_white() {
    // Eileen Collins smiles with her teeth showing.
    let colour = image::open(testdata("real/astronaut.png"))
        .unwrap()
        .into_rgb8();
    let grey = image::DynamicImage::ImageLuma8(image::imageops::grayscale(&colour)).into_rgb8();
    for (what, image) in [("colour", &colour), ("black and white", &grey)] {
        let teeth = rule_on(image, "mouth.no_teeth");
        assert_eq!(teeth.status, photocheck::Status::Fail, "{what}: {teeth:?}");
    }
}
