#!/usr/bin/env bash
# `nimbus serve --instances` from the outside (Note [Model instances] in serve/batcher.h): a short
# digits run is exported twice, once with `nimbus export --instances 3`; the real server runs the
# other version with --instances 2. Under concurrent requests every answer equals its
# single-request answer and `nimbus predict`'s, both instances execute, the per-instance counts in
# /metrics add up to the executions, a version's metadata count wins over --instances, the thread
# budget is printed, bad counts are refused with a message, and a SIGTERM with requests queued
# while two instances wait still answers them all.
# Usage: serve_instances_test.sh NIMBUS_BINARY DIGITS_CSV
set -u
nimbus=$1
digits=$(realpath "$2")
work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; [ -f "$work/serve.err" ] && sed 's/^/  server: /' "$work/serve.err"; exit 1; }

cat > "$work/run.yaml" <<YAML
device: cpu
model: {kind: mlp, hidden: [32]}
data: {dataset: digits, path: $digits, batch_size: 32}
training: {steps: 40, log_every: 40}
checkpoint: {dir: $work/run}
YAML
"$nimbus" train "$work/run.yaml" >/dev/null 2>"$work/train.err" || fail "training failed: $(cat "$work/train.err")"
"$nimbus" export "$work/run" "$work/repo/digits/1" 2>"$work/err" || fail "export failed: $(cat "$work/err")"
grep -q '"instances"' "$work/repo/digits/1/metadata.json" && fail "export wrote instances without --instances"
"$nimbus" export "$work/run" "$work/repo/pinned/1" --instances 3 2>"$work/err" || fail "export --instances failed: $(cat "$work/err")"
grep -q '"instances": 3' "$work/repo/pinned/1/metadata.json" || fail "export --instances 3 did not write it"
"$nimbus" export "$work/run" "$work/repo/pinned/2" --instances 0 2>"$work/err" && fail "export took --instances 0"
grep -q "instances" "$work/err" || fail "unclear export refusal: $(cat "$work/err")"

zcat "$digits" | sed -n 1,32p >"$work/rows.csv"
"$nimbus" predict "$work/run" --input "$work/rows.csv" --output logits --format json >"$work/expected.json" ||
  fail "predict failed"

# Bad counts stop the server at start with a message naming the problem.
"$nimbus" serve --models "$work/repo" --port 0 --instances 0 2>"$work/err" && fail "serve took --instances 0"
grep -q -- "--instances" "$work/err" || fail "unclear --instances refusal: $(cat "$work/err")"
"$nimbus" serve --models "$work/repo" --port 0 --instances 65 2>"$work/err" && fail "serve took --instances 65"
cp -r "$work/repo" "$work/bad_repo"
sed -i 's/"instances": 3/"instances": 0/' "$work/bad_repo/pinned/1/metadata.json"
"$nimbus" serve --models "$work/bad_repo" --port 0 2>"$work/err" && fail "serve took a metadata.json with instances 0"
grep -q "metadata.json: instances must be a whole number from 1 to 64, got 0" "$work/err" ||
  fail "unclear metadata refusal: $(cat "$work/err")"

