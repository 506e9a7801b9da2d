#!/usr/bin/env python3
"""Writes PyTorch reference runs of the model zoo (models/zoo/) for tests/models/zoo_parity_test.cpp.

Each zoo kind (mlp, cnn, resnet, gpt) is defined here in PyTorch with the same parameter names as
nimbus's model, built small, and run in float64 on one fixed batch: the forward pass, the
cross-entropy loss, the gradients, then 5 AdamW steps (lr 1e-2, betas (0.9, 0.999), weight decay
0.01), each step a new forward and backward on the same batch. One safetensors file per kind,
tests/models/data/model_<kind>.safetensors, holds:

  param.<name>   the initial state dict (parameters and buffers), loaded by the test
  input, target  the batch (float64 images or features, or int64 tokens; int64 classes or next tokens)
  logits, loss   the first forward pass (loss is 0-d)
  grad.<name>    the gradient of every parameter from the first backward
  after.<name>   the state dict after the 5 steps (for resnet this includes the running statistics,
                 updated by each of the 5 training-mode forward passes)
  eval_logits    resnet only: evaluation mode (running statistics) logits after the 5 steps

The model sizes here must match the specs in tests/models/zoo_parity_test.cpp. float64 keeps the
reference free of rounding error, so the test can hold a float64 nimbus run to ~1e-9 and a float32
one to float32's own error. Runs with Debian's torch 1.13 and newer releases. Written with the
`safetensors` package when it is installed, else with make_parity_fixtures.py's writer.

Usage: make_model_fixtures.py [OUTPUT_DIR]   (default: tests/models/data beside this script's repo)
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DT = torch.float64
ADAMW = dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
STEPS = 5


try:
    from safetensors.torch import save_file
except ImportError:
    save_file = None
    # Importing it also runs its (small) per-op cases; every model below seeds its own run.
    sys.path.insert(0, HERE)
    from make_parity_fixtures import write_safetensors  # F64 and I64: all these fixtures hold


def write_fixture(path, tensors):
    named = {name: t.detach().contiguous() for name, t in tensors.items()}
    if save_file is not None:
        save_file(named, path, metadata={"source": "PyTorch " + torch.__version__})
    else:
        write_safetensors(path, named)


# The zoo's models. Each mirrors the nimbus builder in models/zoo/<kind>.cpp.

class Mlp(nn.Module):
    """flatten -> [Linear -> activation -> Dropout] per hidden width -> Linear head."""

    ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu, "tanh": torch.tanh, "silu": F.silu}

    def __init__(self, in_features, hidden, classes, activation="relu", dropout=0.0):
        super().__init__()
        widths = [in_features] + list(hidden)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.head = nn.Linear(widths[-1], classes)
        self.activation = self.ACTIVATIONS[activation]
        self.dropout = dropout

    def forward(self, x):
        h = x.flatten(1)
        for layer in self.layers:
            h = F.dropout(self.activation(layer(h)), self.dropout, self.training)
        return self.head(h)


class Cnn(nn.Module):
    """LeNet-style: [Conv(k, pad k/2) -> ReLU -> MaxPool 2] per width, flatten, Linear -> ReLU -> head."""

    def __init__(self, input_shape, channels, kernel_size, fc_width, classes):
        super().__init__()
        c, h, w = input_shape
        convs = []
        for width in channels:
            convs.append(nn.Conv2d(c, width, kernel_size, padding=kernel_size // 2))
            c = width
            h = (h + 2 * (kernel_size // 2) - kernel_size + 1) // 2
            w = (w + 2 * (kernel_size // 2) - kernel_size + 1) // 2
        self.convs = nn.ModuleList(convs)
        self.fc = nn.Linear(c * h * w, fc_width)
        self.head = nn.Linear(fc_width, classes)

    def forward(self, x):
        for conv in self.convs:
            x = F.max_pool2d(F.relu(conv(x)), 2)
        return self.head(F.relu(self.fc(x.flatten(1))))


class ConvBn(nn.Module):
    def __init__(self, cin, cout, kernel, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = ConvBn(cin, cout, 1, stride) if (cin != cout or stride != 1) else None

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        shortcut = self.downsample(x) if self.downsample is not None else x
        return F.relu(self.bn2(self.conv2(h)) + shortcut)


class ResNet(nn.Module):
    """stem conv + bn + ReLU, stages of basic blocks (stride 2 entering each stage after the first),
    global average pool, Linear head."""

    def __init__(self, in_channels, channels, blocks_per_stage, classes):
        super().__init__()
        self.stem = ConvBn(in_channels, channels[0], 3, 1)
        stages, cin = [], channels[0]
        for s, width in enumerate(channels):
            blocks = []
            for b in range(blocks_per_stage):
                blocks.append(BasicBlock(cin, width, 2 if (s > 0 and b == 0) else 1))
                cin = width
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.head = nn.Linear(cin, classes)

    def forward(self, x):
        return self.head(self.stages(F.relu(self.stem(x))).mean((2, 3)))


class CausalSelfAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.query, self.key, self.value, self.proj = (nn.Linear(width, width) for _ in range(4))
        self.heads = heads

    def forward(self, x):
        b, t, e = x.shape
        d = e // self.heads

        def split(y):
            return y.view(b, t, self.heads, d).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        mask = torch.triu(torch.full((t, t), float("-inf"), dtype=x.dtype, device=x.device), 1)
        y = F.softmax(q @ k.transpose(-2, -1) / math.sqrt(d) + mask, -1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, e))


class TransformerMlp(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, 4 * width)
        self.proj = nn.Linear(4 * width, width)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, width, heads, dropout):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = TransformerMlp(width)
        self.dropout = dropout

    def forward(self, x):
        x = x + F.dropout(self.attn(self.ln_1(x)), self.dropout, self.training)
        return x + F.dropout(self.mlp(self.ln_2(x)), self.dropout, self.training)


class Gpt(nn.Module):
    """nanoGPT's layout: wte + wpe, pre-norm blocks, ln_f, an untied head without bias."""

    def __init__(self, vocab, layers, width, heads, context, dropout=0.0):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(context, width)
        self.blocks = nn.Sequential(*(Block(width, heads, dropout) for _ in range(layers)))
        self.ln_f = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab, bias=False)
        self.dropout = dropout

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        h = F.dropout(self.wte(tokens) + self.wpe(positions), self.dropout, self.training)
        return self.head(self.ln_f(self.blocks(h)))


