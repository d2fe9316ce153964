"""Builds the identity corpus (a folder per person) from manifest.jsonl, for
`photocheck eval-identity DIR`. No photo is committed: each manifest line names a public
repository, commit and path, with the file's sha256, and this script takes the file from a
local git copy of that repository (`git clone` or a mirror), checks its sha256 and writes it
into a portrait frame.

The sources hold tight face crops (112×112 and 150×150), which a portrait photo never is:
each crop is scaled to 300 px wide and set on a plain 480×640 frame with its top 110 px
down, so that the checker's face detector, mesh and chip alignment run as on a portrait.

Each line also carries hand labels (glasses, teeth_visible, eyes_open, face_turned, in the
conventions of the development photos' README; a field left out could not be judged from
the crop; no roll labels: the sources rotated many crops to level the eyes, so a head that
looks tilted often has a level eye line) and a split by person: materialise writes
labels-tune.jsonl and labels-report.jsonl beside the photos for `photocheck eval`. Limits
are set on the tune half; the report half is the figure to quote. `face_turned` had a second
look (`second_look`) from the crops alone, both halves shuffled together, `null` where it could
not decide; labels-tune-agreed.jsonl and labels-report-agreed.jsonl keep it only where both
looks agree.

usage: python3 materialise.py OUT_DIR owner/name=GIT_DIR [owner/name=GIT_DIR …]
       (with pillow installed)
"""

import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from corpus import materialise  # noqa: E402

HERE = Path(__file__).resolve().parent
FRAME = (480, 640)
FACE_WIDTH = 300
TOP = 110
BACKDROP = (200, 200, 200)


def framed(crop):
    """The crop scaled to FACE_WIDTH and set on a plain portrait frame, TOP px down."""
    scale = FACE_WIDTH / crop.width
    crop = crop.resize((FACE_WIDTH, round(crop.height * scale)), Image.BICUBIC)
    frame = Image.new("RGB", FRAME, BACKDROP)
    frame.paste(crop, ((FRAME[0] - FACE_WIDTH) // 2, TOP))
    return frame


if __name__ == "__main__":
    materialise(HERE / "manifest.jsonl", sys.argv[1:], framed)