# start_server EXTRA_ARGS...: starts nimbus serve on a free port; sets server_pid and url.
start_server() {
  rm -f "$work/serve.err"
  port=""
  "$nimbus" serve --models "$work/repo" --port 0 "$@" 2>"$work/serve.err" &
  server_pid=$!
  for _ in $(seq 100); do
    port=$(sed -nE 's|.*listening on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$work/serve.err" 2>/dev/null)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited at start"
    sleep 0.1
  done
  [ -n "$port" ] || fail "the server did not say where it listens"
  url="http://127.0.0.1:$port"
}

# await_exit: the server must exit with status 0 within 5 s.
await_exit() {
  for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$server_pid" 2>/dev/null && fail "the server still runs 5 s after SIGTERM"
  wait "$server_pid"
  local status=$?
  server_pid=""
  [ "$status" -eq 0 ] || fail "the server exited with status $status after SIGTERM"
}

start_server --instances 2 --threads 2
grep -q "2 compute thread(s) per device, 2 instance(s) per model of 1 thread(s) each" "$work/serve.err" ||
  fail "the thread budget is not printed"
grep -q "model 'pinned' version 1: 3 instance(s) (its metadata.json) of 1 thread(s)" "$work/serve.err" ||
  fail "the metadata's instance count is not printed"
python3 - "$url" "$work/rows.csv" "$work/expected.json" <<'PY' || fail "HTTP checks failed"
import http.client, json, sys, threading, urllib.parse
url, rows_path, expected_path = sys.argv[1:]
host = urllib.parse.urlparse(url)
rows = [[float(v) for v in line.split(",")[:64]] for line in open(rows_path)]
expected = json.load(open(expected_path))

def call(method, path, body=None):
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    conn.request(method, path, body=None if body is None else json.dumps(body).encode())
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response.status, text

def check(condition, message):
    if not condition:
        print("FAIL:", message); sys.exit(1)

def infer_body(batch, **extra):
    return dict(extra, inputs=[{"name": "input", "shape": [len(batch), 64], "datatype": "FP32", "data": batch}])

# Batched rows may round differently from a row alone (the CPU GEMM): within a few float32 steps.
def close(got, want):
    return len(got) == len(want) and all(abs(a - b) <= 1e-5 * max(1.0, abs(b)) for a, b in zip(got, want)) \
        and got.index(max(got)) == want.index(max(want))

def metric(series):
    status, text = call("GET", "/metrics")
    check(status == 200, f"/metrics: {status}")
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(series)]
    return sum(values), len(values)

# 64 concurrent single-row requests per round, until both instances have run some (one round,
# nearly always: an idle instance is woken for each new request while the other runs).
alone = [json.loads(call("POST", "/v2/models/digits/infer", infer_body([rows[i]]))[1])["outputs"][0]["data"] for i in range(32)]
for round in range(5):
    results = [None] * 64
    def one(i):
        results[i] = call("POST", "/v2/models/digits/infer", infer_body([rows[i % 32]], id=str(i)))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(64)]
    for t in threads: t.start()
    for t in threads: t.join()
    for i, (status, text) in enumerate(results):
        check(status == 200, f"concurrent request {i}: {status} {text}")
        body = json.loads(text)
        check(body["id"] == str(i), f"request {i} got the answer for id {body['id']}")
        got = body["outputs"][0]["data"]
        check(close(got, alone[i % 32]), f"answer {i} differs from its single-request answer: {got} {alone[i % 32]}")
        check(close(got, expected[i % 32]), f"answer {i} differs from predict's: {got} {expected[i % 32]}")
    first, _ = metric('nimbus_instance_exec_count_total{model="digits",version="1",instance="0"}')
    second, _ = metric('nimbus_instance_exec_count_total{model="digits",version="1",instance="1"}')
    if first > 0 and second > 0:
        break
check(first > 0 and second > 0, f"one instance did all the work: {first} and {second} executions")
by_instance, series = metric('nimbus_instance_exec_count_total{model="digits",version="1",')
total, _ = metric('nimbus_inference_exec_count_total{model="digits",version="1"}')
check(series == 2, f"--instances 2 shows {series} instance series")
check(by_instance == total, f"the instances' executions ({by_instance}) do not add up to the total ({total})")
# The version whose metadata.json says 3 runs 3 instances, and answers like the other.
_, series = metric('nimbus_instance_exec_count_total{model="pinned",version="1",')
check(series == 3, f"the pinned version shows {series} instance series, not 3")
status, text = call("POST", "/v2/models/pinned/infer", infer_body(rows[:4]))
check(status == 200, f"pinned infer: {status} {text}")
data = json.loads(text)["outputs"][0]["data"]
for i in range(4):
    check(close(data[i * 10:(i + 1) * 10], expected[i]), f"pinned row {i} differs from predict's")
print("PASS: two instances answer concurrent requests, metrics per instance")
PY
[ $? -eq 0 ] || fail "HTTP checks failed"
kill -TERM "$server_pid"
await_exit

# SIGTERM with requests queued (waiting 0.5 s for company) while two instances wait: every one is
# answered before the exit.
start_server --instances 2 --max-queue-delay-us 500000 --max-batch-size 64
python3 "$(dirname "$0")/serve_sigterm_check.py" "$url" "$server_pid" "$work/rows.csv" 6 " with two instances" ||
  fail "shutdown checks failed"
await_exit
grep -q "stopped" "$work/serve.err" || fail "the server did not log its shutdown"
echo "PASS: serve --instances: concurrent answers, per-instance metrics, counts from metadata, errors, shutdown"
