"""What every peer script shares: timing a Python callable, and running `nimbus bench` for the
same work so both sides are measured in one run on one machine."""
import json
import statistics
import subprocess
import time


def time_calls(fn, repeat, warmup=3):
    """Median and best wall time of `fn` in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), min(times)


def run_nimbus(binary, args):
    """The JSON record `nimbus bench ARGS --json --device cpu` prints last."""
    out = subprocess.run([binary, "bench", *args, "--json", "--device", "cpu"], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])
