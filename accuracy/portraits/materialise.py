"""Builds the portrait corpus from manifest.jsonl, for `photocheck eval --labels`: real photos
of heads with shoulders, hair, ears and what people wear on them, for the person rules
(accessories.none, ears.visible, clothing.covered) and glasses.none.

Source: the EarsDetectionPose export in RinatHar/EarTracking (licence CC BY 4.0 as its
data.yaml states): celebrity and stock portraits, each in three augmented copies (rotated,
sheared, letterboxed to 640×640). Of each original, the manifest holds the copy whose
face the checker found level (smallest |roll|), with the face at least 80 px wide; copies
turned on their side or cut to a part of the face were left out after looking at them.
The files are written unchanged.

Each line carries hand labels in the conventions of the development photos' README
(`true`/`false` as seen, `null` where it cannot be judged: an ear under the tile's
resolution, a possible stud) plus `shoulders_bare` (no garment over the shoulders: straps,
strapless, or nothing in frame but skin), and a split by person: the people were grouped by
name where the file has one and by the face descriptor otherwise (pairs closer than 0.4
joined), and each group goes to the tune or the report half by a hash of its name. Limits
are set on the tune half; the report half is the figure to quote.

usage: python3 materialise.py OUT_DIR RinatHar/EarTracking=GIT_DIR
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from corpus import blob, read_manifest, repos_from_args, write_labels  # noqa: E402

HERE = Path(__file__).resolve().parent


def main():
    out = Path(sys.argv[1])
    repos = repos_from_args(sys.argv[2:])
    lines = read_manifest(HERE / "manifest.jsonl", repos)
    records = []
    for line in lines:
        name = f"{line['person']}/{line['file']}"
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob(line, repos))
        records.append((line["split"], {"file": name, "group": line["person"], **line["labels"]}))
    write_labels(out, records)
    print(f"materialise: {len(lines)} photos of {len({l['person'] for l in lines})} people in {out}")


if __name__ == "__main__":
    main()
