"""Fits glasses.none's glasses score: a linear score on the 128-d face descriptor (dlib's
ResNet, which the checker computes for batch.once anyway) and the four image signs.

The descriptor is made to tell people apart, yet glasses move it along directions of their
own; a class-balanced logistic regression on the tune halves finds them, with the logarithm
of each image sign over its limit (bridge edges, rim step, temple step; the lens shade's
limit over the shade; 0.01 at least, and 0.01 where the eyes are too small for lenses) as
four more inputs. Glasses are worn where the score is over 0. The L2 strength and the cut
are chosen on the scores each tune photo gets from a fit without its own person (ten folds
by person), so the choice rests on no photo the weights saw; the report halves are scored
once, at the end. Standardisation and the cut are folded into the printed weights and bias.

usage: python3 accuracy/glasses_probe.py PHOTOCHECK --tune LABELS… --report LABELS…
       (with numpy installed; prints each file's table and the profile's lines)
"""

import argparse
import json
import subprocess
import tempfile
import tomllib
from pathlib import Path

import numpy as np

PROFILE = Path(__file__).resolve().parent.parent / "crates/photocheck/profiles/notice.toml"
L2_GRID = [0.3, 0.1, 0.03, 0.01]
CUT_GRID = [x / 4 for x in range(-12, 13)]
FOLDS = 10
# A sign's ratio to its limit is taken at least this (its logarithm stays finite).
FLOOR = 0.01


def run(photocheck, *args):
    """Runs photocheck; exit status 1 only says that some photo failed a check."""
    done = subprocess.run([photocheck, *args], capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"photocheck {args[0]} failed: {done.stderr}")


def photos(photocheck, labels, limits):
    """(person, glasses, descriptor, sign ratios) of each labelled photo with a glasses
    label, a descriptor and the rule's image signs."""
    out = []
    for file in labels:
        folder = Path(file).parent
        entries = [json.loads(line) for line in Path(file).read_text().splitlines() if line]
        paths = [str(folder / e["file"]) for e in entries]
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as descriptors:
            run(photocheck, "eval", "--labels", file, "--descriptors", descriptors.name)
            records = map(json.loads, Path(descriptors.name).read_text().splitlines())
            descriptor = {r["file"]: r["descriptor"] for r in records}
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as checks:
            run(photocheck, "check", "-q", "--format", "jsonl", "-o", checks.name, *paths)
            records = map(json.loads, Path(checks.name).read_text().splitlines())
            ratios = {r["file"]: sign_ratios(r, limits) for r in records}
        for entry, path in zip(entries, paths):
            label = {**entry, **entry.get("labels", {})}
            if label.get("glasses") is None or descriptor.get(path) is None:
                continue
            if ratios.get(path) is None:
                continue
            person = f"{file}:{label.get('group') or label.get('person') or label['file']}"
            out.append((person, int(label["glasses"]), descriptor[path], ratios[path]))
    return out


def sign_ratios(report, limits):
    """glasses.none's four image signs over their limits (shade: the limit over the shade),
    as the checker reads them; None when the rule did not read them."""
    check = next((c for c in report.get("checks", []) if c["id"] == "glasses.none"), None)
    value = (check or {}).get("value") or {}
    if value.get("bridge_edges") is None:
        return None
    shade = value.get("lens_shade")
    return [
        value["bridge_edges"] / limits["max_bridge_edges"],
        (value.get("rim_step") or 0) / limits["max_rim_step"],
        (value.get("temple_step") or 0) / limits["max_temple_step"],
        limits["min_lens_shade"] / shade if shade else 0,
    ]


def inputs(rows):
    """People, labels, and the regression's inputs: descriptor, then log sign ratios."""
    people = [r[0] for r in rows]
    y = np.array([r[1] for r in rows])
    x = np.array([r[2] + list(np.log(np.maximum(r[3], FLOOR))) for r in rows], dtype=float)
    signs = np.array([max(r[3]) > 1 for r in rows])
    return people, y, x, signs


def fit(x, y, l2, steps=3000, rate=0.5):
    """Class-balanced L2 logistic regression: weights and bias on standardised inputs."""
    xb = np.c_[x, np.ones(len(x))]
    w = np.zeros(xb.shape[1])
    weight = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        w -= rate * (xb.T @ ((p - y) * weight) / len(y) + l2 * np.r_[w[:-1], 0])
    return w


class Score:
    """A fitted score on the raw inputs: standardisation folded into weights and bias."""

    def __init__(self, x, y, l2, cut=0.0):
        mean, spread = x.mean(0), x.std(0) + 1e-6
        w = fit((x - mean) / spread, y, l2)
        self.weights = w[:-1] / spread
        self.bias = w[-1] - (w[:-1] * mean / spread).sum() - cut

    def __call__(self, x):
        return x @ self.weights + self.bias


def held_out(x, y, people, l2):
    """Each photo's score from a fit without its person's fold."""
    fold = {name: n % FOLDS for n, name in enumerate(sorted(set(people)))}
    folds = np.array([fold[p] for p in people])
    scores = np.zeros(len(y))
    for k in range(FOLDS):
        held = folds == k
        scores[held] = Score(x[~held], y[~held], l2)(x[held])
    return scores


def balanced(found, y):
    return 0.5 * (found[y == 1].mean() + (~found[y == 0]).mean())


def table(name, found, y):
    tp, fp = int((found & (y == 1)).sum()), int((found & (y == 0)).sum())
    print(f"  {name:<28} glasses found {tp:>3} of {int(y.sum()):<3} refused without "
          f"{fp:>3} of {int((y == 0).sum()):<3} balanced accuracy {balanced(found, y):.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photocheck")
    parser.add_argument("--tune", nargs="+", required=True)
    parser.add_argument("--report", nargs="+", required=True)
    args = parser.parse_args()
    limits = tomllib.loads(PROFILE.read_text())["rules"]["glasses.none"]

    by_file = {f: photos(args.photocheck, [f], limits) for f in args.tune + args.report}
    tune = [row for f in args.tune for row in by_file[f]]
    people, y, x, signs = inputs(tune)
    print(f"tune: {len(y)} photos, {y.sum()} with glasses, {len(set(people))} people")
    best = None
    for l2 in L2_GRID:
        scores = held_out(x, y, people, l2)
        for cut in CUT_GRID:
            b = balanced(scores > cut, y)
            if best is None or b > best[0] + 1e-9:
                best = (b, l2, cut, scores)
    _, l2, cut, scores = best
    print(f"chosen on held-out-person scores: L2 {l2}, cut {cut}")
    start = 0
    for f in args.tune:
        end = start + len(by_file[f])
        print(f"tune {f}: {end - start} photos, {y[start:end].sum()} with glasses")
        table("image signs alone", signs[start:end], y[start:end])
        table("score, held-out person", scores[start:end] > cut, y[start:end])
        start = end
    score = Score(x, y, l2, cut)
    for f in args.report:
        _, r_y, r_x, r_signs = inputs(by_file[f])
        print(f"report {f}: {len(r_y)} photos, {r_y.sum()} with glasses")
        table("image signs alone", r_signs, r_y)
        table("score", score(r_x) > 0, r_y)

    print('\nprofile lines ([rules."glasses.none"]):')
    print(f"glasses_bias = {score.bias:.5f}")
    print("sign_weights = [" + ", ".join(f"{w:.5f}" for w in score.weights[128:]) + "]")
    print("descriptor_weights = [" + ", ".join(f"{w:.5f}" for w in score.weights[:128]) + "]")


if __name__ == "__main__":
    main()
