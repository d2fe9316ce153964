"""Writes crates/photocheck/src/canonical_face.rs: MediaPipe's canonical 3D face (the 33
mesh points its face-geometry pipeline fits by weighted Procrustes, with their weights),
taken from the npm package @mediapipe/face_mesh (Apache-2.0), file
geometry_pipeline_metadata_landmarks.binarypb inside its packed assets.

usage: python3 canonical_face.py        (needs npm; run once, the output is committed)
"""

import hashlib
import re
import struct
import subprocess
import tarfile
import tempfile
from pathlib import Path

SPEC = "@mediapipe/face_mesh@0.4.1657299874"
ASSET = "/third_party/mediapipe/modules/face_geometry/data/geometry_pipeline_metadata_landmarks.binarypb"
ASSET_SHA256 = "bdbcda96dfcb7da883da124aaa2c55dee49770d934f0fcc71747f8c21bdc75b4"
OUT = Path(__file__).resolve().parent.parent / "crates/photocheck/src/canonical_face.rs"


def varint(b, i):
    value = shift = 0
    while True:
        c = b[i]
        i += 1
        value |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return value, i


def fields(b):
    """(field number, value) of a protobuf message: varints, 32-bit floats and bytes."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(b, i)
        elif wire == 5:
            value = struct.unpack("<f", b[i : i + 4])[0]
            i += 4
        elif wire == 2:
            n, i = varint(b, i)
            value = b[i : i + n]
            i += n
        else:
            raise ValueError(f"wire type {wire} not expected")
        yield number, value


def f32(x):
    """The shortest decimal that reads back as the same 32-bit float."""
    same = lambda text: struct.pack("<f", float(text)) == struct.pack("<f", x)
    text = next(t for t in (f"{x:.{p}g}" for p in range(1, 10)) if same(t))
    return text if any(c in text for c in ".e") else text + ".0"


def asset():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "--silent", SPEC], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        archive = tarfile.open(next(Path(tmp).iterdir()))
        loader = archive.extractfile("package/face_mesh_solution_packed_assets_loader.js").read().decode()
        data = archive.extractfile("package/face_mesh_solution_packed_assets.data").read()
    entry = re.search(r'\{"filename": "' + re.escape(ASSET) + r'", "start": (\d+), "end": (\d+)\}', loader)
    blob = data[int(entry.group(1)) : int(entry.group(2))]
    digest = hashlib.sha256(blob).hexdigest()
    if digest != ASSET_SHA256:
        raise SystemExit(f"{ASSET}: sha256 {digest}, expected {ASSET_SHA256}")
    return blob


def main():
    top = list(fields(asset()))
    # GeometryPipelineMetadata: 1 canonical_mesh (Mesh3d: 3 vertex_buffer, x y z u v per
    # vertex), 2 procrustes_landmark_basis (1 landmark_id, 2 weight).
    mesh = next(v for n, v in top if n == 1)
    buffer = [v for n, v in fields(mesh) if n == 3]
    basis = [dict(fields(v)) for n, v in top if n == 2]
    rows = []
    for b in basis:
        index, weight = b[1], b[2]
        x, y, z = buffer[index * 5 : index * 5 + 3]
        rows.append(f"    ({index}, {f32(weight)}, [{f32(x)}, {f32(y)}, {f32(z)}]),")
    OUT.write_text(
        "//! MediaPipe's canonical 3D face: the mesh points its face-geometry pipeline fits by\n"
        "//! weighted Procrustes, with their weights and positions (centimetres; x to the\n"
        "//! subject's left, y up, z out of the face). Written by `models/canonical_face.py` from\n"
        f"//! the npm package `{SPEC}` (Apache-2.0, © The MediaPipe Authors); do not edit.\n\n"
        "/// (mesh point, weight, position) of each point the pose fit uses.\n"
        f"pub const POINTS: [(usize, f32, [f32; 3]); {len(rows)}] = [\n" + "\n".join(rows) + "\n];\n"
    )
    print(f"wrote {OUT} ({len(rows)} points)")


if __name__ == "__main__":
    main()
