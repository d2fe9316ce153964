"""Development only: writes golden.json, the reference outputs that fetch.py holds every
converted model to. Runs each .tflite in the LiteRT interpreter (ai-edge-litert==2.3.0) on
the known input of fetch.py's known_input(), keeping the other models' entries (the face
descriptor's comes from dlib itself: dlib_golden.cpp, built against Debian's libdlib-dev).

usage: python make_golden.py DIR_WITH_TFLITE_FILES   (files named as in models.toml)
"""

import json
import sys
import tomllib
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from fetch import known_input, sample

here = Path(__file__).parent
manifest = tomllib.loads((here / "models.toml").read_text())
golden = json.loads((here / "golden.json").read_text())
for name, model in manifest["models"].items():
    if not model["path"].endswith(".tflite"):
        continue
    it = Interpreter(model_path=str(Path(sys.argv[1]) / Path(model["path"]).name))
    it.allocate_tensors()
    detail = it.get_input_details()[0]
    it.set_tensor(detail["index"], known_input(detail["shape"]))
    it.invoke()
    golden[name] = {o["name"]: sample(it.get_tensor(o["index"])) for o in it.get_output_details()}
(here / "golden.json").write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
