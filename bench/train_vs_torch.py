#!/usr/bin/env python3
"""Training steps of `nimbus bench train` beside PyTorch, alternating, for ratios on a noisy machine.

Machines here are shared: a quiet minute and a busy one differ by more than most changes. So the
binaries (one or more nimbus builds, e.g. the tree before and after a change) and the PyTorch peer
(bench/peers/torch_train_peer.py) take turns on each workload in every round, and the table
compares medians of the per-round medians. Every run is one JSON line in --out, with the round,
the binary and the load average at its start, so a reader can drop busy rounds.

Usage:
  bench/train_vs_torch.py --nimbus after=build/bin/nimbus [--nimbus before=OTHER/bin/nimbus]
      [--workloads mlp,cnn,gpt] [--rounds 6] [--threads 2] [--out bench/results/FILE.jsonl]
The peer runs on the python3 that has PyTorch (Debian's python3-torch lives in /usr/bin/python3).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "peers", "torch_train_peer.py")


def torch_python():
    for candidate in (sys.executable, "python3", "/usr/bin/python3"):
        if subprocess.run([candidate, "-c", "import torch"], capture_output=True).returncode == 0:
            return candidate
    sys.exit("train_vs_torch.py: no python3 with PyTorch (apt-get install python3-torch)")


def last_json_line(text, what):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    sys.exit(f"train_vs_torch.py: {what} printed no JSON line:\n{text}")


def run(command, what):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"train_vs_torch.py: {what} failed ({done.returncode}):\n{done.stderr}")
    return last_json_line(done.stdout, what)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nimbus", action="append", required=True, metavar="LABEL=PATH",
                        help="a nimbus binary to time, with a label (repeatable)")
    parser.add_argument("--workloads", default="mlp,cnn,gpt")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--threads", default="2", help="PyTorch thread counts to try (its best is kept)")
    parser.add_argument("--out", help="append every run here as a JSON line")
    args = parser.parse_args()

    binaries = []
    for spec in args.nimbus:
        label, sep, path = spec.partition("=")
        if not sep or not label or not os.access(path, os.X_OK):
            sys.exit(f"train_vs_torch.py: --nimbus wants LABEL=PATH to an executable, got '{spec}'")
        binaries.append((label, path))
    workloads = args.workloads.split(",")
    python = torch_python()
    times = {}  # (label, workload) -> per-round medians
    out = open(args.out, "a") if args.out else None
    for round_number in range(1, args.rounds + 1):
        for workload in workloads:
            commands = [(label, [path, "bench", "train", "--workload", workload, "--device", "cpu", "--json"])
                        for label, path in binaries]
            commands.append(("pytorch", [python, PEER, "--workload", workload, "--threads", args.threads]))
            for label, command in commands:
                load = os.getloadavg()[0]
                result = run(command, f"{label} {workload}")
                times.setdefault((label, workload), []).append(result["ms_per_step"])
                record = {"round": round_number, "binary": label, "load1": round(load, 2), **result}
                print(json.dumps(record), flush=True)
                if out:
                    out.write(json.dumps(record) + "\n")
                    out.flush()

    labels = [label for label, _ in binaries]
    print()
    print("| workload | " + " | ".join(f"{label}, ms/step" for label in labels + ["pytorch"]) + " | " +
          " | ".join(f"{label} / PyTorch" for label in labels) + " |")
    print("|---" * (2 * len(labels) + 2) + "|")
    for workload in workloads:
        torch_ms = statistics.median(times[("pytorch", workload)])
        ours = [statistics.median(times[(label, workload)]) for label in labels]
        print(f"| {workload} | " + " | ".join(f"{ms:.2f}" for ms in ours + [torch_ms]) + " | " +
              " | ".join(f"{ms / torch_ms:.2f}x" for ms in ours) + " |")


if __name__ == "__main__":
    main()
