#!/usr/bin/env python3
"""Side by side: photocheck against the Python pipeline a staff developer would write.

The Python pipeline is MediaPipe 0.10.14's solutions (face detection, face mesh, selfie
segmentation; XNNPACK), each created once per worker process, one worker per core, doing
those three models and the background's mean colour per photo. photocheck runs twice over
the same photos: the same work (`bench-summary three-models`) and every rule
(`photocheck check`). Each figure is the median of --runs runs; the ratios are
photocheck's photos/s over MediaPipe's.

    python3 benches/mediapipe_compare.py [--photos 1000] [--runs 5] [--out FILE]

mediapipe==0.10.14 is installed with pip into target/mediapipe-venv on first use.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "mediapipe-venv"
MEDIAPIPE = "mediapipe==0.10.14"


def venv_python():
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"installing {MEDIAPIPE} into {VENV} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", MEDIAPIPE], check=True)
    return python


def cargo_build():
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "photocheck-cli", "-p", "photocheck-benches"],
        cwd=ROOT,
        check=True,
    )
    return ROOT / "target" / "release"


# --- the MediaPipe worker (runs inside the venv) ------------------------------------------

WORKER = r'''
import sys, time
from multiprocessing import Pool

def init():
    global detector, mesh, segmenter, cv2, np
    import cv2, numpy as np
    import mediapipe as mp
    detector = mp.solutions.face_detection.FaceDetection(model_selection=0, min_detection_confidence=0.5)
    mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1)
    segmenter = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)

def photo(path):
    image = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
    faces = detector.process(image).detections or []
    landmarks = mesh.process(image).multi_face_landmarks
    mask = segmenter.process(image).segmentation_mask
    background = image[mask < 0.5]
    mean = background.mean(axis=0) if len(background) else None
    return len(faces), landmarks is not None, mean is not None

if __name__ == "__main__":
    workers, runs, paths = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    with Pool(workers, initializer=init) as pool:
        pool.map(photo, paths[: 4 * workers])  # warm-up: models loaded in every worker
        for _ in range(runs):
            started = time.perf_counter()
            results = pool.map(photo, paths, chunksize=8)
            took = time.perf_counter() - started
            assert all(found for found, _, _ in results), "MediaPipe missed a face"
            print(len(paths) / took, flush=True)
'''


def mediapipe_rates(python, workers, runs, paths):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(WORKER)
    try:
        out = subprocess.run(
            [str(python), f.name, str(workers), str(runs), *map(str, paths)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2"},
        ).stdout
    finally:
        os.unlink(f.name)
    return [float(line) for line in out.split()]


def photocheck_rates(release, folder, count, runs):
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [str(release / "photocheck"), "check", "-q", "-o", str(folder.parent / "report.jsonl"), str(folder)],
            check=False,
        )
        rates.append(count / (time.perf_counter() - started))
    return rates


def make_photos(release, workdir, count):
    """The benchmark photos bench-summary uses: variants of the reference portrait."""
    subprocess.run(
        [str(release / "bench-summary"), "make-photos", str(workdir), "--count", str(count)],
        check=True,
    )
    folder = workdir / "photos"
    return folder, sorted(folder.iterdir())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "target" / "mediapipe-compare.json"))
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    python = venv_python()
    release = cargo_build()
    with tempfile.TemporaryDirectory() as tmp:
        folder, paths = make_photos(release, Path(tmp), args.photos)
        mp = mediapipe_rates(python, workers, args.runs, paths)
        three = json.loads(
            subprocess.run(
                [str(release / "bench-summary"), "three-models", str(folder), "--runs", str(args.runs)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )["runs"]
        every_rule = photocheck_rates(release, folder, len(paths), args.runs)
    median = statistics.median
    result = {
        "photos": args.photos,
        "runs": args.runs,
        "workers": workers,
        "mediapipe_photos_per_s": round(median(mp), 2),
        "photocheck_three_models_photos_per_s": round(median(three), 2),
        "photocheck_every_rule_photos_per_s": round(median(every_rule), 2),
        "ratio_three_models": round(median(three) / median(mp), 2),
        "ratio_every_rule": round(median(every_rule) / median(mp), 2),
        "runs_per_s": {"mediapipe": mp, "three_models": three, "every_rule": every_rule},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
