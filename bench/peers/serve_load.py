#!/usr/bin/env python3
"""Load test: `nimbus serve` against Flask + PyTorch (flask_serve_peer.py) on the same exported
digits models, over the same KServe v2 infer endpoint, in one run.

Steps: trains and exports the digits mlp and cnn (examples/configs, a few seconds each) into
WORK/repo unless already there; starts both servers on loopback, nimbus at its default settings;
checks that both answer a sample of 32 rows with the same classes (and logits within float32
noise); then for each model and each concurrency C keeps C connections busy for S seconds with
single-example requests against each server in turn, and writes a markdown table of throughput and
p50/p99 latency to bench/results/serve-load-<date>.md.

The load client is wrk when installed (apt-get install wrk), else a Python threads client, which
saturates well below nimbus's rate and then measures itself: the table says which ran. The peer
needs torch, flask and yaml in --python (Debian: apt-get install python3-torch python3-flask
python3-yaml, then --python /usr/bin/python3); nothing is installed here.

Usage: serve_load.py [--nimbus build/bin/nimbus] [--python /usr/bin/python3] [--seconds 10]
                     [--concurrency 1,8,32,64] [--models digits_mlp,digits_cnn] [--work DIR] [--output FILE]
"""
import argparse
import datetime
import gzip
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CONFIGS = {"digits_mlp": "examples/configs/digits_mlp.yaml", "digits_cnn": "examples/configs/digits_cnn.yaml"}
DIGITS = os.path.join(REPO, "examples", "data", "digits.csv.gz")


def log(*parts):
    print("serve_load:", *parts, file=sys.stderr, flush=True)


def digits_rows(count):
    """The first `count` rows of the digits data, 64 raw pixel values each (the label is last)."""
    with gzip.open(DIGITS, "rt") as f:
        return [[float(v) for v in next(f).split(",")[:64]] for _ in range(count)]


def infer_body(rows):
    return json.dumps({"inputs": [{"name": "input", "shape": [len(rows), 64], "datatype": "FP32", "data": rows}]})


def post(port, path, body, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"POST {path} on port {port}: {response.status} {text}")
    return json.loads(text)


def prepare_models(nimbus, work, names):
    """Trains and exports each model into WORK/repo/<name>/1 unless it is there already."""
    for name in names:
        version = os.path.join(work, "repo", name, "1")
        if os.path.exists(os.path.join(version, "metadata.json")):
            continue
        run_dir = os.path.join(work, "runs", name)
        started = time.time()
        with open(os.path.join(work, f"train-{name}.log"), "w") as train_log:
            subprocess.run([nimbus, "train", os.path.join(REPO, CONFIGS[name]), "--device", "cpu",
                            "--set", f"checkpoint.dir={run_dir}"], check=True, stdout=train_log, stderr=train_log)
        subprocess.run([nimbus, "export", run_dir, version, "--force"], check=True, stderr=subprocess.DEVNULL)
        log(f"trained and exported {name} in {time.time() - started:.0f} s")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, process, what):
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"serve_load: {what} exited at start (status {process.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/v2/health/ready")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"serve_load: {what} did not become ready on port {port}")


def start_nimbus(nimbus, repo, log_path, extra_args):
    """nimbus serve on a free port, at its default settings unless `extra_args` says otherwise;
    returns (process, port, the thread budget it printed)."""
    err = open(log_path, "w")
    process = subprocess.Popen([nimbus, "serve", "--models", repo, "--port", "0"] + extra_args, stderr=err)
    for _ in range(300):
        text = open(log_path).read()
        if "listening on http://127.0.0.1:" in text:
            port = int(text.split("listening on http://127.0.0.1:")[1].split()[0])
            wait_ready(port, process, "nimbus serve")
            budget = next((line.split(": ", 1)[1] for line in text.splitlines() if "compute thread" in line), "")
            return process, port, budget
        if process.poll() is not None:
            raise SystemExit(f"serve_load: nimbus serve exited at start:\n{text}")
        time.sleep(0.1)
    raise SystemExit("serve_load: nimbus serve did not say where it listens")