def loss_of(logits, target):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))


def record_run(model, x, target, eval_logits=False):
    """The first forward and backward, then STEPS AdamW steps; returns the fixture's tensors."""
    model = model.to(DT).train()
    out = {f"param.{k}": v.clone() for k, v in model.state_dict().items()}
    out["input"], out["target"] = x, target
    optimizer = torch.optim.AdamW(model.parameters(), **ADAMW)
    for step in range(STEPS):
        optimizer.zero_grad()
        logits = model(x)
        loss = loss_of(logits, target)
        loss.backward()
        if step == 0:
            out["logits"], out["loss"] = logits.detach(), loss.detach()
            out.update({f"grad.{k}": p.grad.clone() for k, p in model.named_parameters()})
        optimizer.step()
    out.update({f"after.{k}": v.clone() for k, v in model.state_dict().items()})
    if eval_logits:
        with torch.no_grad():
            out["eval_logits"] = model.eval()(x)
    return out


def fixtures():
    torch.manual_seed(1)
    mlp = Mlp(64, [24, 16], 10, activation="gelu")
    yield "mlp", record_run(mlp, torch.randn(8, 1, 8, 8, dtype=DT), torch.randint(0, 10, (8,)))

    torch.manual_seed(2)
    cnn = Cnn((1, 10, 10), [4, 8], kernel_size=5, fc_width=16, classes=10)
    yield "cnn", record_run(cnn, torch.randn(4, 1, 10, 10, dtype=DT), torch.randint(0, 10, (4,)))

    torch.manual_seed(3)
    resnet = ResNet(1, [4, 8], blocks_per_stage=2, classes=5)
    # Shifted and scaled so the running statistics move visibly away from (0, 1).
    x = torch.randn(6, 1, 8, 8, dtype=DT) * 2 + 0.5
    yield "resnet", record_run(resnet, x, torch.randint(0, 5, (6,)), eval_logits=True)

    torch.manual_seed(4)
    gpt = Gpt(vocab=11, layers=2, width=16, heads=4, context=8)
    # 6 of the 8 positions: the last rows of wpe get no gradient, only weight decay.
    yield "gpt", record_run(gpt, torch.randint(0, 11, (3, 6)), torch.randint(0, 11, (3, 6)))


if __name__ == "__main__":
    default = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "models", "data"))
    folder = sys.argv[1] if len(sys.argv) > 1 else default
    os.makedirs(folder, exist_ok=True)
    for kind, tensors in fixtures():
        path = os.path.join(folder, f"model_{kind}.safetensors")
        write_fixture(path, tensors)
        print(f"{path}: {len(tensors)} tensors, {os.path.getsize(path)} bytes")
