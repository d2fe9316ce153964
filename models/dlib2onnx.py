"""Converts dlib's face recognition ResNet (dlib_face_recognition_resnet_model_v1.dat, from
the PyPI package face-recognition-models, CC0) to ONNX, without dlib.

The .dat file is dlib's serialisation of the network that dlib's dnn_face_recognition_ex
defines: a 7×7 convolution, max pooling, 14 residual blocks of 3×3 convolutions with affine
(folded batch norm) layers, average pooling over everything and a 128-wide fully connected
layer without bias. Layer details are stored innermost first, each starting with its name
("con_4", "affine_", …); parameter tensors are 4-byte little-endian floats. This reader
takes the parameters in file order, checks that the sequence of layers is exactly that
network's, and writes the same network as ONNX: input NHWC 1×150×150×3 of RGB values
0–255 (a 150×150 face chip aligned as dlib's get_face_chip_details does), output the
128-d descriptor. Differences of size between a residual block and its shortcut are zeros,
as dlib's add_prev does. The output is deterministic.

usage: python dlib2onnx.py MODEL.dat OUT.onnx
"""

import re
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
CHIP = 150
LAYER_NAMES = rb"(con_4|affine_|relu_|max_pool_|avg_pool_|add_prev_|fc_2|input_rgb_image_sized)"


class Reader:
    """dlib's serialisation primitives from a byte offset."""

    def __init__(self, data, at):
        self.data, self.at = data, at

    def byte(self):
        b = self.data[self.at]
        self.at += 1
        return b

    def int(self):
        head = self.byte()
        size, negative = head & 0x7F, head & 0x80
        value = int.from_bytes(self.data[self.at : self.at + size], "little")
        self.at += size
        return -value if negative else value

    def string(self):
        n = self.int()
        text = self.data[self.at : self.at + n]
        self.at += n
        return text.decode()

    def real(self):
        """A float or double in dlib's portable form: mantissa · 2^exponent."""
        mantissa, exponent = self.int(), self.int()
        return mantissa * 2.0**exponent

    def tensor(self):
        if self.int() != 2:
            sys.exit("dlib2onnx: unexpected tensor version")
        shape = [self.int() for _ in range(4)]
        n = int(np.prod(shape))
        values = np.frombuffer(self.data, "<f4", n, self.at).astype(np.float32)
        self.at += 4 * n
        return values

    def alias(self):
        if self.int() != 1:
            sys.exit("dlib2onnx: unexpected alias tensor version")
        return [self.int() for _ in range(4)]


def layers(data):
    """The layers' names and parameters, innermost first."""
    found = []
    for match in re.finditer(rb"\x01[\x04-\x16]" + LAYER_NAMES, data):
        r = Reader(data, match.start())
        name = r.string()
        if not name.startswith(match.group(1).decode()):
            continue
        kind = name.rstrip("0123456789").rstrip("_")
        if name == "con_4":
            params = r.tensor()
            filters = r.int()
            nr, nc, stride_y, stride_x, pad_y, pad_x = (r.int() for _ in range(6))
            shape = r.alias()
            weight = params[: int(np.prod(shape))].reshape(shape)
            bias = params[int(np.prod(shape)) : int(np.prod(shape)) + filters]
            found.append(("con", dict(weight=weight, bias=bias, stride=stride_y, pad=pad_y, size=nr)))
        elif name == "affine_":
            params = r.tensor()
            gamma = r.alias()
            k = int(np.prod(gamma))
            found.append(("affine", dict(gamma=params[:k], beta=params[k : 2 * k])))
        elif name == "fc_2":
            outputs, inputs = r.int(), r.int()
            params = r.tensor()
            found.append(("fc", dict(weight=params[: inputs * outputs].reshape(inputs, outputs))))
        elif kind in ("max_pool", "avg_pool"):
            window = tuple(r.int() for _ in range(6))  # rows, columns, strides, paddings
            found.append((kind, dict(window=window)))
        else:
            found.append((kind, {}))
    return found


