#!/usr/bin/env python3
"""The peer of `nimbus serve` for bench/peers/serve_load.py: Flask + PyTorch serving the same
exported models over the same KServe v2 infer endpoint.

It reads a model repository as `nimbus export` writes it (DIR/<model>/<version>/ with config.yaml,
weights.safetensors and metadata.json), builds each newest version with the PyTorch twins of the
model zoo in make_model_fixtures.py (same parameter names, so the state dict loads as is), applies
the metadata's input scale, and answers:

  GET  /v2/health/ready
  POST /v2/models/<m>[/versions/<v>]/infer   {"inputs": [{"name", "shape", "datatype", "data"}]}

with {"model_name", "model_version", "outputs": [{"name", "datatype", "shape", "data"}]}, as the
nimbus server does. It runs on Flask's own threaded server (one thread per connection), the
setup most Flask + PyTorch model services start from; PyTorch keeps its default thread count.
Only the mlp and cnn kinds (the digits examples) are supported.

Needs flask, torch and yaml: Debian's python3-flask, python3-torch and python3-yaml.
Usage: flask_serve_peer.py --models DIR [--host 127.0.0.1] [--port 8001]
"""
import argparse
import json
import logging
import os
import struct
import sys

import torch
import yaml
from flask import Flask, jsonify, request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_model_fixtures import Cnn, Mlp  # noqa: E402  (the PyTorch twins of models/zoo)

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}


def read_safetensors(path):
    """The tensors of a safetensors file: an 8-byte header length, a JSON header, the raw data."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_length])
    data = blob[8 + header_length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"])
    return tensors


def build_model(config):
    """The zoo model config.yaml describes, in PyTorch."""
    spec, data = config["model"], config["data"]
    shape = data["input_shape"]
    if spec["kind"] == "mlp":
        features = 1
        for d in shape:
            features *= d
        return Mlp(features, spec.get("hidden", []), data["classes"], spec.get("activation", "relu"),
                   spec.get("dropout", 0.0))
    if spec["kind"] == "cnn":
        return Cnn(tuple(shape), spec["channels"], spec["kernel_size"], spec["fc_width"], data["classes"])
    raise SystemExit(f"flask_serve_peer: model kind {spec['kind']} is not supported (mlp and cnn are)")


class Served:
    """One loaded model version."""

    def __init__(self, name, version, folder):
        with open(os.path.join(folder, "config.yaml")) as f:
            config = yaml.safe_load(f)
        with open(os.path.join(folder, "metadata.json")) as f:
            self.metadata = json.load(f)
        self.name, self.version = name, version
        self.example_shape = list(config["data"]["input_shape"])
        self.width = 1
        for d in self.example_shape:
            self.width *= d
        self.scale = float(self.metadata.get("preprocessing", {}).get("scale", 1.0))
        self.model = build_model(config)
        self.model.load_state_dict(read_safetensors(os.path.join(folder, "weights.safetensors")))
        self.model.eval()

    def run(self, values, rows):
        x = torch.tensor(values, dtype=torch.float32).reshape([rows] + self.example_shape)
        # The same float32 multiplication as nimbus (serve/served_model.cpp).
        x = x * torch.tensor(self.scale, dtype=torch.float32)
        with torch.no_grad():
            return self.model(x)


def load_repository(root):
    models = {}
    for name in sorted(os.listdir(root)):
        versions = [v for v in os.listdir(os.path.join(root, name)) if v.isdigit()]
        for version in versions:
            models.setdefault(name, {})[int(version)] = Served(name, int(version), os.path.join(root, name, version))
    if not models:
        raise SystemExit(f"flask_serve_peer: no model in {root} (expected DIR/<model>/<version>/)")
    return models


def flatten(data):
    if isinstance(data, list) and data and isinstance(data[0], list):
        return [v for row in data for v in flatten(row)]
    return data


def make_app(models):
    app = Flask(__name__)

    @app.get("/v2/health/ready")
    def ready():
        return jsonify(ready=True)

    @app.post("/v2/models/<name>/infer")
    @app.post("/v2/models/<name>/versions/<version>/infer")
    def infer(name, version=None):
        if name not in models:
            return jsonify(error=f"unknown model '{name}'"), 404
        versions = models[name]
        number = max(versions) if version is None else int(version)
        if number not in versions:
            return jsonify(error=f"unknown version {version} of model '{name}'"), 404
        served = versions[number]
        body = request.get_json(force=True)
        tensor = body["inputs"][0]
        rows = tensor["shape"][0]
        values = flatten(tensor["data"])
        if len(values) != rows * served.width:
            return jsonify(error=f"expected {rows * served.width} values, got {len(values)}"), 400
        logits = served.run(values, rows)
        answer = {"model_name": name, "model_version": str(number),
                  "outputs": [{"name": "logits", "datatype": "FP32", "shape": list(logits.shape),
                               "data": logits.flatten().tolist()}]}
        if "id" in body:
            answer["id"] = body["id"]
        return jsonify(answer)

    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", required=True, help="the model repository, DIR/<model>/<version>/")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    models = load_repository(args.models)
    # A log line per request would measure the terminal, not the server.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    print(f"flask_serve_peer: {', '.join(models)} on http://{args.host}:{args.port} "
          f"(torch {torch.__version__}, {torch.get_num_threads()} threads)", file=sys.stderr, flush=True)
    make_app(models).run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    main()
