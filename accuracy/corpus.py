"""What the corpus materialisers share: reading a manifest, taking each file from a local git
copy of its repository with its sha256 checked, and writing the split label files that
`photocheck eval --labels` reads. No photo is committed; a manifest line names the public
repository, commit and path of each."""

import hashlib
import json
import subprocess
import sys
from io import BytesIO
from pathlib import Path

from PIL import Image


def read_manifest(path, repos):
    """The manifest's lines; exits naming any repository with no git copy in `repos`."""
    lines = [json.loads(l) for l in Path(path).read_text().splitlines() if l.strip()]
    missing = sorted({l["repo"] for l in lines} - set(repos))
    if missing:
        sys.exit(f"materialise: no git copy given for {', '.join(missing)}")
    return lines


def blob(line, repos):
    """The bytes of a manifest line's file, checked against its sha256."""
    data = subprocess.run(
        ["git", "--git-dir", repos[line["repo"]], "show", f"{line['commit']}:{line['path']}"],
        check=True,
        capture_output=True,
    ).stdout
    if hashlib.sha256(data).hexdigest() != line["sha256"]:
        sys.exit(f"materialise: {line['repo']}:{line['path']} differs from the manifest's sha256")
    return data


def write_labels(out, records):
    """Writes labels-tune.jsonl and labels-report.jsonl; `records` pairs a split with a label
    object whose `file` is relative to `out`. A split whose photos had a second, blind look
    at some labels also gets labels-SPLIT-agreed.jsonl (see `agreed`)."""
    files = {"labels-tune.jsonl": [], "labels-report.jsonl": []}
    for split, record, second_look in records:
        files[f"labels-{split}.jsonl"].append(record)
        if second_look:
            agreed = agreed_labels(record, second_look)
            files.setdefault(f"labels-{split}-agreed.jsonl", []).append(agreed)
    for name, labels in files.items():
        lines = [json.dumps(label, ensure_ascii=False) for label in labels]
        (Path(out) / name).write_text("\n".join(lines) + "\n")


def agreed_labels(record, second_look):
    """The label object with each label that had a second look kept only where both looks
    judged it the same (`null` otherwise): the labels that do not depend on who looked."""
    return {
        key: (value if key not in second_look or second_look[key] == value else None)
        for key, value in record.items()
    }


def materialise(manifest, args, prepare):
    """Builds a corpus from `manifest` with the command line `args` (OUT_DIR, then
    `owner/name=GIT_DIR` for each repository): each photo, passed through `prepare` (a PIL
    image to the image to save), goes to OUT_DIR/person/name.png, and the split label
    files beside them."""
    out = Path(args[0])
    repos = dict(arg.split("=", 1) for arg in args[1:])
    lines = read_manifest(manifest, repos)
    records = []
    for line in lines:
        name = f"{line['person']}/{Path(line['file']).with_suffix('.png')}"
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        prepare(Image.open(BytesIO(blob(line, repos))).convert("RGB")).save(target)
        record = {"file": name, "group": line["person"], **line["labels"]}
        records.append((line["split"], record, line.get("second_look")))
    write_labels(out, records)
    print(f"materialise: {len(lines)} photos of {len({l['person'] for l in lines})} people in {out}")
