#!/usr/bin/env python3
"""`make gpu-check`: the GPU parity tests, the training test and a benchmark table on a GPU host.

Runs, in order, each under its own time limit so the whole stays within a few minutes:
  1. `gpu_tests` (every op x dtype parity test, the device copies, the runtime, the digits
     training run on cuda against the CPU), its counts and the names of any failures;
  2. kernels through `nimbus bench --device cuda` against PyTorch on the same GPU
     (bench/peers/torch_gpu_peer.py, when torch with CUDA is importable): GEMM against cuBLAS,
     elementwise and reductions against a device-to-device copy;
  3. the three `nimbus bench train` workloads against bench/peers/torch_train_peer.py --device cuda;
  4. the example configs trained end to end with `nimbus train --device cuda`.
It writes bench/results/gpu-<date>-<device>.md itself (commit, device, driver, counts, figures),
keeps the raw logs beside it in --logs, and prints the table last.

The binaries come from a bundle made by `make gpu-bundle` (--bundle, for hosts without our Debian
packages) or from a CUDA-ON build folder (--build). cuBLAS is looked for in the host's CUDA
toolkit and in Python's `nvidia` packages; NIMBUS_CUDA_LIBRARY_PATH names other folders.
Only the standard library is needed; PyTorch is optional (the peer columns stay empty without it).
"""
import argparse
import datetime
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (kernel, nimbus bench arguments) timed on both sides. Sizes: several times the 50-60 MB L2.
KERNELS = [
    ("gemm", ["--m", "4096", "--n", "4096", "--k", "4096", "--dtype", "f32"]),
    ("gemm", ["--m", "8192", "--n", "8192", "--k", "8192", "--dtype", "bf16"]),
    ("gemm", ["--m", "8192", "--n", "8192", "--k", "8192", "--dtype", "f16"]),
    ("copy", ["--n", str(1 << 27), "--dtype", "f32"]),
    ("add", ["--n", str(1 << 27), "--dtype", "f32"]),
    ("mul_scalar", ["--n", str(1 << 27), "--dtype", "f32"]),
    ("exp", ["--n", str(1 << 27), "--dtype", "f32"]),
    ("add", ["--n", str(1 << 27), "--dtype", "bf16"]),
    ("sum", ["--n", str(1 << 27), "--dtype", "f32"]),
    ("softmax", ["--m", "16384", "--n", "4096", "--dtype", "f32"]),
]
WORKLOADS = ["mlp", "cnn", "gpt"]
# (config, --set overrides): the examples as shipped, then mixed precision.
EXAMPLES = [("digits_mlp.yaml", []), ("digits_cnn.yaml", []), ("digits_resnet.yaml", []),
            ("shakespeare_gpt.yaml", []), ("digits_mlp.yaml", ["precision=bf16"]),
            ("digits_mlp.yaml", ["precision=fp16"]), ("shakespeare_gpt.yaml", ["precision=bf16"])]


def run(cmd, env, timeout, log):
    """(return code, stdout, stderr) of cmd; both also go to the log. Never raises."""
    started = time.time()
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        code, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        # The partial output comes as bytes even with text=True.
        def text(b):
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        code, out, err = 124, text(e.stdout), text(e.stderr) + "\n(timed out after %ds)" % timeout
    except OSError as e:
        code, out, err = 127, "", str(e)
    log.write("$ %s\n# exit %d after %.1fs\n%s\n%s\n" % (" ".join(cmd), code, time.time() - started, out, err))
    log.flush()
    return code, out, err


def last_json(out):
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def cuda_library_dirs():
    """Folders holding libcublas: the override, the toolkit, Python's nvidia packages."""
    dirs = [d for d in os.environ.get("NIMBUS_CUDA_LIBRARY_PATH", "").split(":") if d]
    patterns = ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda-*/lib64",
                "/usr/lib/x86_64-linux-gnu"]
    for site in glob.glob("/usr/local/lib/python3*/dist-packages") + glob.glob("/usr/lib/python3*/dist-packages") + \
            glob.glob("/opt/*/.venv/lib/python3*/site-packages") + glob.glob("/usr/local/lib/python3*/site-packages"):
        patterns += [site + "/nvidia/*/lib", site + "/nvidia/cu*/lib"]
    for pattern in patterns:
        for d in sorted(glob.glob(pattern)):
            if glob.glob(d + "/libcublas.so*") or glob.glob(d + "/libcublasLt.so*"):
                if d not in dirs:
                    dirs.append(d)
    return dirs


