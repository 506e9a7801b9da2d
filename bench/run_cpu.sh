#!/usr/bin/env bash
# `make bench`: the CPU kernel benchmarks and the NumPy peer, on this machine, in one run.
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
