#!/usr/bin/python3
"""Writes imported_mlp.onnx: a small forward model made outside Toolchain, the way older exporters
write them (opset 13, initializers also listed as graph inputs, its own names, a fixed batch of 1).
Run with Debian's python3-onnx: /usr/bin/python3 make_imported_mlp.py"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(1234)
w1 = rng.uniform(-0.4, 0.4, (6, 16)).astype(np.float32)
b1 = rng.uniform(-0.1, 0.1, (16,)).astype(np.float32)
w2 = rng.uniform(-0.25, 0.25, (16, 3)).astype(np.float32)
b2 = np.zeros((3,), dtype=np.float32)
initializers = [numpy_helper.from_array(a, n) for a, n in [(w1, "dense_1/kernel"), (b1, "dense_1/bias"), (w2, "head/kernel"), (b2, "head/bias")]]

nodes = [
    helper.make_node("MatMul", ["features", "dense_1/kernel"], ["h0"], name="dense_1/MatMul"),
    helper.make_node("Add", ["h0", "dense_1/bias"], ["h1"], name="dense_1/BiasAdd"),
    helper.make_node("Relu", ["h1"], ["h2"], name="dense_1/Relu"),
    helper.make_node("MatMul", ["h2", "head/kernel"], ["h3"], name="head/MatMul"),
    helper.make_node("Add", ["h3", "head/bias"], ["scores"], name="head/BiasAdd"),
]
inputs = [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, 6])]
inputs += [helper.make_tensor_value_info(t.name, TensorProto.FLOAT, list(t.dims)) for t in initializers]
graph = helper.make_graph(nodes, "imported_mlp", inputs, [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 3])], initializers)
model = helper.make_model(graph, producer_name="make_imported_mlp.py", opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, "imported_mlp.onnx")
