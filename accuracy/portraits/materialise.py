"""Builds the portrait corpus from manifest.jsonl, for `photocheck eval --labels`: real photos
of heads with shoulders, hair, ears and what people wear on them, for the person rules
(accessories.none, ears.visible, clothing.covered) and glasses.none.

Source: the EarsDetectionPose export in RinatHar/EarTracking (licence CC BY 4.0 as its
data.yaml states): celebrity and stock portraits, each in three augmented copies (rotated,
sheared, letterboxed to 640×640). Of each original, the manifest holds the copy whose
face the checker found level (smallest |roll|), with the face at least 80 px wide; copies
turned on their side or cut to a part of the face were left out after looking at them.
The copies were letterboxed in black to 640×640: the materialiser cuts away the black rows
and columns at the edges (a letterbox would read as a dark person to the person mask) and
writes the rest as PNG.

Each line carries hand labels in the conventions of the development photos' README
(`true`/`false` as seen, `null` where it cannot be judged: an ear under the tile's
resolution, a possible stud) plus `shoulders_bare` (no garment over the shoulders: straps,
strapless, or nothing in frame but skin), and a split by person: the people were grouped by
name where the file has one and by the face descriptor otherwise (pairs closer than 0.4
joined), and each group goes to the tune or the report half by a hash of its name. Limits
are set on the tune half; the report half is the figure to quote.

Every photo's `both_ears_visible` and `face_turned` had a second look (`second_look`), from
the photos alone, each half in a shuffled order, with `null` where the second look could not
decide; `labels-tune-agreed.jsonl` and `labels-report-agreed.jsonl` keep those two labels only
where both looks agree. Eight of the report half's 178 photos had been looked at beside their
first labels shortly before (faces the checker passed although labelled turned); the rest
were seen fresh.

usage: python3 materialise.py OUT_DIR RinatHar/EarTracking=GIT_DIR
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from corpus import materialise  # noqa: E402

HERE = Path(__file__).resolve().parent
# Brightest grey of a letterbox pixel (JPEG noise lifts the black a little).
LETTERBOX = 16


def without_letterbox(image):
    """The image less the rows and columns at its edges that are all letterbox black."""
    mask = image.convert("L").point(lambda v: 255 if v > LETTERBOX else 0)
    box = mask.getbbox()
    return image.crop(box) if box else image


if __name__ == "__main__":
    materialise(HERE / "manifest.jsonl", sys.argv[1:], without_letterbox)
