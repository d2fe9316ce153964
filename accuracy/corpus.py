"""What the corpus materialisers share: reading a manifest, taking each file from a local git
copy of its repository with its sha256 checked, and writing the split label files that
`photocheck eval --labels` reads. No photo is committed; a manifest line names the public
repository, commit and path of each."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path


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
    object whose `file` is relative to `out`."""
    by_split = {"tune": [], "report": []}
    for split, record in records:
        by_split[split].append(json.dumps(record, ensure_ascii=False))
    for split, lines in by_split.items():
        (Path(out) / f"labels-{split}.jsonl").write_text("\n".join(lines) + "\n")


def repos_from_args(args):
    """`owner/name=GIT_DIR` arguments as a dict."""
    return dict(arg.split("=", 1) for arg in args)
