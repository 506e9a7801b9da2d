#!/usr/bin/env python3
"""PyTorch (CPU) beside nimbus on the same work, in the same run: conv2d forward and backward on a
ResNet-like layer, and a row softmax. Prints both timings and the ratio nimbus/PyTorch in
throughput (>1 means nimbus is faster); --save DIR writes a JSON record into DIR.

Needs PyTorch (Debian's python3-torch, or PyPI). Usage:
  torch_peer.py NIMBUS_BINARY [--batch 8] [--channels 64] [--size 56] [--save DIR]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

from peer_timing import run_nimbus, time_calls

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit("torch_peer.py: PyTorch is missing (apt-get install python3-torch, or pip install torch)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nimbus")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--size", type=int, default=56)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--save")
    a = parser.parse_args()
    torch.set_grad_enabled(False)
    torch.set_num_threads(os.cpu_count() or 1)  # the same cores nimbus uses
    x = torch.randn(a.batch, a.channels, a.size, a.size)
    w = torch.randn(a.channels, a.channels, 3, 3)
    flops = 2.0 * a.batch * a.channels * a.size * a.size * a.channels * 9
    fwd = time_calls(lambda: F.conv2d(x, w, padding=1), a.repeat)
    xg = x.clone().requires_grad_(True)
    wg = w.clone().requires_grad_(True)
    with torch.enable_grad():
        y = F.conv2d(xg, wg, padding=1)
    g = torch.randn_like(y)

    def backward():
        with torch.enable_grad():
            torch.autograd.grad(y, (xg, wg), g, retain_graph=True)
    bwd = time_calls(backward, a.repeat)
    rows, cols = 4096, 768
    s = torch.randn(rows, cols)
    sm = time_calls(lambda: torch.softmax(s, 1), a.repeat)

    sizes = ["--batch", str(a.batch), "--in-channels", str(a.channels), "--out-channels", str(a.channels),
             "--size", str(a.size), "--kernel-size", "3", "--repeat", str(max(a.repeat, 10))]
    ours_fwd = run_nimbus(a.nimbus, ["conv2d", *sizes])
    ours_bwd = run_nimbus(a.nimbus, ["conv2d_backward", *sizes])
    ours_sm = run_nimbus(a.nimbus, ["softmax", "--m", str(rows), "--n", str(cols), "--repeat", str(max(a.repeat, 10))])
    rows_out = [
        ("conv2d forward", flops / (fwd[1] * 1e-3) / 1e9, ours_fwd["gflops"], "GFLOP/s", fwd[0], ours_fwd["median_ms"]),
        ("conv2d backward", 2 * flops / (bwd[1] * 1e-3) / 1e9, ours_bwd["gflops"], "GFLOP/s", bwd[0],
         ours_bwd["median_ms"]),
        ("softmax 4096x768", 2 * 4 * rows * cols / (sm[1] * 1e-3) / 1e9, ours_sm["gbps"], "GB/s", sm[0],
         ours_sm["median_ms"]),
    ]
    print("torch %s, %d threads; conv [%d,%d,%d,%d] x [%d,%d,3,3]" % (torch.__version__, torch.get_num_threads(),
                                                                    a.batch, a.channels, a.size, a.size,
                                                                    a.channels, a.channels))
    print("%-18s %-8s %10s %10s %7s %12s %12s" % ("work", "unit", "nimbus", "torch", "ratio", "nimbus_med", "torch_med"))
    for name, theirs, ours, unit, their_med, our_med in rows_out:
        print("%-18s %-8s %10.1f %10.1f %7.2f %10.2fms %10.2fms" % (name, unit, ours, theirs, ours / theirs, our_med,
                                                                     their_med))
    if a.save:
        os.makedirs(a.save, exist_ok=True)
        path = os.path.join(a.save, "torch-cpu-%s.json" % datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S"))
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        with open(path, "w") as f:
            json.dump({"commit": commit, "torch": torch.__version__, "threads": torch.get_num_threads(),
                       "rows": [dict(zip(["work", "torch", "nimbus", "unit", "torch_median_ms", "nimbus_median_ms"], r))
                                for r in rows_out]}, f, indent=2)
        print("saved", path)


if __name__ == "__main__":
    main()
