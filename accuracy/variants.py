"""Single-defect variants of a materialised corpus, with exact labels, for the two rules the
corpora's hand labels do not cover, quality.sharp (`blurry`) and pose.roll
(`head_roll_tilted`), and for more positives of clothing.not_blue (`blue_clothing`). The
operations and their labels are those of the development photos' synthetic variants
(../shared/testphotos/synthetic): a Gaussian blur of 1.2 % of the height is blurred; a copy
shrunk to 128 px high or saved at JPEG quality 4 is not (low resolution and blockiness are
other defects); a turn of the whole photo by 12° or 20° tilts the head, by 5° it does not; a
blue rectangle over the lower middle of the photo is blue clothing (only in a corpus that
labels clothing: elsewhere the photos are head crops with no clothing below). Each variant
keeps its original's person and half (tune or report), so limits chosen on the tune half
are still measured on people they never saw, and its original's glasses label (no
operation puts glasses on or takes them off), so that glasses.none is scored under blur,
shrinking, blockiness and turns too.

usage: python3 variants.py CORPUS_DIR OUT_DIR
"""

import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageStat

# Gaussian blur radius as a share of the photo's height (6.4 px of 531, 7.7 of 640 in the
# development variants).
BLUR_SHARE = 0.012
SMALL_HEIGHT = 128
JPEG_QUALITY = 4
# Degrees added counterclockwise, and whether the head then counts as tilted (label
# convention: an eye line more than about 8° off level).
TURNS = {-5: False, 5: False, -12: True, 20: True}
# The blue garment: its colour and box (shares of width and height: x0, y0, x1, y1).
GARMENT_RGB = (40, 90, 200)
GARMENT_BOX = (0.28, 0.78, 0.72, 1.0)
# Hand labels that every variant keeps from its original.
KEPT_LABELS = ("glasses",)


def border_colour(image):
    """The median colour of the photo's outermost pixels: what a turned copy's corners get."""
    w, h = image.size
    edge = Image.new("L", (w, h), 255)
    edge.paste(0, (1, 1, w - 1, h - 1))
    return tuple(int(v) for v in ImageStat.Stat(image, mask=edge).median)


def variants(image, clothing):
    """(name, image, labels, format) of each variant of one photo, the original first; the
    blue garment only where `clothing` (the corpus labels it)."""
    w, h = image.size
    yield "original", image, {"blurry": False}, "PNG"
    blurred = image.filter(ImageFilter.GaussianBlur(BLUR_SHARE * h))
    yield "gaussian_blur", blurred, {"blurry": True}, "PNG"
    small = image.resize((max(1, round(w * SMALL_HEIGHT / h)), SMALL_HEIGHT), Image.LANCZOS)
    yield "downscale_h128", small, {"blurry": False}, "PNG"
    yield "jpeg_q4", image, {"blurry": False}, "JPEG"
    fill = border_colour(image)
    for degrees, tilted in TURNS.items():
        turned = image.rotate(degrees, Image.BILINEAR, fillcolor=fill)
        yield f"rotate_{degrees:+d}deg", turned, {"head_roll_tilted": tilted}, "PNG"
    if clothing:
        dressed = image.copy()
        x0, y0, x1, y1 = GARMENT_BOX
        box = [round(x0 * w), round(y0 * h), round(x1 * w) - 1, round(y1 * h) - 1]
        ImageDraw.Draw(dressed).rectangle(box, fill=GARMENT_RGB)
        yield "blue_clothing_rect", dressed, {"blue_clothing": True}, "PNG"


def main(corpus, out):
    corpus, out = Path(corpus), Path(out)
    count = 0
    for split in ("tune", "report"):
        records = []
        for line in (corpus / f"labels-{split}.jsonl").read_text().splitlines():
            original = json.loads(line)
            source = Path(original["file"])
            image = Image.open(corpus / source).convert("RGB")
            kept = {k: original[k] for k in KEPT_LABELS if original.get(k) is not None}
            for op, variant, labels, fmt in variants(image, "blue_clothing" in original):
                suffix = ".jpg" if fmt == "JPEG" else ".png"
                name = source.parent / f"{source.stem}__{op}{suffix}"
                (out / name).parent.mkdir(parents=True, exist_ok=True)
                # Light PNG compression: the copies are read once, and written ten times faster.
                options = {"quality": JPEG_QUALITY} if fmt == "JPEG" else {"compress_level": 1}
                variant.save(out / name, fmt, **options)
                records.append({"file": str(name), "group": original["group"], **kept, **labels})
        (out / f"labels-{split}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        )
        count += len(records)
    print(f"variants: {count} photos in {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
