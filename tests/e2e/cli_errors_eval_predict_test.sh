#!/usr/bin/env bash
# The train/eval/predict verbs through the tool: a short run, `nimbus eval` agreeing with the
# run's own test result, `nimbus predict` in every output form, and bad input (configs, run
# directories, prediction files) failing with exit code 1 and a message naming the problem.
# Usage: cli_errors_eval_predict_test.sh NIMBUS_BINARY DIGITS_CSV
set -u
nimbus=$1
digits=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# expect_error EXPECTED_TEXT COMMAND...: the command exits 1 and says EXPECTED_TEXT on stderr.
expect_error() {
  local expected=$1
  shift
  "$@" >"$work/out" 2>"$work/err"
  local status=$?
  [ "$status" -eq 1 ] || fail "expected exit 1 from '$*', got $status: $(cat "$work/err")"
  grep -qF -- "$expected" "$work/err" || fail "expected '$expected' from '$*', got: $(cat "$work/err")"
}

cat > "$work/run.yaml" <<YAML
device: cpu
model: {kind: mlp, hidden: [32]}
data: {dataset: digits, path: $digits, batch_size: 32}
training: {steps: 120, log_every: 40}
checkpoint: {dir: $work/run}
YAML
"$nimbus" train "$work/run.yaml" --json >"$work/train.out" 2>"$work/train.err" || fail "training failed: $(cat "$work/train.err")"
grep -q "^step 40/120" "$work/train.err" || fail "no progress lines on stderr: $(head -3 "$work/train.err")"
[ "$(wc -l <"$work/run/metrics.jsonl")" -eq 5 ] || fail "expected 3 train + val + test metrics lines"
[ -f "$work/run/config.yaml" ] || fail "no resolved config.yaml in the run directory"

# eval reproduces the run's test accuracy from the checkpoint.
trained=$(tail -1 "$work/train.out" | sed -nE 's/.*"test_accuracy":([0-9.eE+-]+).*/\1/p')
"$nimbus" eval "$work/run" --json >"$work/eval.out" || fail "eval failed"
evaluated=$(sed -nE 's/.*"accuracy":([0-9.eE+-]+).*/\1/p' "$work/eval.out")
[ "$trained" = "$evaluated" ] || fail "eval accuracy $evaluated differs from the run's $trained"

# predict: one class per row, probabilities that sum to 1, JSON output.
zcat "$digits" | sed -n 1,7p >"$work/seven.csv"
"$nimbus" predict "$work/run" --input "$work/seven.csv" >"$work/classes" || fail "predict failed"
[ "$(wc -l <"$work/classes")" -eq 7 ] || fail "expected 7 predicted classes, got $(wc -l <"$work/classes")"
grep -qvE '^[0-9]$' "$work/classes" && fail "classes are not digits: $(cat "$work/classes")"
"$nimbus" predict "$work/run" --input "$work/seven.csv" --output probs >"$work/probs" || fail "predict probs failed"
awk -F, '{ s = 0; for (i = 1; i <= NF; ++i) s += $i; if (NF != 10 || s < 0.999 || s > 1.001) exit 1 }' "$work/probs" ||
  fail "probability rows do not have 10 values summing to 1: $(head -2 "$work/probs")"
"$nimbus" predict "$work/run" --input "$work/seven.csv" --output logits --format json | grep -q '^\[\[' ||
  fail "JSON logits are not a list of rows"

# Bad input: clear messages and exit code 1.
expect_error "already has checkpoints" "$nimbus" train "$work/run.yaml"
expect_error "holds a different model" "$nimbus" train "$work/run.yaml" --resume --set model.hidden=[16]
expect_error "model.hiden: unknown key" "$nimbus" train "$work/run.yaml" --set model.hiden=[16]
expect_error "optimizer.lr: expected a number" "$nimbus" train "$work/run.yaml" --set optimizer.lr=fast
expect_error "no such file" "$nimbus" train "$work/missing.yaml"
expect_error "not a run directory" "$nimbus" eval "$work"
printf '1,2,3\n' >"$work/short.csv"
expect_error "short.csv:1:1: expected 64 values" "$nimbus" predict "$work/run" --input "$work/short.csv"
echo "PASS: train, eval, predict and their errors"
