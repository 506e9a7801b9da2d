#!/usr/bin/env bash
# A character GPT through `nimbus export` and `nimbus serve` (Note [Token model] in
# serve/model_metadata.h): a tiny model trained for 20 steps on the Shakespeare example is
# exported and served; the metadata carries the vocabulary, the next-character logits equal
# `nimbus predict --prompt ... --output logits` for the same text, INT32 ids give the same answer,
# concurrent requests of different lengths are each answered as alone, and bad token requests get
# 400 naming the problem.
# Usage: serve_gpt_test.sh NIMBUS_BINARY SHAKESPEARE_GPT_YAML
set -u
nimbus=$1
config=$(realpath "$2")
work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; [ -f "$work/serve.err" ] && sed 's/^/  server: /' "$work/serve.err"; exit 1; }

# Small enough for about 2 s of training on 2 cores; the context (16) is what the server enforces.
"$nimbus" train "$config" --device cpu --set checkpoint.dir="$work/run" --set training.steps=20 \
  --set training.log_every=20 --set training.eval_every=0 --set training.eval_batches=1 \
  --set schedule.warmup_steps=0 --set model.layers=1 --set model.width=32 --set model.heads=2 \
  --set data.context=16 >/dev/null 2>"$work/train.err" || fail "training failed: $(cat "$work/train.err")"

"$nimbus" export "$work/run" "$work/repo/gpt/1" 2>"$work/err" || fail "export failed: $(cat "$work/err")"
grep -q '"INT64"' "$work/repo/gpt/1/metadata.json" || fail "metadata.json has no INT64 input"
grep -q '"max_sequence_length": 16' "$work/repo/gpt/1/metadata.json" || fail "metadata.json has no maximum length"

# The reference: predict's logits and class of the next character after the prompt.
prompt="ROMEO:"
"$nimbus" predict "$work/run" --prompt "$prompt" --output logits --format json >"$work/expected.json" 2>"$work/err" ||
  fail "predict --output logits failed: $(cat "$work/err")"
"$nimbus" predict "$work/run" --prompt "$prompt" --output class >"$work/expected_class.txt" 2>"$work/err" ||
  fail "predict --output class failed: $(cat "$work/err")"

"$nimbus" serve --models "$work/repo" --port 0 --max-queue-delay-us 20000 --max-batch-size 32 2>"$work/serve.err" &
server_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -nE 's|.*listening on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$work/serve.err" 2>/dev/null)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited at start"
  sleep 0.1
done
[ -n "$port" ] || fail "the server did not say where it listens"

python3 - "$port" "$prompt" "$work/expected.json" "$work/expected_class.txt" <<'PY' || fail "HTTP checks failed"
import http.client, json, struct, sys, threading
port, prompt, expected_path, class_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
expected = json.load(open(expected_path))[0]
expected_class = int(open(class_path).read())

def call(method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=None if body is None else json.dumps(body).encode())
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response.status, text

def check(condition, message):
    if not condition:
        print("FAIL:", message); sys.exit(1)

def infer(ids, datatype="INT64"):
    rows = ids if isinstance(ids[0], list) else [ids]
    body = {"inputs": [{"name": "tokens", "datatype": datatype, "shape": [len(rows), len(rows[0])], "data": rows}]}
    return call("POST", "/v2/models/gpt/infer", body)

def logits(ids, datatype="INT64"):
    status, text = infer(ids, datatype)
    check(status == 200, f"infer {ids}: {status} {text}")
    return json.loads(text)["outputs"][0]

def f32(values): return [struct.unpack("f", struct.pack("f", v))[0] for v in values]
def close(got, want): return len(got) == len(want) and all(abs(a - b) <= 1e-5 * max(1.0, abs(b)) for a, b in zip(got, want))

# Metadata: token ids in, the next character's logits out, the vocabulary in parameters.
status, text = call("GET", "/v2/models/gpt")
check(status == 200, f"metadata: {status} {text}")
meta = json.loads(text)
check(meta["inputs"] == [{"name": "tokens", "datatype": "INT64", "shape": [-1, -1]}], f"inputs: {meta}")
check(meta["outputs"] == [{"name": "logits", "datatype": "FP32", "shape": [-1, 65]}], f"outputs: {meta}")
params = meta["parameters"]
vocab, max_len = params["vocabulary"], params["max_sequence_length"]
check(len(vocab) == 65 == params["vocabulary_size"] and max_len == 16, f"parameters: {params}")
check(vocab == "".join(sorted(vocab)) and "R" in vocab and "\n" in vocab, f"not the sorted characters: {vocab!r}")