def start_flask(python, repo, log_path):
    port = free_port()
    err = open(log_path, "w")
    process = subprocess.Popen([python, os.path.join(HERE, "flask_serve_peer.py"), "--models", repo, "--port", str(port)],
                               stderr=err, stdout=err)
    wait_ready(port, process, "the Flask peer")
    line = next((l for l in open(log_path).read().splitlines() if l.startswith("flask_serve_peer:")), "")
    return process, port, line.split("(", 1)[-1].rstrip(")")


def check_same_predictions(ports, model):
    """Both servers on 32 rows: the same classes, logits within float32 noise. Returns the largest difference."""
    rows = digits_rows(32)
    answers = {name: post(port, f"/v2/models/{model}/infer", infer_body(rows))["outputs"][0]["data"]
               for name, port in ports.items()}
    a, b = answers["nimbus"], answers["flask"]
    classes = lambda data: [max(range(10), key=lambda c: data[r * 10 + c]) for r in range(32)]
    if classes(a) != classes(b):
        raise SystemExit(f"serve_load: {model}: nimbus and Flask disagree on classes: {classes(a)} vs {classes(b)}")
    return max(abs(x - y) for x, y in zip(a, b))


WRK_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[%s]==]
done = function(summary, latency, requests)
  io.write(string.format('WRK_JSON {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "socket_errors": %%d, ' ..
                         '"p50_us": %%d, "p99_us": %%d}\\n', summary.requests, summary.duration,
                         summary.errors.status, summary.errors.connect + summary.errors.read +
                         summary.errors.write + summary.errors.timeout,
                         latency:percentile(50), latency:percentile(99)))
end
"""


def load_wrk(port, path, body, connections, seconds, script_path):
    with open(script_path, "w") as f:
        f.write(WRK_SCRIPT % body)
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", script_path,
                          f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True, text=True).stdout
    r = json.loads(next(l for l in out.splitlines() if l.startswith("WRK_JSON "))[len("WRK_JSON "):])
    return {"rps": r["requests"] / (r["duration_us"] / 1e6), "p50_ms": r["p50_us"] / 1e3, "p99_ms": r["p99_us"] / 1e3,
            "errors": r["non2xx"] + r["socket_errors"], "requests": r["requests"]}


def load_python(port, path, body, connections, seconds):
    """C threads, each one keep-alive connection sending requests back to back until the deadline."""
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + seconds
    payload = body.encode()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=payload, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if ok:
                mine.append(time.perf_counter() - start)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1e3 if latencies else float("nan")
    return {"rps": len(latencies) / elapsed, "p50_ms": pick(0.50), "p99_ms": pick(0.99), "errors": errors[0],
            "requests": len(latencies)}


def medians(rounds):
    """One cell's rounds as one measurement: the median of each figure, errors and requests summed."""
    median = lambda key: statistics.median(r[key] for r in rounds)
    return {"rps": median("rps"), "p50_ms": median("p50_ms"), "p99_ms": median("p99_ms"),
            "errors": sum(r["errors"] for r in rounds), "requests": sum(r["requests"] for r in rounds)}


