#!/usr/bin/env bash
# `make demo`: a short tour of the engine (until `nimbus train` lands it is the main job):
# what the build and machine offer, a real tensor computation on the bundled digits, and a kernel
# benchmark. Runs on the GPU when one is present, else on the CPU.
set -euo pipefail
nimbus=${1:-build/bin/nimbus}
bin=$(dirname "$nimbus")
cd "$(dirname "$0")/.."
echo "== nimbus info"
"$nimbus" info
echo
echo "== tensor tour: nearest-centroid digits classifier (examples/tensor_tour.cpp)"
"$bin/tensor_tour" examples/data/digits.csv.gz --device auto
echo
echo "== nimbus bench gemm --m 512 --n 512 --k 512 --device cpu"
"$nimbus" bench gemm --m 512 --n 512 --k 512 --device cpu
