#!/usr/bin/env python3
"""PyTorch (CPU) on the training steps of `nimbus bench train`: the same three workloads (the model
definitions are make_model_fixtures.py's, the twins of nimbus's model zoo), the same step (zero
grad, forward, cross-entropy, backward, optimizer update, the loss read back), the same batch
sizes and optimizers as models/runner/bench_workloads.cpp; change both together.

Each workload is timed at every thread count in --threads and the fastest is reported: one JSON
line per workload, {"workload", "ms_per_step" (median over at least --seconds of steps after
warm-up), "best_ms", "steps", "threads", "device", "torch", "ms_per_step_by_threads"}, in the
format of `nimbus bench train --json` so the two can be put side by side.

Needs PyTorch (Debian's python3-torch, or PyPI). Usage:
  torch_train_peer.py [--workload mlp|cnn|gpt|all] [--seconds 3] [--threads 1,2] [--device cpu|cuda]
On cuda the model and the batches live on the GPU; the loss read back each step synchronizes, so
the wall time of a step is its device time.
"""
import argparse
import itertools
import json
import math
import sys

from peer_timing import time_calls

try:
    import torch
except ImportError:
    sys.exit("torch_train_peer.py: PyTorch is missing (apt-get install python3-torch, or pip install torch)")

from make_model_fixtures import Cnn, Gpt, Mlp, loss_of

WORKLOADS = ("mlp", "cnn", "gpt")
DISTINCT_BATCHES = 8  # nimbus's synthetic training split holds 8 batches; cycling them costs nothing
MIN_STEPS = 5         # as nimbus: enough timed steps for a median even when a step is slow


def build(workload, device="cpu"):
    """(model, optimizer, batches) of one workload, as in models/runner/bench_workloads.cpp."""
    if workload == "mlp":
        model, batch = Mlp(784, [1024, 1024], 10), 256
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        batches = [(torch.randn(batch, 784), torch.randint(0, 10, (batch,))) for _ in range(DISTINCT_BATCHES)]
    elif workload == "cnn":
        model, batch = Cnn((1, 28, 28), [32, 64], kernel_size=3, fc_width=128, classes=10), 64
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        batches = [(torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))) for _ in range(DISTINCT_BATCHES)]
    elif workload == "gpt":
        vocab, context, batch = 65, 128, 16
        model = Gpt(vocab=vocab, layers=4, width=256, heads=4, context=context)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
        batches = [(torch.randint(0, vocab, (batch, context)), torch.randint(0, vocab, (batch, context)))
                   for _ in range(DISTINCT_BATCHES)]
    else:
        raise ValueError("unknown workload '%s' (expected %s)" % (workload, ", ".join(WORKLOADS)))
    if device != "cpu":
        # The optimizer holds the parameters themselves, which .to() moves in place.
        model.to(device)
        batches = [(x.to(device), y.to(device)) for x, y in batches]
    return model.train(), optimizer, batches


def time_steps(workload, threads, seconds, warmup, device="cpu"):
    """Median and best ms per step, and the number of timed steps, at `threads` threads."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model, optimizer, batches = build(workload, device)
    cycle = itertools.cycle(batches)

    def step():
        inputs, targets = next(cycle)
        optimizer.zero_grad()
        loss = loss_of(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    # The warm-up doubles as a probe of the step time, which sets how many steps fill `seconds`.
    probe_median, _ = time_calls(step, 3, warmup=warmup)
    steps = max(MIN_STEPS, math.ceil(seconds * 1e3 / probe_median))
    median, best = time_calls(step, steps, warmup=0)
    return median, best, steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="all", choices=WORKLOADS + ("all",))
    parser.add_argument("--seconds", type=float, default=3.0, help="time steps for at least this long")
    parser.add_argument("--threads", default="1,2", help="thread counts to try, comma-separated")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before timing")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    a = parser.parse_args()
    if a.device != "cpu" and not torch.cuda.is_available():
        sys.exit("torch_train_peer.py: --device %s, but this PyTorch sees no CUDA device" % a.device)
    try:
        thread_counts = [int(t) for t in a.threads.split(",")]
    except ValueError:
        parser.error("--threads: expected comma-separated integers such as 1,2, got '%s'" % a.threads)
    if not thread_counts or min(thread_counts) < 1:
        parser.error("--threads: every count must be at least 1, got '%s'" % a.threads)
    if a.seconds <= 0:
        parser.error("--seconds must be positive, got %s" % a.seconds)
    for workload in (WORKLOADS if a.workload == "all" else (a.workload,)):
        by_threads = {t: time_steps(workload, t, a.seconds, a.warmup, a.device) for t in thread_counts}
        threads = min(by_threads, key=lambda t: by_threads[t][0])
        median, best, steps = by_threads[threads]
        print(json.dumps({"workload": workload, "ms_per_step": median, "best_ms": best, "steps": steps,
                          "threads": threads, "device": a.device, "torch": torch.__version__,
                          "ms_per_step_by_threads": {str(t): r[0] for t, r in by_threads.items()}}), flush=True)


if __name__ == "__main__":
    main()