def nimbus_batching(port):
    """Mean examples per execution, per model, from nimbus's /metrics."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    totals = {}
    for line in text.splitlines():
        for metric in ("nimbus_inference_count_total", "nimbus_inference_exec_count_total"):
            if line.startswith(metric + "{"):
                model = line.split('model="')[1].split('"')[0]
                totals.setdefault(model, {})[metric] = float(line.split()[-1])
    return {m: t["nimbus_inference_count_total"] / max(1.0, t["nimbus_inference_exec_count_total"])
            for m, t in totals.items()}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nimbus", default=os.path.join(REPO, "build", "bin", "nimbus"))
    parser.add_argument("--python", default=sys.executable, help="the Python with torch, flask and yaml for the peer")
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per server and concurrency")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured seconds before each measurement")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds per cell, the two servers alternating; the report gives each figure's median")
    parser.add_argument("--concurrency", default="1,8,32,64")
    parser.add_argument("--models", default="digits_mlp,digits_cnn")
    parser.add_argument("--work", help="models and logs (default: serve-load/ beside the nimbus binary's bin/)")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--nimbus-arg", action="append", default=[],
                        help="an option for nimbus serve instead of its default, e.g. --nimbus-arg=--threads=1 (repeatable)")
    parser.add_argument("--output", help="default: bench/results/serve-load-<date>.md")
    args = parser.parse_args()

    nimbus = os.path.abspath(args.nimbus)
    if not os.access(nimbus, os.X_OK):
        raise SystemExit(f"serve_load: no nimbus binary at {nimbus}: build it (make build) or pass --nimbus")
    check = subprocess.run([args.python, "-c", "import torch, flask, yaml"], capture_output=True, text=True)
    if check.returncode != 0:
        raise SystemExit(f"serve_load: {args.python} lacks torch, flask or yaml ({check.stderr.strip().splitlines()[-1]}).\n"
                         "  Debian: apt-get install python3-torch python3-flask python3-yaml, then --python /usr/bin/python3")
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
        if client == "python":
            log("wrk not found (apt-get install wrk): using the Python client, which caps the rates it can measure")
    models = args.models.split(",")
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    work = os.path.abspath(args.work or os.path.join(os.path.dirname(os.path.dirname(nimbus)), "serve-load"))
    os.makedirs(work, exist_ok=True)
    prepare_models(nimbus, work, models)
    repo = os.path.join(work, "repo")

    load_before = os.getloadavg()
    processes = []
    # Stopped by a signal, still stop the servers (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("serve_load: stopped"))
    try:
        nimbus_process, nimbus_port, budget = start_nimbus(nimbus, repo, os.path.join(work, "nimbus-serve.log"), args.nimbus_arg)
        processes.append(nimbus_process)
        flask_process, flask_port, flask_info = start_flask(args.python, repo, os.path.join(work, "flask.log"))
        processes.append(flask_process)
        ports = {"nimbus": nimbus_port, "flask": flask_port}
        differences = {m: check_same_predictions(ports, m) for m in models}
        body = infer_body(digits_rows(1))
        results = []
        for model in models:
            path = f"/v2/models/{model}/infer"
            for c in concurrencies:
                rounds = {name: [] for name in ports}
                # Rounds alternate the servers, so that a busy spell of the shared machine falls on
                # both rather than on one server's every measurement.
                for _ in range(max(1, args.repeat)):
                    for name, port in ports.items():
                        measure = (lambda s: load_wrk(port, path, body, c, s, os.path.join(work, "load.lua"))) \
                            if client == "wrk" else (lambda s: load_python(port, path, body, c, s))
                        if args.warmup > 0:
                            measure(args.warmup)
                        m = measure(args.seconds)
                        rounds[name].append(m)
                        log(f"{model} c={c} {name}: {m['rps']:.0f} req/s, p50 {m['p50_ms']:.2f} ms, "
                            f"p99 {m['p99_ms']:.2f} ms, {m['errors']} errors")
                results.append({"model": model, "c": c, **{name: medians(r) for name, r in rounds.items()}})
        batching = nimbus_batching(nimbus_port)
    finally:
        for p in processes:
            p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    load_after = os.getloadavg()
    write_report(args, client, budget, flask_info, differences, batching, results, load_before, load_after)


def write_report(args, client, budget, flask_info, differences, batching, results, load_before, load_after):
    today = datetime.date.today().isoformat()
    output = args.output or os.path.join(REPO, "bench", "results", f"serve-load-{today}.md")
    wrk_version = ""
    if client == "wrk":
        wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("[")[0].strip()
    lines = [
        f"# Serving load test, {today}: nimbus serve vs Flask + PyTorch",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu_model()}), shared with other work; load average "
        f"{load_before[0]:.2f} before and {load_after[0]:.2f} after the run. Server, peer and load client share "
        "these cores, so the numbers are lower bounds on what each server does alone.",
        "",
        f"- Load client: {wrk_version or client} (`{client}`), one thread, keep-alive connections; "
        f"{args.seconds:g} s measured after {args.warmup:g} s of warm-up per cell" +
        (f", {args.repeat} rounds per cell with the servers alternating, medians of each figure" if args.repeat > 1 else "") +
        "; each request is one "
        "digits example (64 values) as KServe v2 JSON.",
        f"- nimbus serve: {'default settings' if not args.nimbus_arg else ' '.join(args.nimbus_arg) + ', else defaults'} "
        f"({budget}). Thread budget (serve/README.md): compute as the batcher's instances with as many OpenMP "
        "threads as cores, batches on one device taking turns; the HTTP workers parse, wait and reply, and on "
        "the CPU run a lone request themselves as an idle instance, so their count (at least the client's "
        "connections) adds no compute threads.",
        f"- Flask + PyTorch: bench/peers/flask_serve_peer.py on Flask's threaded server ({flask_info}).",
        "- Same answers: on 32 sample rows both servers give the same classes; largest logit difference " +
        ", ".join(f"{m} {d:.1e}" for m, d in differences.items()) + ".",
        "- nimbus's mean examples per execution over the run (dynamic batching): " +
        ", ".join(f"{m} {b:.1f}" for m, b in sorted(batching.items()) if m in differences) + ".",
        "",
        "| model | connections | nimbus req/s | nimbus p50 ms | nimbus p99 ms | Flask req/s | Flask p50 ms | Flask p99 ms | throughput ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    goal = [r for r in results if r["nimbus"]["rps"] >= 10 * r["flask"]["rps"] and r["nimbus"]["p99_ms"] < r["flask"]["p99_ms"]]
    lower_p99 = [r for r in results if r["nimbus"]["p99_ms"] < r["flask"]["p99_ms"]]
    for r in results:
        n, f = r["nimbus"], r["flask"]
        errors = "" if n["errors"] + f["errors"] == 0 else f" ({n['errors']} / {f['errors']} errors)"
        lines.append(f"| {r['model']} | {r['c']} | {n['rps']:.0f} | {n['p50_ms']:.2f} | {n['p99_ms']:.2f} | "
                     f"{f['rps']:.0f} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} | {n['rps'] / max(f['rps'], 1e-9):.1f}x{errors} |")
    lines += ["", f"Goal (10x Flask's throughput at a lower p99): met in {len(goal)} of {len(results)} cells; nimbus's p99 "
              f"is lower in {len(lower_p99)}. Missed: " +
              (", ".join(f"{r['model']} at {r['c']} connection(s)" for r in results if r not in goal) or "none") + "."]
    command = "python3 bench/peers/serve_load.py --nimbus build/bin/nimbus --python /usr/bin/python3"
    if args.seconds != 10 or args.concurrency != "1,8,32,64" or args.models != "digits_mlp,digits_cnn":
        command += f" --seconds {args.seconds:g} --concurrency {args.concurrency} --models {args.models}"
    if args.warmup != 1:
        command += f" --warmup {args.warmup}"
    if args.repeat != 1:
        command += f" --repeat {args.repeat}"
    if args.client != "auto":
        command += f" --client {args.client}"
    command += "".join(f" --nimbus-arg={a}" for a in args.nimbus_arg)
    lines += ["", f"Reproduce (after `make build`; `apt-get install wrk python3-flask python3-torch python3-yaml`): `{command}`", ""]
    with open(output, "w") as f:
        f.write("\n".join(lines))
    log(f"wrote {output}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