def device_facts(env, log):
    code, out, _ = run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                       env, 30, log)
    if code != 0 or not out.strip():
        return {"name": "unknown GPU", "driver": "unknown", "memory": "unknown"}
    name, driver, memory = [s.strip() for s in out.strip().splitlines()[0].split(",")][:3]
    return {"name": name, "driver": driver, "memory": memory}


def gtest_counts(report_path):
    """(passed, failed, skipped, failing names) from a GoogleTest JSON report."""
    with open(report_path) as f:
        report = json.load(f)
    passed = failed = skipped = 0
    failing = []
    for suite in report.get("testsuites", []):
        for case in suite.get("testsuite", []):
            name = "%s.%s" % (suite["name"], case["name"])
            if case.get("failures"):
                failed += 1
                failing.append(name)
            elif case.get("result") == "SKIPPED" or case.get("status") == "NOTRUN":
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped, failing


def median_rate(record):
    """GFLOP/s or GB/s at the median time (the tools report the best run's rate)."""
    if record is None:
        return None
    scale = record["best_ms"] / record["median_ms"]
    return record.get("gflops", record.get("gbps", 0)) * scale


def sanitize(gpu_tests, test_filter, env, log, timeout):
    """`make gpu-sanitize`: the gpu tests under compute-sanitizer's memcheck and racecheck."""
    failed = 0
    for tool in ("memcheck", "racecheck"):
        code, out, err = run(["compute-sanitizer", "--tool", tool, "--error-exitcode", "97", "--print-limit", "20",
                              gpu_tests, "--gtest_brief=1", "--gtest_filter=" + test_filter], env, timeout * 4, log)
        summary = [l for l in (out + err).splitlines() if "ERROR SUMMARY" in l or "FAILED" in l]
        print("compute-sanitizer %s: exit %d; %s" % (tool, code, "; ".join(summary[-3:]) or "no summary"), flush=True)
        failed += code != 0
    return 1 if failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", help="folder made by `make gpu-bundle` (bin/, lib/)")
    p.add_argument("--build", help="a CUDA-ON build folder (bin/, lib/)")
    p.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    p.add_argument("--logs", help="folder for the raw logs (default: beside the results, gpu-logs/)")
    p.add_argument("--python", default=sys.executable, help="the Python with PyTorch, for the peer columns")
    p.add_argument("--seconds", default="2", help="bench train: seconds of timed steps per workload")
    p.add_argument("--test-timeout", type=int, default=300)
    p.add_argument("--sanitize", action="store_true",
                   help="instead: run the gpu tests under compute-sanitizer (memcheck, then racecheck)")
    p.add_argument("--filter", default="*", help="gtest filter for --sanitize")
    a = p.parse_args()

    home = a.bundle or a.build
    if not home or not os.path.isfile(os.path.join(home, "bin", "nimbus")):
        sys.exit("check.py: name --bundle (make gpu-bundle) or --build (a CUDA-ON build) holding bin/nimbus")
    nimbus, gpu_tests = os.path.join(home, "bin", "nimbus"), os.path.join(home, "bin", "gpu_tests")
    logs = a.logs or os.path.join(a.results, "gpu-logs")
    os.makedirs(logs, exist_ok=True)
    log = open(os.path.join(logs, "gpu-check.log"), "w")

    env = dict(os.environ)
    library_path = [os.path.join(home, "lib")] + cuda_library_dirs()
    env["LD_LIBRARY_PATH"] = ":".join(library_path + [d for d in env.get("LD_LIBRARY_PATH", "").split(":") if d])
    env["NIMBUS_EXAMPLES_DIR"] = os.path.join(ROOT, "examples")
    env.setdefault("OMP_NUM_THREADS", str(min(16, os.cpu_count() or 1)))
    started = time.time()

    facts = device_facts(env, log)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    if subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                      text=True).stdout.strip():
        commit += " with uncommitted changes"
    manifest = os.path.join(home, "MANIFEST")
    built = open(manifest).read().strip().replace("\n", "; ") if os.path.isfile(manifest) else "build folder " + home
    _, info, info_err = run([nimbus, "info"], env, 60, log)
    print("check.py: %s (driver %s), commit %s; cuBLAS from %s" %
          (facts["name"], facts["driver"], commit, ", ".join(library_path[1:]) or "the loader's default path"),
          flush=True)

    if a.sanitize:
        return sanitize(gpu_tests, a.filter, env, log, a.test_timeout)

    # 1. The parity suite and the training test.
    report = os.path.join(logs, "gpu_tests.json")
    if os.path.exists(report):
        os.remove(report)
    code, out, err = run([gpu_tests, "--gtest_brief=1", "--gtest_output=json:" + report], env, a.test_timeout, log)
    with open(os.path.join(logs, "gpu_tests.log"), "w") as f:
        f.write(out + "\n" + err)
    if os.path.isfile(report):
        passed, failed, skipped, failing = gtest_counts(report)
    else:
        passed, failed, skipped, failing = 0, 1, 0, ["gpu_tests (exit %d, no report: see gpu_tests.log)" % code]
    print("gpu_tests: %d passed, %d failed, %d skipped (%.0fs)" % (passed, failed, skipped, time.time() - started),
          flush=True)

    # 2. Kernels against PyTorch.
    code, out, _ = run([a.python, "-c", "import torch,sys; print(torch.__version__); "
                        "sys.exit(0 if torch.cuda.is_available() else 1)"], env, 120, log)
    peer_ok, torch_version = code == 0, out.strip()
    peer_env = dict(env)
    peer_env.pop("LD_LIBRARY_PATH", None)  # PyTorch brings its own CUDA libraries
    kernel_rows = []
    for kernel, args in KERNELS:
        _, out, err = run([nimbus, "bench", kernel, *args, "--device", "cuda", "--json"], env, 120, log)
        ours = last_json(out)
        theirs = None
        if peer_ok:
            _, pout, _ = run([a.python, os.path.join(ROOT, "bench", "peers", "torch_gpu_peer.py"), kernel, *args],
                             peer_env, 120, log)
            theirs = last_json(pout)
        note = "" if ours else (err.strip().splitlines() or ["failed"])[-1][:120]
        kernel_rows.append((kernel, args, ours, theirs, note))

    # 3. Training steps against PyTorch.
    train_rows = []
    for workload in WORKLOADS:
        _, out, err = run([nimbus, "bench", "train", "--workload", workload, "--device", "cuda", "--seconds",
                           a.seconds, "--json"], env, 120, log)
        ours = last_json(out)
        theirs = None
        if peer_ok:
            _, pout, _ = run([a.python, os.path.join(ROOT, "bench", "peers", "torch_train_peer.py"), "--workload",
                              workload, "--device", "cuda", "--threads", "1", "--seconds", a.seconds], peer_env, 180, log)
            theirs = last_json(pout)
        note = "" if ours else (err.strip().splitlines() or ["failed"])[-1][:120]
        train_rows.append((workload, ours, theirs, note))

    # 4. The example configs trained end to end on the GPU (data loading, eval and checkpoints included).
    example_rows = []
    for config, overrides in EXAMPLES:
        run_dir = os.path.join(logs, "run-" + os.path.splitext(config)[0])
        sets = [arg for o in overrides + ["checkpoint.dir=" + run_dir] for arg in ("--set", o)]
        _, out, err = run([nimbus, "train", os.path.join(ROOT, "examples", "configs", config), "--device", "cuda",
                           "--json", *sets], env, 180, log)
        label = config + "".join(" " + o for o in overrides)
        example_rows.append((label, last_json(out), (err.strip().splitlines() or ["failed"])[-1][:120]))
        subprocess.run(["rm", "-rf", run_dir])

    _, out, _ = run([nimbus, "bench", "alloc", "--n", str(1 << 20), "--device", "cuda", "--json"], env, 60, log)
    alloc = last_json(out)
    _, out, _ = run([nimbus, "bench", "alloc", "--n", str(1 << 20), "--device", "cpu", "--json"], env, 60, log)
    alloc_cpu = last_json(out)

    copy_rate = next((median_rate(o) for k, _, o, _, _ in kernel_rows if k == "copy" and o), None)
    lines = []
    lines.append("| kernel | shape | dtype | nimbus ms | torch ms | nimbus rate | torch rate | nimbus/torch time | "
                 "% of nimbus copy |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for kernel, args, ours, theirs, note in kernel_rows:
        dtype = args[args.index("--dtype") + 1]
        unit = "GFLOP/s" if kernel == "gemm" else "GB/s"
        if ours is None:
            lines.append("| %s | %s | %s | failed: %s | | | | | |" % (kernel, " ".join(args), dtype, note))
            continue
        ratio = "%.2f" % (ours["median_ms"] / theirs["median_ms"]) if theirs else ""
        of_copy = "%.0f%%" % (100 * median_rate(ours) / copy_rate) if copy_rate and unit == "GB/s" else ""
        lines.append("| %s | %s | %s | %.3f | %s | %.0f %s | %s | %s | %s |" % (
            kernel, ours["shape"], dtype, ours["median_ms"], "%.3f" % theirs["median_ms"] if theirs else "",
            median_rate(ours), unit, "%.0f %s" % (median_rate(theirs), unit) if theirs else "", ratio, of_copy))
    lines.append("")
    lines.append("| train workload | nimbus ms/step | torch ms/step | nimbus/torch |")
    lines.append("|---|---|---|---|")
    for workload, ours, theirs, note in train_rows:
        if ours is None:
            lines.append("| %s | failed: %s | %s | |" % (workload, note, "%.2f" % theirs["ms_per_step"] if theirs else ""))
            continue
        lines.append("| %s | %.2f | %s | %s |" % (
            workload, ours["ms_per_step"], "%.2f" % theirs["ms_per_step"] if theirs else "",
            "%.2f" % (ours["ms_per_step"] / theirs["ms_per_step"]) if theirs else ""))
    lines.append("")
    lines.append("| example config on cuda | steps | seconds | val accuracy | test accuracy | val loss |")
    lines.append("|---|---|---|---|---|---|")
    for config, result, note in example_rows:
        if result is None:
            lines.append("| %s | failed: %s | | | | |" % (config, note))
            continue
        accuracy = lambda key: "%.4f" % result[key] if key in result else ""
        lines.append("| %s | %d | %.1f | %s | %s | %.4f |" % (config, result["steps"], result["seconds"],
                     accuracy("val_accuracy"), accuracy("test_accuracy"), result.get("val_loss", float("nan"))))
    lines.append("")
    lines.append("Caching allocator, one allocate/free pair of 1 MiB (host time, median): cuda %s, cpu %s" % (
        "%.0f ns" % alloc["ns_per_pair"] if alloc else "failed", "%.0f ns" % alloc_cpu["ns_per_pair"] if alloc_cpu else "failed"))
    table = "\n".join(lines)

    today = datetime.date.today().isoformat()
    slug = re.sub(r"[^a-z0-9]+", "-", facts["name"].lower()).strip("-")
    path = os.path.join(a.results, "gpu-%s-%s.md" % (today, slug))
    with open(path, "w") as f:
        f.write("# GPU check %s on %s\n\n" % (today, facts["name"]))
        f.write("- commit %s; binaries: %s\n" % (commit, built))
        f.write("- device %s, driver %s, memory %s\n" % (facts["name"], facts["driver"], facts["memory"]))
        f.write("- peer: %s\n" % ("PyTorch %s" % torch_version if peer_ok else "none (no PyTorch with CUDA)"))
        f.write("- gpu_tests: %d passed, %d failed, %d skipped\n" % (passed, failed, skipped))
        for name in failing[:50]:
            f.write("  - failed: %s\n" % name)
        f.write("- medians of 20 timed runs after 3 warm-ups (events); rates at the median; "
                "train: median step over %s s\n\n" % a.seconds)
        f.write(table + "\n\n")
        f.write("Reproduce: `make gpu-check` (or `python3 tools/gpu/check.py --bundle gpu-bundle`). "
                "Total %.0f s.\n" % (time.time() - started))
        f.write("\n`nimbus info`:\n\n```\n%s\n```\n" % (info.strip() or info_err.strip()))
    print("\n" + table)
    print("\ncheck.py: wrote %s; gpu_tests %d passed, %d failed, %d skipped; %.0f s" %
          (os.path.relpath(path, ROOT), passed, failed, skipped, time.time() - started))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
