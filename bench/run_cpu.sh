#!/usr/bin/env bash
# `make bench`: the CPU kernel benchmarks and the NumPy peer, then whole training steps and their
# PyTorch peer, on this machine, in one run.
# NumPy comes from a private virtual environment (bench/peers/.venv) when the system has none.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
python=python3
if ! $python -c "import numpy" 2>/dev/null; then
  [ -x bench/peers/.venv/bin/python ] || { python3 -m venv bench/peers/.venv && bench/peers/.venv/bin/pip install -q numpy; }
  python=bench/peers/.venv/bin/python
fi
$python bench/peers/numpy_peer.py "$build/bin/nimbus" --save bench/results
for b in gemm elementwise reduction; do
  "$build/bin/bench_$b" --benchmark_min_time=0.2 --benchmark_counters_tabular=true
done
# Whole training steps (models/runner/bench_workloads.h), then the same steps in PyTorch where an
# interpreter has it (Debian's python3-torch lives in the system python3, not in a virtual env).
for w in mlp cnn gpt; do
  "$build/bin/nimbus" bench train --workload "$w" --device cpu --json
done
torch_python=""
for p in python3 /usr/bin/python3; do
  if "$p" -c "import torch" 2>/dev/null; then torch_python=$p; break; fi
done
if [ -n "$torch_python" ]; then
  "$torch_python" bench/peers/torch_train_peer.py
else
  echo "run_cpu.sh: no python3 with PyTorch; skipping bench/peers/torch_train_peer.py" >&2
fi
