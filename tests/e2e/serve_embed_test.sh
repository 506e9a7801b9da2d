#!/usr/bin/env bash
# examples/embed from the outside: a program built against the installed package loads a model
# exported by `nimbus export` and must print the logits `nimbus predict` gives for the same rows
# (read from a file and given on the command line), and refuse bad input with a clear message.
# Usage: serve_embed_test.sh NIMBUS_BINARY EMBED_PREDICT_BINARY DIGITS_CSV
set -u
nimbus=$1
embed=$2
digits=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$work/run.yaml" <<YAML
device: cpu
model: {kind: mlp, hidden: [32]}
data: {dataset: digits, path: $digits, batch_size: 32}
training: {steps: 60, log_every: 60}
checkpoint: {dir: $work/run}
YAML
"$nimbus" train "$work/run.yaml" >/dev/null 2>"$work/err" || fail "training failed: $(cat "$work/err")"
"$nimbus" export "$work/run" "$work/repo/digits/1" 2>"$work/err" || fail "export failed: $(cat "$work/err")"

# The rows: 64 pixel values each (digits.csv has the label last; nimbus predict ignores it).
zcat "$digits" | sed -n 1,32p >"$work/labelled.csv"
cut -d, -f1-64 "$work/labelled.csv" >"$work/rows.csv"
head -2 "$work/labelled.csv" >"$work/labelled2.csv"

# same_logits PREDICT_JSON EMBED_OUTPUT: equal as float32 values, row by row.
same_logits() {
  python3 - "$1" "$2" <<'PY'
import json, struct, sys
f32 = lambda v: struct.unpack("f", struct.pack("f", float(v)))[0]
want = [[f32(v) for v in row] for row in json.load(open(sys.argv[1]))]
got = [[f32(v) for v in line.split(",")] for line in open(sys.argv[2]) if line.strip()]
if got != want:
    print(f"FAIL: {len(got)} rows from embed_predict, {len(want)} from nimbus predict; first difference:",
          next(((g, w) for g, w in zip(got, want) if g != w), None))
    sys.exit(1)
PY
}

"$nimbus" predict "$work/run" --input "$work/labelled.csv" --output logits --format json >"$work/want32.json" ||
  fail "predict failed"
"$embed" "$work/repo" digits --input "$work/rows.csv" >"$work/got32.txt" 2>"$work/err" ||
  fail "embed_predict --input failed: $(cat "$work/err")"
same_logits "$work/want32.json" "$work/got32.txt" || fail "embed_predict --input differs from nimbus predict"

"$nimbus" predict "$work/run" --input "$work/labelled2.csv" --output logits --format json >"$work/want2.json" ||
  fail "predict failed"
"$embed" "$work/repo" digits/1 "$(sed -n 1p "$work/rows.csv")" "$(sed -n 2p "$work/rows.csv")" >"$work/got2.txt" \
  2>"$work/err" || fail "embed_predict with rows as arguments failed: $(cat "$work/err")"
same_logits "$work/want2.json" "$work/got2.txt" || fail "embed_predict ROW... differs from nimbus predict"

# Bad input: a non-zero exit and a message naming the problem.
expect_error() {
  local fragment=$1; shift
  "$embed" "$@" >/dev/null 2>"$work/err" && fail "embed_predict $* succeeded"
  grep -q "$fragment" "$work/err" || fail "embed_predict $*: expected '$fragment', got: $(cat "$work/err")"
}
expect_error "the model takes 64" "$work/repo" digits "1,2,3"
expect_error "'x' is not a number" "$work/repo" digits "$(sed -n 1p "$work/rows.csv" | sed 's/^[^,]*/x/')"
expect_error "unknown model 'cnn'" "$work/repo" cnn "$(sed -n 1p "$work/rows.csv")"
expect_error "unknown version 2" "$work/repo" digits/2 "$(sed -n 1p "$work/rows.csv")"
expect_error "is not a folder" "$work/nowhere" digits "$(sed -n 1p "$work/rows.csv")"
expect_error "usage:" "$work/repo" digits
# It loads what inference needs and nothing of training, analytics or the HTTP server.
unwanted=$(ldd "$embed" | grep -oE "libnimbus_(models|analytics|serve)\.so[^ ]*|libsimdjson[^ ]*" | sort -u)
[ -z "$unwanted" ] || fail "embed_predict loads libraries inference does not need: $(echo $unwanted)"
echo "PASS: examples/embed prints nimbus predict's logits, refuses bad input and loads no training or server libraries"
