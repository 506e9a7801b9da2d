#!/usr/bin/env python3
"""Writes PyTorch reference results for nimbus's parity tests (tests/frontend/parity_test.cpp).

For every op: float64 inputs, the output, a random upstream gradient and PyTorch's gradients of
every differentiable input, stored in one safetensors file under names "<case>.in0", "<case>.out",
"<case>.grad_out", "<case>.grad0", ...; and for each optimizer the parameter after two steps.
Needs PyTorch (Debian's python3-torch or PyPI) and numpy. The file is written by a small writer
below so that only PyTorch is needed.

It also writes, beside OUTPUT, a PyTorch MLP's state dict (pytorch_mlp.safetensors) and an input
with the MLP's output (pytorch_mlp_io.safetensors), to check that nimbus loads PyTorch weights.

Usage: make_parity_fixtures.py OUTPUT.safetensors
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
DT = torch.float64


def rnd(*shape, lo=-2.0, hi=2.0):
    return (torch.rand(*shape, dtype=DT) * (hi - lo) + lo)


tensors = {}


def case(name, fn, inputs, constants=()):
    """Runs fn on inputs (floating ones get gradients, except the indices in `constants`, such as
    targets) and records everything."""
    leaves = [t.clone().requires_grad_(t.dtype == DT and i not in constants) for i, t in enumerate(inputs)]
    out = fn(*leaves)
    grad_out = torch.randn(out.shape, dtype=DT)
    out.backward(grad_out)
    for i, t in enumerate(inputs):
        tensors[f"{name}.in{i}"] = t
        if leaves[i].grad is not None:
            tensors[f"{name}.grad{i}"] = leaves[i].grad
    tensors[f"{name}.out"] = out.detach()
    tensors[f"{name}.grad_out"] = grad_out


target = torch.tensor([2, 0, 1, 2], dtype=torch.int64)
case("add", lambda a, b: a + b, [rnd(3, 4), rnd(4)])
case("mul", lambda a, b: a * b, [rnd(3, 4), rnd(3, 1)])
case("div", lambda a, b: a / b, [rnd(3, 4), rnd(4, lo=0.5, hi=2)])
case("exp", torch.exp, [rnd(2, 5)])
case("log", torch.log, [rnd(2, 5, lo=0.2, hi=3)])
case("tanh", torch.tanh, [rnd(2, 5)])
case("sigmoid", torch.sigmoid, [rnd(2, 5)])
case("relu", torch.relu, [rnd(2, 5)])
case("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), [rnd(2, 5)])
case("gelu", F.gelu, [rnd(2, 5)])
case("silu", F.silu, [rnd(2, 5)])
case("matmul", torch.matmul, [rnd(2, 1, 3, 4), rnd(3, 4, 2)])
case("linear", F.linear, [rnd(5, 3), rnd(2, 3), rnd(2)])
case("sum_dim1", lambda x: x.sum(1), [rnd(2, 3, 4)])
case("mean_all", lambda x: x.mean(), [rnd(2, 3, 4)])
case("softmax", lambda x: F.softmax(x, -1), [rnd(3, 5)])
case("log_softmax", lambda x: F.log_softmax(x, 1), [rnd(3, 5)])
case("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), [rnd(3, 4), rnd(4), rnd(4)])
case("cross_entropy", lambda x, t: F.cross_entropy(x, t, ignore_index=1, label_smoothing=0.1), [rnd(4, 3), target])
case("mse", F.mse_loss, [rnd(3, 2), rnd(3, 2)])
case("bce_with_logits", lambda x, y: F.binary_cross_entropy_with_logits(x, y),
     [rnd(3, 2), torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=DT)], constants=(1,))
case("embedding", lambda w, i: F.embedding(i, w), [rnd(4, 5), torch.tensor([[1, 3, 1], [0, 3, 3]])])
case("attention_causal", lambda q, k, v: F.softmax(
    (q @ k.transpose(-2, -1)) / 2.0 + torch.triu(torch.full((3, 3), float("-inf"), dtype=DT), 1), -1) @ v,
    [rnd(2, 3, 4), rnd(2, 3, 4), rnd(2, 3, 4)])
bn = torch.nn.BatchNorm1d(3).double()
case("batch_norm_train", lambda x: bn(x), [rnd(5, 3)])


def reduction_and_index_cases():
    """Reductions, scans and index ops. Inputs rounded to halves have ties (amax/amin, inf-norm),
    and some rows are constant or zero, so the gradients PyTorch picks where there is no
    derivative are compared too."""
    halves = lambda *shape: torch.round(rnd(*shape) * 2) / 2
    with_zero_row = rnd(3, 4)
    with_zero_row[1] = 0
    with_constant_row = rnd(3, 4)
    with_constant_row[2] = 0.75
    case("amax_ties", lambda x: x.amax(1), [halves(3, 5)])
    case("amin_keepdim", lambda x: x.amin((0, -1), keepdim=True), [halves(2, 3, 4)])
    case("var_dim1", lambda x: torch.var(x, 1), [rnd(3, 4)])
    case("var_keepdim_correction0", lambda x: torch.var(x, (0, 2), correction=0, keepdim=True), [rnd(2, 3, 4)])
    case("std_constant_row", lambda x: torch.std(x, -1), [with_constant_row])
    case("std_all", lambda x: torch.std(x), [rnd(2, 3, 4)])
    case("norm2_zero_row", lambda x: torch.norm(x, 2, dim=1), [with_zero_row])
    case("norm1", lambda x: torch.norm(x, 1, dim=(0, 1), keepdim=True), [rnd(2, 3, 4)])
    case("norm_inf_ties", lambda x: torch.norm(x, float("inf"), dim=-1), [halves(3, 5)])
    case("norm3", lambda x: torch.norm(x, 3), [rnd(2, 3, 4)])
    case("cumsum_dim1", lambda x: x.cumsum(1), [rnd(2, 4, 3)])
    case("cumsum_last", lambda x: x.cumsum(-1), [rnd(3, 5)])
    case("scatter_add", lambda x, i, s: x.scatter_add(0, i, s),
         [rnd(3, 4), torch.tensor([[2, 0, 2, 1], [2, 2, 0, 0]]), rnd(2, 4)])
    case("masked_select_broadcast", lambda x, m: x.masked_select(m),
         [rnd(3, 1), torch.tensor([[True, False, True, True], [False, False, True, False], [True, True, False, True]])])


# A generator of their own, so the cases before and after keep the values they always had.
with torch.random.fork_rng():
    torch.manual_seed(1)
    reduction_and_index_cases()

# Optimizers: two steps on one parameter with fixed gradients.
def optimizer_case(name, make):
    p = torch.nn.Parameter(rnd(6))
    grads = [rnd(6), rnd(6)]
    tensors[f"{name}.param"] = p.detach().clone()
    opt = make([p])
    for i, g in enumerate(grads):
        p.grad = g.clone()
        opt.step()
        tensors[f"{name}.grad{i}"] = g
    tensors[f"{name}.after"] = p.detach().clone()


optimizer_case("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))
optimizer_case("adam", lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1))
optimizer_case("adamw", lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1))


def write_safetensors(path, named):
    codes = {torch.float64: "F64", torch.int64: "I64", torch.bool: "BOOL"}
    header, blobs, offset = {"__metadata__": {"source": "PyTorch " + torch.__version__}}, [], 0
    for name in sorted(named):
        t = named[name].detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_mlp(folder):
    mlp = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
    x = rnd(5, 4)
    write_safetensors(folder + "/pytorch_mlp.safetensors", dict(mlp.state_dict()))
    write_safetensors(folder + "/pytorch_mlp_io.safetensors", {"input": x, "output": mlp(x).detach()})


if __name__ == "__main__":
    write_safetensors(sys.argv[1], tensors)
    write_mlp(sys.argv[1].rsplit("/", 1)[0] if "/" in sys.argv[1] else ".")
    print("wrote", len(tensors), "tensors to", sys.argv[1], "and the MLP fixtures beside it")
