#!/usr/bin/env python3
"""Word count: `nimbus mapreduce wordcount` against Python's Counter, `tr | sort | uniq -c` and DuckDB.

    python3 bench/peers/wordcount_peers.py build/bin/nimbus [--mb 1024] [--repeat 3] [--save bench/results]

The input is tinyshakespeare repeated to about --mb megabytes (written to a scratch file, not kept).
Every tool uses Nimbus's default word rule: a word is a maximal run of ASCII letters and digits,
lower-cased. Each tool's full answer (every word and its count) is checked against the Counter's;
a mismatch is reported and marks the run. Times are wall-clock medians of --repeat runs, input
read from the page cache (one untimed read first). DuckDB comes from bench/peers/.venv when the
system python has none (skipped, with a note, when neither has it).
"""
import argparse
import collections
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORD = re.compile(rb"[a-z0-9]+")


def make_input(mb, folder):
    source = os.path.join(ROOT, "examples", "data", "tinyshakespeare.txt")
    with open(source, "rb") as f:
        text = f.read()
    path = os.path.join(folder, "words.txt")
    with open(path, "wb") as out:
        for _ in range(max(1, round(mb * 2**20 / len(text)))):
            out.write(text)
    return path


def timed(fn, repeat):
    times, answer = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        answer = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), answer


def run_nimbus(nimbus, path):
    out = subprocess.run([nimbus, "mapreduce", "wordcount", path, "--format", "csv"], check=True,
                         capture_output=True).stdout.decode()
    lines = out.splitlines()[1:]
    return {w.encode(): int(c) for w, c in (line.rsplit(",", 1) for line in lines)}


def run_counter(path):
    counts = collections.Counter()
    with open(path, "rb") as f:
        for line in f:
            counts.update(WORD.findall(line.lower()))
    return dict(counts)


def run_coreutils(path):
    # Non-word bytes to newlines, squeezed; lower-case; sort; count.
    cmd = f"tr -cs 'A-Za-z0-9' '\\n' < '{path}' | tr 'A-Z' 'a-z' | LC_ALL=C sort | uniq -c"
    out = subprocess.run(["bash", "-c", cmd], check=True, capture_output=True).stdout.split(b"\n")
    counts = {}
    for line in out:
        parts = line.split()
        if len(parts) == 2:
            counts[parts[1]] = int(parts[0])
    return counts


def duckdb_runner():
    try:
        import duckdb  # noqa: F401
        return sys.executable
    except ImportError:
        venv = os.path.join(HERE, ".venv", "bin", "python")
        if os.path.exists(venv) and subprocess.run([venv, "-c", "import duckdb"], capture_output=True).returncode == 0:
            return venv
    return None


DUCKDB_SCRIPT = r"""
import duckdb, sys, json
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")  # it would print into the JSON on stdout
# Line by line (a delimiter that never occurs, no quoting), so memory stays bounded on large inputs.
rows = con.execute('''
  SELECT word, count(*) FROM (
    SELECT unnest(regexp_extract_all(lower(line), '[a-z0-9]+')) AS word
    FROM read_csv(?, columns = {'line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '', header = false,
                  auto_detect = false)
  ) GROUP BY word''', [sys.argv[1]]).fetchall()
json.dump({w: c for w, c in rows}, sys.stdout)
"""


def run_duckdb(python, path):
    out = subprocess.run([python, "-c", DUCKDB_SCRIPT, path], check=True, capture_output=True).stdout
    return {w.encode(): c for w, c in json.loads(out).items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nimbus", help="the nimbus binary")
    parser.add_argument("--mb", type=float, default=1024, help="input size in megabytes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--save", help="folder for wordcount-<date>.md and .jsonl")
    a = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="nimbus-wordcount-")
    try:
        path = make_input(a.mb, folder)
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass
        reference = None
        results = []
        tools = [("python Counter", lambda: run_counter(path))]
        tools.insert(0, ("nimbus", lambda: run_nimbus(a.nimbus, path)))
        if shutil.which("tr") and shutil.which("sort"):
            tools.append(("tr | sort | uniq -c", lambda: run_coreutils(path)))
        duck = duckdb_runner()
        if duck:
            tools.append(("duckdb", lambda: run_duckdb(duck, path)))
        answers = {}
        for name, fn in tools:
            seconds, answer = timed(fn, a.repeat)
            answers[name] = answer
            results.append({"tool": name, "seconds": seconds, "mb": size / 2**20})
            print(f"{name:22s} {seconds:8.3f} s  {size / 2**20 / seconds:8.1f} MB/s", flush=True)
        reference = answers["python Counter"]
        for r in results:
            r["answer"] = "ok" if answers[r["tool"]] == reference else "MISMATCH"
            if r["answer"] != "ok":
                print(f"{r['tool']}: answer differs from the Counter's", file=sys.stderr)
        nimbus_s = next(r["seconds"] for r in results if r["tool"] == "nimbus")
        if a.save:
            stamp = datetime.date.today().isoformat()
            with open(os.path.join(a.save, f"wordcount-{stamp}.jsonl"), "a") as f:
                for r in results:
                    f.write(json.dumps(r) + "\n")
            with open(os.path.join(a.save, f"wordcount-{stamp}.md"), "w") as f:
                f.write(f"# Word count, {size / 2**20:.0f} MB of tinyshakespeare ({stamp})\n\n")
                f.write(f"Machine: {platform.machine()}, {os.cpu_count()} cores; load average at the end "
                        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}. Medians of {a.repeat} runs, input in the "
                        "page cache. Reproduce: `python3 bench/peers/wordcount_peers.py build/bin/nimbus "
                        f"--mb {a.mb:g} --repeat {a.repeat}`.\n\n")
                f.write("| tool | seconds | MB/s | time / nimbus | answer |\n|---|---|---|---|---|\n")
                for r in results:
                    tool = r["tool"].replace("|", "\\|")  # a pipe would end the table cell
                    f.write(f"| {tool} | {r['seconds']:.3f} | {r['mb'] / r['seconds']:.1f} | "
                            f"{r['seconds'] / nimbus_s:.2f}× | {r['answer']} |\n")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
