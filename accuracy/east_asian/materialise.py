"""Builds the East Asian faces set from manifest.jsonl: 311 photos of 40 Chinese, Korean
and Japanese celebrities (nz0001na/Asian_faces: the cleaning tool's raw and target images
and the sample folders; byte-identical copies left out), for checking the rules on the faces
most students have, which the other corpora hold few of. No photo is committed; each line
names the repository, commit, path and sha256, and this script takes the file from a local
git copy and writes it as PNG (some of the .jpg files are BMP and GIF inside).

Labels: `glasses` only, as seen on every photo (12 with glasses, four people; rimless ones
included); the other fields are left out. The split is by person (a hash of its folder
name). The tune half is among the data glasses.none's glasses score is fitted on
(accuracy/glasses_probe.py); the report half is the figure to quote.

usage: python3 materialise.py OUT_DIR nz0001na/Asian_faces=GIT_DIR   (with pillow installed)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from corpus import materialise  # noqa: E402

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    materialise(HERE / "manifest.jsonl", sys.argv[1:], lambda image: image)
