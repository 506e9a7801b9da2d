#!/usr/bin/env bash
# `make demo`: what the build and machine offer, then the main job: train the default model (an
# MLP on the bundled handwritten digits, examples/configs/digits_mlp.yaml) on the GPU when one is
# present, else on the CPU; evaluate it and predict a few images with the saved checkpoint.
set -euo pipefail
nimbus=${1:-build/bin/nimbus}
nimbus=$(cd "$(dirname "$nimbus")" && pwd)/$(basename "$nimbus")
cd "$(dirname "$0")/.."
run_dir=${NIMBUS_DEMO_RUN_DIR:-build/runs/digits_mlp}
echo "== nimbus info"
"$nimbus" info
echo
echo "== nimbus train examples/configs/digits_mlp.yaml (run directory $run_dir)"
rm -rf "$run_dir"  # a fresh run each time; `--resume` would continue an existing one
mkdir -p "$(dirname "$run_dir")"
"$nimbus" train examples/configs/digits_mlp.yaml --set checkpoint.dir="$run_dir" --json | tail -1 > "$run_dir.json"
accuracy=$(sed -E 's/.*"test_accuracy":([0-9.]+).*/\1/' "$run_dir.json")
echo "test accuracy: $accuracy (results: $run_dir.json, metrics: $run_dir/metrics.jsonl)"
echo
echo "== nimbus eval $run_dir"
"$nimbus" eval "$run_dir"
echo
echo "== nimbus predict $run_dir --input <the first five digits> (true labels: $(zcat examples/data/digits.csv.gz | sed -n 1,5p | sed -E 's/.*,//' | tr '\n' ' '))"
zcat examples/data/digits.csv.gz | sed -n 1,5p > "$run_dir/first_five.csv"
"$nimbus" predict "$run_dir" --input "$run_dir/first_five.csv" --output class | tr '\n' ' '
echo
