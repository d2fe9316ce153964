"""Converts the MediaPipe .tflite models used by photocheck to ONNX.

A direct converter over the `tflite` flatbuffer schema and the `onnx` package, covering
exactly the operators these models use (see ../README.md and models.toml). The graph keeps
the tflite model's NHWC inputs and outputs; inside, every 4-D tensor is NCHW, as ONNX
convolutions want. fp16 weights (DEQUANTIZE of a constant) are folded to float32. The batch
dimension is left free so that several photos can run in one call.

The output is deterministic: the same .tflite gives the same bytes.

usage: python tflite2onnx.py MODEL.tflite OUT.onnx
"""

import struct
import sys

import numpy as np
import onnx
import tflite
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
BUILTIN = {v: k for k, v in tflite.BuiltinOperator.__dict__.items() if not k.startswith("_")}
TO_NCHW = [0, 3, 1, 2]
TO_NHWC = [0, 2, 3, 1]


class Converter:
    def __init__(self, model_bytes):
        self.model = tflite.Model.GetRootAsModel(model_bytes, 0)
        self.graph = self.model.Subgraphs(0)
        self.nodes = []
        self.initializers = []
        self.constants = {}  # tflite tensor index -> numpy array (NHWC layout, as stored)
        self.names = {}  # tflite tensor index -> onnx value name (NCHW for 4-D)
        self.counter = 0

    # -- helpers ---------------------------------------------------------------------
    def fresh(self, hint):
        self.counter += 1
        return f"{hint}_{self.counter}"

    def tensor(self, index):
        return self.graph.Tensors(index)

    def shape(self, index):
        return [int(d) for d in self.tensor(index).ShapeAsNumpy()]

    def buffer_array(self, index):
        t = self.tensor(index)
        data = self.model.Buffers(t.Buffer()).DataAsNumpy()
        if isinstance(data, int) or data.size == 0:
            return None
        dtype = {
            tflite.TensorType.FLOAT32: np.float32,
            tflite.TensorType.FLOAT16: np.float16,
            tflite.TensorType.INT32: np.int32,
            tflite.TensorType.INT64: np.int64,
        }[t.Type()]
        return np.frombuffer(data.tobytes(), dtype=dtype).reshape(self.shape(index))

    def const(self, index):
        if index in self.constants:
            return self.constants[index]
        return self.buffer_array(index)

    def initializer(self, array, hint):
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op, inputs, outputs=None, **attrs):
        outputs = outputs or [self.fresh(op.lower())]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=self.fresh("n"), **attrs))
        return outputs[0]

    def value(self, index):
        """The ONNX name of a tflite tensor, making an initializer for a constant."""
        if index in self.names:
            return self.names[index]
        array = self.const(index)
        if array is None:
            raise ValueError(f"tensor {index} has no producer and no data")
        if array.ndim == 4:
            array = array.transpose(TO_NCHW)
        name = self.initializer(array.astype(np.float32), "const")
        self.names[index] = name
        return name

    def channel_const(self, index):
        """A per-channel constant ([C] or [1,1,1,C]) shaped to broadcast over NCHW."""
        array = self.const(index).astype(np.float32)
        channels = array.reshape(-1)
        return self.initializer(channels.reshape(1, -1, 1, 1), "chan")

    def operand(self, index):
        """An ADD/MUL operand: a computed tensor, or a constant shaped to broadcast over NCHW."""
        if index in self.names:
            return self.names[index]
        array = self.const(index)
        if array.size == 1:
            return self.initializer(array.astype(np.float32).reshape(()), "scalar")
        if array.ndim < 4 or array.shape[:3] == (1, 1, 1):
            return self.channel_const(index)
        return self.value(index)

    def activation(self, name, fused):
        if fused == tflite.ActivationFunctionType.NONE:
            return name
        if fused == tflite.ActivationFunctionType.RELU:
            return self.node("Relu", [name])
        if fused == tflite.ActivationFunctionType.RELU6:
            return self.node("Clip", [name, self.initializer(np.float32(0), "lo"), self.initializer(np.float32(6), "hi")])
        raise ValueError(f"fused activation {fused}")

    def options(self, op, cls):
        table = op.BuiltinOptions()
        opts = cls()
        opts.Init(table.Bytes, table.Pos)
        return opts

    # -- operators -------------------------------------------------------------------
    def conv_common(self, op, weights, group, opts, output_rank4=True):
        ins = [op.Inputs(i) for i in range(op.InputsLength())]
        bias = self.initializer(self.const(ins[2]).astype(np.float32), "bias") if len(ins) > 2 and ins[2] >= 0 else None
        pad = "SAME_UPPER" if opts.Padding() == tflite.Padding.SAME else "VALID"
        inputs = [self.value(ins[0]), self.initializer(weights.astype(np.float32), "w")] + ([bias] if bias else [])
        out = self.node(
            "Conv",
            inputs,
            auto_pad=pad,
            strides=[opts.StrideH(), opts.StrideW()],
            dilations=[opts.DilationHFactor(), opts.DilationWFactor()],
            group=group,
        )
        return self.activation(out, opts.FusedActivationFunction())

    def convert_op(self, op):
        code = self.model.OperatorCodes(op.OpcodeIndex())
        builtin = BUILTIN[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
        ins = [op.Inputs(i) for i in range(op.InputsLength())]
        out = op.Outputs(0)
        if builtin == "DEQUANTIZE":
            array = self.buffer_array(ins[0])
            if array is None:
                raise ValueError("DEQUANTIZE of a non-constant")
            self.constants[out] = array.astype(np.float32)
            return
        if builtin == "CONV_2D":
            opts = self.options(op, tflite.Conv2DOptions)
            w = self.const(ins[1]).transpose(TO_NCHW)  # OHWI -> OIHW
            result = self.conv_common(op, w, 1, opts)
        elif builtin == "DEPTHWISE_CONV_2D":
            opts = self.options(op, tflite.DepthwiseConv2DOptions)
            w = self.const(ins[1])  # 1, H, W, C*M
            channels = self.shape(ins[0])[3]
            w = w.transpose(3, 0, 1, 2)  # C*M, 1, H, W
            result = self.conv_common(op, w, channels, opts)
        elif builtin in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            opts = self.options(op, tflite.Pool2DOptions)
            pad = "SAME_UPPER" if opts.Padding() == tflite.Padding.SAME else "VALID"
            kind = "MaxPool" if builtin == "MAX_POOL_2D" else "AveragePool"
            result = self.node(
                kind,
                [self.value(ins[0])],
                auto_pad=pad,
                kernel_shape=[opts.FilterHeight(), opts.FilterWidth()],
                strides=[opts.StrideH(), opts.StrideW()],
            )
            result = self.activation(result, opts.FusedActivationFunction())
        elif builtin in ("ADD", "MUL"):
            cls = tflite.AddOptions if builtin == "ADD" else tflite.MulOptions
            opts = self.options(op, cls)
            operands = [self.operand(i) for i in ins]
            result = self.node("Add" if builtin == "ADD" else "Mul", operands)
            result = self.activation(result, opts.FusedActivationFunction())
        elif builtin == "RELU":
            result = self.node("Relu", [self.value(ins[0])])
        elif builtin == "PRELU":
            slope = self.const(ins[1]).astype(np.float32).reshape(-1)
            result = self.node("PRelu", [self.value(ins[0]), self.initializer(slope.reshape(-1, 1, 1), "slope")])
        elif builtin == "HARD_SWISH":
            result = self.node("HardSwish", [self.value(ins[0])])
        elif builtin == "LOGISTIC":
            result = self.node("Sigmoid", [self.value(ins[0])])
        elif builtin == "PAD":
            p = self.const(ins[1]).astype(np.int64)  # [[n0,n1],[h0,h1],[w0,w1],[c0,c1]] NHWC
            pads = [p[0][0], p[3][0], p[1][0], p[2][0], p[0][1], p[3][1], p[1][1], p[2][1]]
            result = self.node("Pad", [self.value(ins[0]), self.initializer(np.array(pads, np.int64), "pads")], mode="constant")
        elif builtin == "CONCATENATION":
            opts = self.options(op, tflite.ConcatenationOptions)
            rank = len(self.shape(out))
            axis = opts.Axis() % rank
            if rank == 4:
                axis = TO_NCHW.index(axis)
            result = self.node("Concat", [self.value(i) for i in ins], axis=axis)
            result = self.activation(result, opts.FusedActivationFunction())
        elif builtin == "RESHAPE":
            source = self.value(ins[0])
            if len(self.shape(ins[0])) == 4:
                source = self.node("Transpose", [source], perm=TO_NHWC)
            new_shape = list(self.shape(out))
            new_shape[0] = 0  # keep the batch dimension free
            result = self.node("Reshape", [source, self.initializer(np.array(new_shape, np.int64), "shape")])
            if len(new_shape) == 4:
                result = self.node("Transpose", [result], perm=TO_NCHW)
        elif builtin == "RESIZE_BILINEAR":
            opts = self.options(op, tflite.ResizeBilinearOptions)
            h, w = [int(v) for v in self.const(ins[1])]
            mode = "align_corners" if opts.AlignCorners() else ("half_pixel" if opts.HalfPixelCenters() else "asymmetric")
            shape = self.node("Shape", [self.value(ins[0])])
            nc = self.node("Slice", [shape, self.initializer(np.array([0], np.int64), "s"), self.initializer(np.array([2], np.int64), "e")])
            sizes = self.node("Concat", [nc, self.initializer(np.array([h, w], np.int64), "hw")], axis=0)
            result = self.node("Resize", [self.value(ins[0]), "", "", sizes], mode="linear", coordinate_transformation_mode=mode)
        elif builtin == "CUSTOM" and code.CustomCode() == b"Convolution2DTransposeBias":
            raw = op.CustomOptionsAsNumpy().tobytes()
            padding, stride_w, stride_h = struct.unpack("<iii", raw[:12])
            w = self.const(ins[1]).transpose(3, 0, 1, 2)  # OHWI -> IOHW
            bias = self.initializer(self.const(ins[2]).astype(np.float32), "bias")
            out_h, out_w = self.shape(out)[1:3]
            result = self.node(
                "ConvTranspose",
                [self.value(ins[0]), self.initializer(w.astype(np.float32), "w"), bias],
                strides=[stride_h, stride_w],
                output_shape=[out_h, out_w],
                auto_pad="SAME_UPPER" if padding == 1 else "VALID",
            )
        else:
            name = code.CustomCode() if builtin == "CUSTOM" else builtin
            raise ValueError(f"unsupported operator {name}")
        self.names[out] = result

    def convert(self):
        g = self.graph
        inputs, outputs = [], []
        for i in range(g.InputsLength()):
            index = g.Inputs(i)
            name = self.tensor(index).Name().decode()
            shape = self.shape(index)
            inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N"] + shape[1:]))
            self.names[index] = self.node("Transpose", [name], perm=TO_NCHW) if len(shape) == 4 else name
        for i in range(g.OperatorsLength()):
            self.convert_op(g.Operators(i))
        for i in range(g.OutputsLength()):
            index = g.Outputs(i)
            name = self.tensor(index).Name().decode()
            shape = self.shape(index)
            perm = {"perm": TO_NHWC} if len(shape) == 4 else {}
            self.node("Transpose" if perm else "Identity", [self.names[index]], [name], **perm)
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N"] + shape[1:]))
        graph = helper.make_graph(self.nodes, "photocheck", inputs, outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="photocheck-tflite2onnx")
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        model = Converter(f.read()).convert()
    with open(sys.argv[2], "wb") as f:
        f.write(model.SerializeToString())


if __name__ == "__main__":
    main()
