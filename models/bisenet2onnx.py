"""Converts the BiSeNet face-parsing checkpoint (a PyTorch legacy .pth of plain tensors) to
ONNX without PyTorch: the tensors are read with pickle and numpy, the network is written
with onnx.helper after the layout of the package's model.py (ResNet18 context path,
attention refinement, feature fusion; only the main output head).

The ONNX model takes a 1×512×512×3 RGB crop in 0–1 (as the other models here) and gives
the class of each pixel (uint8, 1×512×512): 0 background, 1 skin, 2–3 brows, 4–5 eyes,
6 eyeglasses, 7–8 ears, 9 earring, 10 nose, 11 mouth, 12–13 lips, 14 neck, 15 necklace,
16 cloth, 17 hair, 18 hat. Batch norms are folded into the convolutions.

usage: python bisenet2onnx.py SOURCE.pth TARGET.onnx
"""

import collections
import pickle
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIZE = 512
CLASSES = 19
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
BN_EPS = 1e-5
DTYPES = {"FloatStorage": np.float32, "LongStorage": np.int64}


def load_legacy(path):
    """The state dict of a PyTorch legacy-format (pre-zip) checkpoint, as numpy arrays."""
    storages = {}

    def rebuild(key, offset, size, stride, *_):
        return (key, offset, tuple(size), tuple(stride))

    class Reader(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return rebuild
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            if module == "torch" and name in DTYPES:
                return name
            raise pickle.UnpicklingError(f"unexpected object {module}.{name} in the checkpoint")

        def persistent_load(self, pid):
            _, kind, key, _, _ = pid[:5]
            storages[key] = kind
            return key

    with open(path, "rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(f)
        state = Reader(f).load()
        data = {}
        for key in pickle.load(f):
            dtype = np.dtype(DTYPES[storages[key]])
            (count,) = struct.unpack("<q", f.read(8))
            data[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype)
    tensors = {}
    for name, (key, offset, size, stride) in state.items():
        flat = data[key]
        strides = [s * flat.itemsize for s in stride]
        tensors[name] = np.lib.stride_tricks.as_strided(flat[offset:], size, strides).copy()
    return tensors


class Graph:
    def __init__(self, weights):
        self.w = weights
        self.nodes = []
        self.inits = []
        self.count = 0

    def name(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, hint, array):
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, kind, inputs, **attrs):
        out = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def conv(self, x, conv, bn=None, stride=1, relu=False):
        """Convolution `conv` (weight prefix), with batch norm `bn` folded in."""
        weight = self.w[f"{conv}.weight"].astype(np.float64)
        bias = np.zeros(weight.shape[0])
        if bn is not None:
            scale = self.w[f"{bn}.weight"] / np.sqrt(self.w[f"{bn}.running_var"] + BN_EPS)
            weight = weight * scale[:, None, None, None]
            bias = self.w[f"{bn}.bias"] - self.w[f"{bn}.running_mean"] * scale
        k = weight.shape[2]
        y = self.op(
            "Conv",
            [x, self.const("w", weight.astype(np.float32)), self.const("b", bias.astype(np.float32))],
            kernel_shape=[k, k],
            strides=[stride, stride],
            pads=[k // 2] * 4,
        )
        return self.op("Relu", [y]) if relu else y

    def conv_bn_relu(self, x, prefix, stride=1):
        return self.conv(x, f"{prefix}.conv", f"{prefix}.bn", stride, relu=True)

    def block(self, x, prefix, stride):
        r = self.conv(x, f"{prefix}.conv1", f"{prefix}.bn1", stride, relu=True)
        r = self.conv(r, f"{prefix}.conv2", f"{prefix}.bn2")
        shortcut = x
        if f"{prefix}.downsample.0.weight" in self.w:
            shortcut = self.conv(x, f"{prefix}.downsample.0", f"{prefix}.downsample.1", stride)
        return self.op("Relu", [self.op("Add", [shortcut, r])])

    def attention(self, feat, conv, bn=None):
        a = self.op("GlobalAveragePool", [feat])
        return self.op("Mul", [feat, self.op("Sigmoid", [self.conv(a, conv, bn)])])

    def upsample2(self, x):
        return self.op(
            "Resize",
            [x, "", self.const("scales", np.array([1, 1, 2, 2], np.float32))],
            mode="nearest",
            coordinate_transformation_mode="asymmetric",
            nearest_mode="floor",
        )


def build(weights):
    g = Graph(weights)
    x = g.op("Sub", ["image", g.const("mean", np.array(MEAN, np.float32))])
    x = g.op("Div", [x, g.const("std", np.array(STD, np.float32))])
    x = g.op("Transpose", [x], perm=[0, 3, 1, 2])
    # Context path: ResNet18.
    r = "cp.resnet"
    x = g.conv(x, f"{r}.conv1", f"{r}.bn1", 2, relu=True)
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    feats = []
    for layer, stride in [(1, 1), (2, 2), (3, 2), (4, 2)]:
        x = g.block(x, f"{r}.layer{layer}.0", stride)
        x = g.block(x, f"{r}.layer{layer}.1", 1)
        feats.append(x)
    _, feat8, feat16, feat32 = feats
    avg = g.conv_bn_relu(g.op("GlobalAveragePool", [feat32]), "cp.conv_avg")
    arm32 = g.attention(g.conv_bn_relu(feat32, "cp.arm32.conv"), "cp.arm32.conv_atten", "cp.arm32.bn_atten")
    up32 = g.conv_bn_relu(g.upsample2(g.op("Add", [arm32, avg])), "cp.conv_head32")
    arm16 = g.attention(g.conv_bn_relu(feat16, "cp.arm16.conv"), "cp.arm16.conv_atten", "cp.arm16.bn_atten")
    cp8 = g.conv_bn_relu(g.upsample2(g.op("Add", [arm16, up32])), "cp.conv_head16")
    # Feature fusion of the ResNet's 1/8 features and the context path's.
    fused = g.conv_bn_relu(g.op("Concat", [feat8, cp8], axis=1), "ffm.convblk")
    a = g.op("GlobalAveragePool", [fused])
    a = g.op("Relu", [g.conv(a, "ffm.conv1")])
    a = g.op("Sigmoid", [g.conv(a, "ffm.conv2")])
    fused = g.op("Add", [g.op("Mul", [fused, a]), fused])
    logits = g.conv(g.conv_bn_relu(fused, "conv_out.conv"), "conv_out.conv_out")
    logits = g.op(
        "Resize",
        [logits, "", "", g.const("sizes", np.array([1, CLASSES, SIZE, SIZE], np.int64))],
        mode="linear",
        coordinate_transformation_mode="align_corners",
    )
    labels = g.op("ArgMax", [logits], axis=1, keepdims=0)
    g.nodes.append(helper.make_node("Cast", [labels], ["labels"], to=TensorProto.UINT8))
    graph = helper.make_graph(
        g.nodes,
        "face_parsing",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, SIZE, SIZE, 3])],
        [helper.make_tensor_value_info("labels", TensorProto.UINT8, [1, SIZE, SIZE])],
        g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="photocheck")
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    onnx.save(build(load_legacy(sys.argv[1])), sys.argv[2])