# The prompt's ids (its UTF-8 bytes read as Latin-1: one character per id): the answer is predict's.
ids = [vocab.index(c) for c in prompt.encode().decode("latin-1")]
out = logits(ids)
check(out["name"] == "logits" and out["shape"] == [1, 65], f"output tensor: {out}")
check(f32(out["data"]) == f32(expected), "served logits differ from nimbus predict's")
check(out["data"].index(max(out["data"])) == expected_class, "the served argmax is not predict's class")
check(logits(ids, "INT32")["data"] == out["data"], "INT32 ids gave another answer than INT64")

# Two sequences in one request, and concurrent requests of lengths 1 to 6 batched by length: each
# answer is the one it gets alone (within float steps of the GEMM).
both = logits([ids, ids[::-1]])
check(both["shape"] == [2, 65] and close(both["data"][:65], out["data"]), f"batched rows: {both['shape']}")
sequences = [ids[: 1 + i % 6] for i in range(24)]
alone = [logits(s)["data"] for s in sequences]
results = [None] * len(sequences)
def one(i): results[i] = infer(sequences[i])
threads = [threading.Thread(target=one, args=(i,)) for i in range(len(sequences))]
for t in threads: t.start()
for t in threads: t.join()
for i, (status, text) in enumerate(results):
    check(status == 200, f"concurrent request {i}: {status} {text}")
    check(close(json.loads(text)["outputs"][0]["data"], alone[i]), f"concurrent answer {i} is not its own")

# Greedy decoding, as a client does it: append the argmax, keep the newest max_len ids.
text_ids = list(ids)
for _ in range(20):
    data = logits(text_ids[-max_len:])["data"]
    text_ids.append(data.index(max(data)))
check(len(text_ids) == len(ids) + 20 and all(0 <= i < 65 for i in text_ids), "greedy decoding")

# Bad token requests: 400 naming the problem.
def expect_400(ids, datatype, fragment):
    status, text = infer(ids, datatype)
    check(status == 400 and fragment in json.loads(text)["error"], f"expected 400 with '{fragment}', got {status}: {text}")
expect_400([0, 65], "INT64", "token id 65 at [0, 1] is outside the vocabulary [0, 65)")
expect_400([-1], "INT32", "token id -1 at [0, 0] is outside the vocabulary [0, 65)")
expect_400([0] * 17, "INT64", "sequence length 17 exceeds the model's maximum of 16")
expect_400([0, 1], "FP32", "datatype FP32 does not match the model's INT64 (or INT32)")
expect_400([0, 1.5], "INT64", "data must hold integers for INT64, found 1.5")
expect_400([[0]] * 33, "INT64", "a token request may hold at most max_batch_size = 32 sequences, got 33")
status, _ = call("GET", "/v2/health/live")
check(status == 200, "the server went down")
print("PASS: gpt metadata, logits equal to predict, INT32, batching by length, greedy decoding, errors")
PY
[ $? -eq 0 ] || fail "HTTP checks failed"
kill -TERM "$server_pid"
wait "$server_pid" || fail "the server exited with status $? after SIGTERM"
server_pid=""

# A gpt trained on synthetic tokens has no characters behind its ids: export refuses it.
cat > "$work/synthetic.yaml" <<YAML
device: cpu
model: {kind: gpt, layers: 1, width: 8, heads: 1}
data: {dataset: synthetic, kind: tokens, classes: 8, context: 4}
training: {steps: 1, log_every: 1}
checkpoint: {dir: $work/synthetic}
YAML
"$nimbus" train "$work/synthetic.yaml" >/dev/null 2>"$work/train.err" || fail "synthetic training failed: $(cat "$work/train.err")"
"$nimbus" export "$work/synthetic" "$work/repo/synthetic/1" 2>"$work/err" && fail "export took a gpt without a vocabulary"
grep -q "no vocabulary" "$work/err" || fail "unclear refusal: $(cat "$work/err")"
echo "PASS: gpt export, serve and errors"
