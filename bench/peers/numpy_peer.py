#!/usr/bin/env python3
"""NumPy beside nimbus on the same work, in the same run: f32 GEMM and elementwise add.

Times NumPy (best and median of N runs after warm-up), runs `nimbus bench ... --json` for the same
sizes, and prints both with the ratio nimbus/NumPy (>1 means nimbus is faster). With --save DIR it
also writes the figures as one JSON file (machine, date, commit) into DIR.

Usage: numpy_peer.py NIMBUS_BINARY [--m 1024 --n 1024 --k 1024] [--elements 67108864] [--save DIR]
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

from peer_timing import run_nimbus, time_calls

try:
    import numpy as np
except ImportError:
    sys.exit("numpy_peer.py: NumPy is missing; install it with `python3 -m pip install numpy`")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nimbus")
    parser.add_argument("--m", type=int, default=1024)
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--k", type=int, default=1024)
    parser.add_argument("--elements", type=int, default=1 << 26)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--save", help="folder for a JSON record of this run")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    a = rng.standard_normal((args.m, args.k), dtype=np.float32)
    b = rng.standard_normal((args.k, args.n), dtype=np.float32)
    np_gemm = time_calls(lambda: a @ b, args.repeat)
    nb_gemm = run_nimbus(args.nimbus, ["gemm", "--m", str(args.m), "--n", str(args.n), "--k", str(args.k),
                                       "--repeat", str(args.repeat)])
    flops = 2.0 * args.m * args.n * args.k
    np_gflops = flops / (np_gemm[1] * 1e-3) / 1e9

    x = rng.standard_normal(args.elements, dtype=np.float32)
    y = rng.standard_normal(args.elements, dtype=np.float32)
    np_add = time_calls(lambda: np.add(x, y), args.repeat)
    nb_add = run_nimbus(args.nimbus, ["add", "--n", str(args.elements), "--repeat", str(args.repeat)])
    nb_copy = run_nimbus(args.nimbus, ["copy", "--n", str(args.elements), "--repeat", str(args.repeat)])
    nb_stream = run_nimbus(args.nimbus, ["stream_copy", "--n", str(args.elements), "--repeat", str(args.repeat)])
    np_gbps = 3.0 * 4 * args.elements / (np_add[1] * 1e-3) / 1e9

    rows = [
        ("gemm f32 %dx%dx%d" % (args.m, args.n, args.k), "GFLOP/s", nb_gemm["gflops"], np_gflops,
         nb_gemm["median_ms"], np_gemm[0]),
        ("add f32 n=%d" % args.elements, "GB/s", nb_add["gbps"], np_gbps, nb_add["median_ms"], np_add[0]),
    ]
    print("%-28s %-8s %10s %10s %8s %12s %12s" % ("work", "unit", "nimbus", "numpy", "ratio", "nimbus_med", "numpy_med"))
    for name, unit, ours, theirs, our_med, their_med in rows:
        print("%-28s %-8s %10.1f %10.1f %8.2f %10.2fms %10.2fms" % (name, unit, ours, theirs, ours / theirs,
                                                                     our_med, their_med))
    for name, base in (("parallel memcpy", nb_copy), ("STREAM copy loop", nb_stream)):
        print("add vs %s: %.1f / %.1f GB/s = %.0f%%" % (name, nb_add["gbps"], base["gbps"],
                                                       100.0 * nb_add["gbps"] / base["gbps"]))

    if args.save:
        os.makedirs(args.save, exist_ok=True)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        record = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "commit": commit, "machine": platform.machine(), "cpu": cpu_model(),
            "cores": os.cpu_count(), "numpy": np.__version__,
            "blas": json.loads(subprocess.run([args.nimbus, "info", "--json"], check=True, capture_output=True,
                                              text=True).stdout)["blas"],
            "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE", ""),
            "gemm": {"nimbus": nb_gemm, "numpy_gflops": np_gflops, "numpy_median_ms": np_gemm[0],
                     "ratio": nb_gemm["gflops"] / np_gflops},
            "add": {"nimbus": nb_add, "numpy_gbps": np_gbps, "numpy_median_ms": np_add[0],
                    "ratio": nb_add["gbps"] / np_gbps},
            "copy_baseline": nb_copy, "stream_copy_baseline": nb_stream,
            "add_over_memcpy": nb_add["gbps"] / nb_copy["gbps"],
            "add_over_stream_copy": nb_add["gbps"] / nb_stream["gbps"],
        }
        path = os.path.join(args.save, "cpu-%s.json" % datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S"))
        with open(path, "w") as f:
            json.dump(record, f, indent=2)
        print("saved", path)


if __name__ == "__main__":
    main()
