#!/usr/bin/env bash
# An example config reaches the accuracy it promises: trains CONFIG with its fixed seed and checks
# that the test accuracy in the final --json line is at least MIN_ACCURACY.
# Usage: example_accuracy_test.sh NIMBUS_BINARY CONFIG MIN_ACCURACY
set -u
nimbus=$1
config=$2
minimum=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$nimbus" train "$config" --device cpu --set checkpoint.dir="$work/run" --json >"$work/out" 2>"$work/err" ||
  { echo "FAIL: training failed: $(tail -5 "$work/err")"; exit 1; }
accuracy=$(tail -1 "$work/out" | sed -nE 's/.*"test_accuracy":([0-9.eE+-]+).*/\1/p')
[ -n "$accuracy" ] || { echo "FAIL: no test_accuracy in: $(tail -1 "$work/out")"; exit 1; }
if awk -v a="$accuracy" -v m="$minimum" 'BEGIN { exit !(a >= m) }'; then
  echo "PASS: $(basename "$config"): test accuracy $accuracy >= $minimum"
else
  echo "FAIL: $(basename "$config"): test accuracy $accuracy < $minimum"
  exit 1
fi
