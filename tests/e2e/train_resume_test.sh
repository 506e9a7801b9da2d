#!/usr/bin/env bash
# Crash and resume: `nimbus train` is killed with SIGKILL at three points (between checkpoints,
# halfway through writing a checkpoint, and again between checkpoints), resumed each time with
# --resume, and its metrics.jsonl must equal an uninterrupted run's bit for bit (timings aside).
# With PRECISION fp16 the run goes through the loss-scaled step and its checkpoints carry the
# scaler; this small model never overflows at the default scale, so a scale that changes across a
# resume is checked by MixedPrecisionRun.Fp16ResumeRestoresTheScaler (tests/models), not here.
# Usage: train_resume_test.sh NIMBUS_BINARY DIGITS_CSV [PRECISION (fp32 | bf16 | fp16)]
set -u
nimbus=$1
digits=$2
precision=${3:-fp32}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/run.yaml" <<YAML
seed: 3
device: cpu
precision: $precision
model: {kind: mlp, hidden: [32], dropout: 0.1}
data: {dataset: digits, path: $digits, batch_size: 16}
optimizer: {name: adamw, lr: 0.003}
schedule: {kind: cosine, warmup_steps: 20}
training: {steps: 240, log_every: 10, eval_every: 60}
checkpoint: {every: 50, keep: 2}
YAML

fail() { echo "FAIL: $*"; exit 1; }
train() {  # train RUN_DIR [extra args...]
  local dir=$1
  shift
  "$nimbus" train "$work/run.yaml" --set checkpoint.dir="$work/$dir" "$@" >"$work/$dir.out" 2>"$work/$dir.err"
}
# metrics.jsonl without the timing field, which differs run to run.
losses() { sed -E 's/,"steps_per_s":[^,}]*//' "$work/$1/metrics.jsonl"; }

train straight --json || fail "the uninterrupted run failed: $(cat "$work/straight.err")"
if [ "$precision" = fp16 ]; then
  [ "$(grep -c '"loss_scale":' "$work/straight/metrics.jsonl")" -eq 24 ] || fail "fp16 train lines lack loss_scale"
fi

kills=("kill-after-step:73" "kill-in-checkpoint:150" "kill-after-step:199")
for i in "${!kills[@]}"; do
  resume=()
  [ "$i" -gt 0 ] && resume=(--resume)
  NIMBUS_FAULT=${kills[$i]} train crashed "${resume[@]}"
  status=$?
  [ "$status" -eq 137 ] || fail "expected death by SIGKILL (137) at ${kills[$i]}, got exit $status: $(cat "$work/crashed.err")"
  if [ "${kills[$i]}" = "kill-in-checkpoint:150" ]; then
    # The torn write of step 150's checkpoint must leave latest.json on step 100 and a temporary behind.
    grep -q '"step":100' "$work/crashed/checkpoints/latest.json" || fail "latest.json moved past a torn checkpoint"
    ls -a "$work/crashed/checkpoints" | grep -q '\.tmp-' || fail "no torn temporary file: the kill came too late"
  fi
done
train crashed --resume --json || fail "the final resume failed: $(cat "$work/crashed.err")"
grep -q "resuming from" "$work/crashed.err" || fail "the last run did not resume"

diff <(losses straight) <(losses crashed) >"$work/diff" || fail "metrics differ after resuming:
$(head -20 "$work/diff")"
# 24 train lines, val at steps 60, 120 and 180, then the final val and test lines.
[ "$(losses straight | wc -l)" -eq 29 ] || fail "expected 29 metrics lines, got $(losses straight | wc -l)"
# The final results agree too (the JSON line, without timings and paths).
strip() { tail -1 "$work/$1.out" | sed -E 's/"(checkpoint|run_dir|seconds)":[^,}]*,?//g'; }
[ "$(strip straight)" = "$(strip crashed)" ] || fail "final results differ: $(strip straight) vs $(strip crashed)"
ls -a "$work/crashed/checkpoints" | grep -q '\.tmp-' && fail "a temporary checkpoint file was left behind"
echo "PASS: $precision: resumed three times after SIGKILL with identical metrics"
