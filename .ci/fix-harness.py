#!/usr/bin/env python3
"""Runs `photocheck fix` over a photo folder and checks what it promises.

- every copy it writes passes every file rule (format.*) and framing rule (frame.*);
- every photo it declines has a failure that is not a file rule: the checker fails it on
  something other than format.*, file.naming and batch.once (a framing failure counts,
  since fix declines those it cannot crop into the bands);
- no photo that fails only on file rules is declined.

usage: fix-harness.py PHOTOCHECK_BINARY PHOTO_FOLDER [OPTION...]   (options go to fix and check,
       e.g. --spec school.toml)
Prints one line per kind and each broken promise; exits 1 if any promise is broken.
"""

import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

FILE_ONLY = ("file.naming", "batch.once")


def check(binary, paths, options):
    """The checker's failing rule ids for each photo, by path."""
    out = subprocess.run(
        [binary, "check", "--format", "jsonl", *options, *map(str, paths)],
        capture_output=True, text=True, check=False,
    ).stdout
    failing = {}
    for line in out.splitlines():
        record = json.loads(line)
        if "file" in record:
            failing[record["file"]] = {
                c["id"] for c in record["checks"] if c["status"] in ("fail", "error")
            }
    return failing


def is_file_rule(rule_id):
    return rule_id.startswith("format.") or rule_id in FILE_ONLY


def main(binary, folder, *options):
    broken = []
    with tempfile.TemporaryDirectory() as out:
        listing = subprocess.run(
            [binary, "fix", *options, folder, "-o", out], capture_output=True, text=True, check=False
        ).stdout
        rows = [line.split("\t") for line in listing.splitlines() if line.count("\t") >= 3]
        originals = check(binary, [row[1] for row in rows], options)
        copies = check(binary, [row[2] for row in rows if row[0] == "fixed"], options)
        for kind, source, copy, details in rows:
            fails = originals.get(source, set())
            non_file = sorted(r for r in fails if not is_file_rule(r))
            if kind == "fixed":
                left = sorted(
                    r for r in copies.get(copy, {"no report"})
                    if r.startswith(("format.", "frame.")) or r == "no report"
                )
                if left:
                    broken.append(f"fixed copy {copy} still fails {left}")
            elif kind == "declined" and not non_file:
                broken.append(f"declined {source}, which fails only file rules: {details}")
            elif kind == "compliant" and any(r.startswith("format.") for r in fails):
                broken.append(f"called {source} compliant, but it fails {sorted(fails)}")
        kinds = Counter(row[0] for row in rows)
    print(
        f"fix over {folder}: {len(rows)} photos, fixed {kinds['fixed']}, "
        f"compliant {kinds['compliant']}, declined {kinds['declined']}; "
        f"promises broken: {len(broken)}"
    )
    for line in broken:
        print("BROKEN:", line)
    return 1 if broken or not rows else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