def expected():
    """The layer kinds of dlib's face recognition ResNet, innermost first."""
    block = ["con", "affine", "relu", "con", "affine"]
    ares, ares_down = block + ["add_prev", "relu"], block + ["avg_pool", "add_prev", "relu"]
    seq = ["input_rgb_image_sized", "con", "affine", "relu", "max_pool"]
    seq += ares * 3  # 32
    seq += ares_down + ares * 3  # 64
    seq += ares_down + ares * 2  # 128
    seq += ares_down + ares * 2  # 256
    seq += ares_down  # 256
    return seq + ["avg_pool", "fc"]


class Graph:
    def __init__(self):
        self.nodes, self.initializers, self.counter = [], [], 0

    def name(self, hint):
        self.counter += 1
        return f"{hint}_{self.counter}"

    def const(self, array, hint="const"):
        n = self.name(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), n))
        return n

    def op(self, op, inputs, **attrs):
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=self.name("n"), **attrs))
        return out


def build(found):
    kinds = [k for k, _ in found]
    if kinds != expected():
        sys.exit("dlib2onnx: the file's layers are not dlib's face recognition ResNet")
    pools = [p["window"] for k, p in found if k in ("max_pool", "avg_pool")]
    # 3×3 max pooling by 2, four 2×2 average poolings by 2, then the mean of everything.
    if pools != [(3, 3, 2, 2, 0, 0)] + [(2, 2, 2, 2, 0, 0)] * 4 + [(0, 0, 1, 1, 0, 0)]:
        sys.exit(f"dlib2onnx: unexpected pooling windows {pools}")
    params = iter(p for k, p in found if k in ("con", "affine", "fc"))
    g = Graph()
    x = g.op("Transpose", ["input"], perm=[0, 3, 1, 2])
    mean = np.array([122.782, 117.001, 104.298], np.float32).reshape(1, 3, 1, 1)
    x = g.op("Mul", [g.op("Sub", [x, g.const(mean)]), g.const(np.array(1 / 256, np.float32))])
    shape = [3, CHIP, CHIP]  # channels, rows, columns

    def con(x, shape):
        p = next(params)
        k, s, pad = p["size"], p["stride"], p["pad"]
        y = g.op(
            "Conv",
            [x, g.const(p["weight"], "weight"), g.const(p["bias"], "bias")],
            kernel_shape=[k, k],
            strides=[s, s],
            pads=[pad] * 4,
        )
        side = 1 + (shape[1] + 2 * pad - k) // s
        return y, [p["weight"].shape[0], side, side]

    def affine(x):
        p = next(params)
        c = len(p["gamma"])
        y = g.op("Mul", [x, g.const(p["gamma"].reshape(1, c, 1, 1), "gamma")])
        return g.op("Add", [y, g.const(p["beta"].reshape(1, c, 1, 1), "beta")])

    def pad_to(x, have, want):
        if have == want:
            return x
        pads = [0, 0, 0, 0, 0, want[0] - have[0], want[1] - have[1], want[2] - have[2]]
        return g.op("Pad", [x, g.const(np.array(pads, np.int64), "pads")])

    def residual(x, shape, down):
        y, s1 = con(x, shape)
        y = g.op("Relu", [affine(y)])
        y, s2 = con(y, s1)
        y = affine(y)
        if down:
            shortcut = g.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
            sc = [shape[0], 1 + (shape[1] - 2) // 2, 1 + (shape[2] - 2) // 2]
        else:
            shortcut, sc = x, shape
        out = [max(a, b) for a, b in zip(s2, sc)]
        total = g.op("Add", [pad_to(y, s2, out), pad_to(shortcut, sc, out)])
        return g.op("Relu", [total]), out

    x, shape = con(x, shape)
    x = g.op("Relu", [affine(x)])
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])
    shape = [shape[0], 1 + (shape[1] - 3) // 2, 1 + (shape[2] - 3) // 2]
    for down, repeats in [(False, 3), (True, 4), (True, 3), (True, 3), (True, 1)]:
        for i in range(repeats):
            x, shape = residual(x, shape, down and i == 0)
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])])
    out = "descriptor"
    g.nodes.append(helper.make_node("MatMul", [x, g.const(next(params)["weight"], "fc")], [out], name="fc"))
    graph = helper.make_graph(
        g.nodes,
        "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", CHIP, CHIP, 3])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, ["batch", 128])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="photocheck-dlib2onnx")
    onnx.checker.check_model(model)
    return model


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    onnx.save(build(layers(data)), sys.argv[2])


if __name__ == "__main__":
    main()
