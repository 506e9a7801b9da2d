#!/usr/bin/env python3
"""PyTorch on the GPU for the kernels of `nimbus bench --device cuda`: the same op, sizes and dtype,
timed the same way (CUDA events around each run after warm-up, median and best of --repeat runs),
one JSON line in the format of `nimbus bench --json` so tools/gpu/check.py can put them side by
side. GEMM goes to cuBLAS through torch.matmul, so its rate is the cuBLAS reference; `copy` is a
device-to-device copy, the bandwidth ceiling the elementwise and reduction kernels are held to.

Usage: torch_gpu_peer.py KERNEL [--m M --n N --k K] [--dtype f32|f16|bf16] [--repeat 20] [--warmup 3]
KERNEL: gemm, add, mul_scalar, exp, sum, softmax, copy.
"""
import argparse
import json
import statistics
import sys

try:
    import torch
except ImportError:
    sys.exit("torch_gpu_peer.py: PyTorch is missing")

DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16, "f64": torch.float64}


def workload(kernel, m, n, k, dtype):
    """(run, flops, bytes, shape) as in tools/bench_command.cpp's make_workload."""
    dev, elem = "cuda", torch.tensor([], dtype=dtype).element_size()
    if kernel == "gemm":
        a, b = torch.randn(m, k, device=dev, dtype=dtype), torch.randn(k, n, device=dev, dtype=dtype)
        return (lambda: torch.matmul(a, b)), 2.0 * m * n * k, 0, "%dx%dx%d" % (m, n, k)
    if kernel == "softmax":
        x = torch.randn(m, n, device=dev, dtype=dtype)
        return (lambda: torch.softmax(x, 1)), 0, 2.0 * m * n * elem, "%dx%d" % (m, n)
    a = torch.randn(n, device=dev, dtype=dtype)
    if kernel == "add":
        b = torch.randn(n, device=dev, dtype=dtype)
        return (lambda: torch.add(a, b)), 0, 3.0 * n * elem, str(n)
    if kernel == "mul_scalar":
        return (lambda: a * 2.0), 0, 2.0 * n * elem, str(n)
    if kernel == "exp":
        return (lambda: torch.exp(a)), 0, 2.0 * n * elem, str(n)
    if kernel == "sum":
        return (lambda: torch.sum(a)), 0, 1.0 * n * elem, str(n)
    if kernel == "copy":
        dst = torch.empty_like(a)
        return (lambda: dst.copy_(a)), 0, 2.0 * n * elem, str(n)
    raise SystemExit("torch_gpu_peer.py: unknown kernel '%s'" % kernel)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kernel")
    p.add_argument("--m", type=int, default=1024)
    p.add_argument("--n", type=int, default=1024)
    p.add_argument("--k", type=int, default=1024)
    p.add_argument("--dtype", default="f32", choices=sorted(DTYPES))
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    a = p.parse_args()
    if not torch.cuda.is_available():
        sys.exit("torch_gpu_peer.py: this PyTorch sees no CUDA device")
    # As nimbus: no TF32 for f32 GEMM unless asked for.
    torch.backends.cuda.matmul.allow_tf32 = False
    run, flops, nbytes, shape = workload(a.kernel, a.m, a.n, a.k, DTYPES[a.dtype])
    for _ in range(a.warmup):
        run()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    ms = []
    for _ in range(a.repeat):
        start.record()
        run()
        stop.record()
        stop.synchronize()
        ms.append(start.elapsed_time(stop))
    best = min(ms)
    out = {"kernel": a.kernel, "device": "cuda:0", "dtype": a.dtype, "shape": shape,
           "median_ms": statistics.median(ms), "best_ms": best, "runs": a.repeat,
           "peer": "torch " + torch.__version__}
    if flops > 0:
        out["gflops"] = flops / (best * 1e-3) / 1e9
    else:
        out["gbps"] = nbytes / (best * 1e-3) / 1e9
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
