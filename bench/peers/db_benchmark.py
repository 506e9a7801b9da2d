#!/usr/bin/env python3
"""The db-benchmark group-by and join questions in Nimbus, DuckDB, Polars and pandas, in one run.

    python3 bench/peers/db_benchmark.py [--nimbus build/bin/nimbus] [--rows 1e6] [--repeat 3]

Writes the tables as CSV (seeded; bench/peers/db_benchmark/datagen.py) into a scratch folder
(--data-dir, not committed; kept and reused for the same --rows and --seed), then for each task
runs every engine in a process of its own: the engine reads the CSV files (timed apart from the
questions), then runs each question --repeat times; the median is reported. Nimbus runs through
`nimbus bench sql`. Every engine's answer is checked against DuckDB's (check.py), and a question
an engine cannot run is reported with its error. Prints a table and, unless --no-save, writes
bench/results/db-benchmark-DATE-ROWS.md (machine, versions, method, tables) and a .jsonl with
every timed run.

duckdb, polars, pandas, pyarrow and numpy come from bench/peers/.venv, created here if missing.
"""
import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV = os.path.join(HERE, ".venv")
PACKAGES = ["duckdb", "polars", "pandas", "pyarrow", "numpy"]
ENGINES = ["nimbus", "duckdb", "polars", "pandas"]
BUSY_CORES = 0.2  # other processes' CPU use (cores) above which a run is reported as contended


def ensure_packages():
    """Re-runs this script under bench/peers/.venv when the packages are not importable here."""
    try:
        for p in PACKAGES:
            __import__(p)
        return
    except ImportError:
        pass
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV) and os.path.exists(python):
        subprocess.run([python, "-m", "pip", "install", "-q", *PACKAGES], check=True)
        return
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    check = subprocess.run([python, "-c", "import " + ", ".join(PACKAGES)], capture_output=True)
    if check.returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "-q", *PACKAGES], check=True)
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nimbus", default=os.path.join(ROOT, "build", "bin", "nimbus"), help="the nimbus binary")
    ap.add_argument("--rows", type=float, default=1e6, help="N, rows of the group-by table and of x (default 1e6)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each question (median reported)")
    ap.add_argument("--tasks", default="groupby,join")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--data-dir", default=os.path.join(HERE, ".db-benchmark-data"),
                    help="scratch folder for the CSV files and answers (not committed)")
    ap.add_argument("--results-dir", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--no-save", action="store_true", help="print the table only")
    ap.add_argument("--note", default="", help="a line added to the report (e.g. what else ran meanwhile)")
    # A child process running one Python engine (engines.py).
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--task", help=argparse.SUPPRESS)
    ap.add_argument("--answers", help=argparse.SUPPRESS)
    ap.add_argument("--tables", help=argparse.SUPPRESS)
    return ap.parse_args()


def rows_tag(n):
    return f"{n:.0e}".replace("e+0", "e").replace("e+", "e")


# ---- the machine, and how busy it was --------------------------------------------------------------

def cpu_jiffies():
    """(busy, total) jiffies of all CPUs since boot."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def machine_info():
    info = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
        with open("/proc/meminfo") as f:
            info["memory_gb"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, StopIteration):
        pass
    return info


def versions(binary, engines):
    out = {}
    if "nimbus" in engines:
        text = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        out["nimbus"] = text.removeprefix("nimbus ")
    for p in ("duckdb", "polars", "pandas", "pyarrow", "numpy"):
        out[p] = __import__(p).__version__
    return out


# ---- running -------------------------------------------------------------------------------------

def run_task(task, paths, args, engines):
    """{engine: {"tables": {...}, "questions": {q: record}, "others_cores", "rc", "stderr"}}."""
    from db_benchmark import engines as engine_runs
    results = {}
    clk = os.sysconf("SC_CLK_TCK")
    for engine in engines:
        answers = os.path.join(args.data_dir, "answers", rows_tag(args.rows), task, engine)
        for stale in (os.listdir(answers) if os.path.isdir(answers) else []):
            os.remove(os.path.join(answers, stale))
        print(f"  {task}: {engine} ...", file=sys.stderr, flush=True)
        busy0, total0 = cpu_jiffies()
        child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        records, rc, stderr = engine_runs.run_engine(engine, args.nimbus, task, paths, args.repeat, answers)
        wall = time.perf_counter() - start
        busy1, total1 = cpu_jiffies()
        child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = (child1.ru_utime + child1.ru_stime) - (child0.ru_utime + child0.ru_stime)
        # CPU time other processes used meanwhile, in cores: the machine's busy time less the engine's.
        others = max(0.0, (busy1 - busy0) / clk - own) / wall if wall > 0 else 0.0
        results[engine] = {
            "tables": {r["table"]: r for r in records if "table" in r},
            "questions": {r["query"]: r for r in records if "query" in r},
            "answers": answers, "rc": rc, "stderr": stderr[-2000:], "wall_s": wall,
            "engine_cores": own / wall if wall > 0 else 0.0, "others_cores": others,
        }
        if rc != 0:
            print(f"  {engine} exited with status {rc}: {stderr[-500:]}", file=sys.stderr)
    return results


def check_answers(task, results):
    """{(engine, question): "ok" | "mismatch: ..." | "unsupported: ..." | "missing"}."""
    from db_benchmark import check, questions
    status = {}
    ref_dir = results.get("duckdb", {}).get("answers")
    for q in questions.TASKS[task]["sql"]:
        reference = check.read_answer(ref_dir, q) if ref_dir else None
        if reference is not None:
            reference = check.Reference(reference, questions.TASKS[task]["row_keys"][q])
        for engine, res in results.items():
            record = res["questions"].get(q)
            if record is None:
                status[(engine, q)] = "missing: the engine stopped before this question"
            elif "error" in record:
                status[(engine, q)] = "unsupported: " + record["error"].splitlines()[0]
            elif engine == "duckdb":
                status[(engine, q)] = "reference"
            elif reference is None:
                status[(engine, q)] = "unchecked: no DuckDB answer"
            else:
                answer = check.read_answer(res["answers"], q)
                diff = check.compare(answer, reference) if answer is not None else "no answer file"
                status[(engine, q)] = "ok" if diff is None else "mismatch: " + diff
    return status


# ---- reporting -------------------------------------------------------------------------------------

def fmt_s(record):
    if record is None:
        return "—"
    if "error" in record:
        return "unsupported"
    return f"{record['median_s']:.3f}"


def task_table(task, results, status, engines):
    from db_benchmark import questions
    lines = ["| question | " + " | ".join(f"{e} s" for e in engines) + " | nimbus / duckdb | rows | answers |",
             "|---" * (len(engines) + 4) + "|"]
    for q in questions.TASKS[task]["sql"]:
        recs = {e: results[e]["questions"].get(q) for e in engines}
        nim, duck = recs.get("nimbus"), recs.get("duckdb")
        ratio = "—"
        if nim and duck and "median_s" in nim and "median_s" in duck and duck["median_s"] > 0:
            ratio = f"{nim['median_s'] / duck['median_s']:.2f}×"
        rows = next((r["rows"] for r in (duck, *recs.values()) if r and "rows" in r), "—")
        checks = []
        for e in engines:
            s = status.get((e, q), "")
            if e == "duckdb" or not s:
                continue
            checks.append(f"{e} {s.split(':')[0]}")
        title = questions.TASKS[task]["titles"][q]
        rows_text = f"{rows:,}" if isinstance(rows, int) else str(rows)
        lines.append(f"| {q} {title} | " + " | ".join(fmt_s(recs[e]) for e in engines)
                     + f" | {ratio} | {rows_text} | {', '.join(checks)} |")
    loads = []
    for e in engines:
        tables = results[e]["tables"]
        total = sum(t["load_s"] for t in tables.values())
        parts = ", ".join(f"{name} {t['load_s']:.2f}" for name, t in tables.items())
        loads.append(f"| {e} | {total:.2f} | {parts} |")
    load_table = ["| engine | CSV load, s | per table, s |", "|---|---|---|", *loads]
    return lines, load_table


def main():
    args = parse_args()
    if args.worker:  # a child running one Python engine
        sys.path.insert(0, HERE)
        from db_benchmark import engines as engine_runs
        engine_runs.PYTHON_ENGINES[args.worker](args.task, json.loads(args.tables), args.repeat, args.answers)
        return 0
    ensure_packages()
    sys.path.insert(0, HERE)
    from db_benchmark import datagen

    n = int(args.rows)
    engines = [e for e in args.engines.split(",") if e]
    tasks = [t for t in args.tasks.split(",") if t]
    if "nimbus" in engines and not os.access(args.nimbus, os.X_OK):
        sys.exit(f"db_benchmark.py: no nimbus binary at {args.nimbus} (build it, or pass --nimbus)")
    if "duckdb" not in engines:
        sys.exit("db_benchmark.py: DuckDB is the reference for the answer checks; keep it in --engines")
    engines = ["duckdb"] + [e for e in engines if e != "duckdb"]  # the reference answers first

    print(f"tables for N = {n:,} in {args.data_dir} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    all_paths = datagen.ensure_tables(n, args.data_dir, args.seed)
    print(f"  ready in {time.perf_counter() - start:.1f} s", file=sys.stderr)

    stamp = datetime.datetime.now()
    info = {"date": stamp.strftime("%Y-%m-%d %H:%M"), "rows": n, "repeat": args.repeat, "seed": args.seed,
            "machine": machine_info(), "versions": versions(args.nimbus, engines),
            "load_before": os.getloadavg()}
    report = {}
    for task in tasks:
        paths = all_paths[task]
        results = run_task(task, paths, args, engines)
        status = check_answers(task, results)
        report[task] = (results, status)
    info["load_after"] = os.getloadavg()
    display = ["nimbus", "duckdb", "polars", "pandas"]
    display = [e for e in display if e in engines]

    out = []
    for task in tasks:
        results, status = report[task]
        q_table, load_table = task_table(task, results, status, display)
        out += [f"### {task}, N = {n:,}", "", *q_table, "", *load_table, ""]
        problems = [f"- {e} {q}: {s}" for (e, q), s in status.items() if s not in ("ok", "reference")]
        out += ["Answer checks against DuckDB: " + ("all match." if not problems else ""), *problems, ""]
        busy = ", ".join(f"{e} {results[e]['others_cores']:.2f}" for e in display)
        out += [f"Other processes' CPU use while each engine ran (cores of {info['machine']['cpus']}): {busy}.", ""]
        if max(results[e]["others_cores"] for e in display) > BUSY_CORES:
            out += ["The machine was busy during this task (other processes used the CPU time above), so these "
                    "timings are from a contended machine: compare the engines within this run only.", ""]
    print("\n".join(out))

    if args.no_save:
        return 0
    os.makedirs(args.results_dir, exist_ok=True)
    base = os.path.join(args.results_dir, f"db-benchmark-{stamp.strftime('%Y-%m-%d')}-{rows_tag(n)}")
    with open(base + ".jsonl", "w") as f:
        for task in tasks:
            results, status = report[task]
            for engine, res in results.items():
                common = {"date": info["date"], "rows_n": n, "task": task, "engine": engine,
                          "others_cores": round(res["others_cores"], 3)}
                for table, t in res["tables"].items():
                    f.write(json.dumps({**common, "kind": "load", "table": table, "seconds": t["load_s"],
                                        "rows": t["rows"]}) + "\n")
                for q, r in res["questions"].items():
                    if "error" in r:
                        f.write(json.dumps({**common, "kind": "question", "question": q, "error": r["error"],
                                            "check": status.get((engine, q))}) + "\n")
                        continue
                    for i, s in enumerate(r["runs"]):
                        f.write(json.dumps({**common, "kind": "question", "question": q, "run": i + 1, "seconds": s,
                                            "rows": r["rows"], "check": status.get((engine, q))}) + "\n")
    m, v = info["machine"], info["versions"]
    head = [
        f"# db-benchmark group-by and join, N = {n:,} ({info['date']})", "",
        f"Machine: {m.get('cpu', '?')}, {m['cpus']} cores, {m.get('memory_gb', '?')} GB RAM; {m['platform']}; "
        f"Python {m['python']}. Load average (1, 5, 15 min) {', '.join(f'{x:.2f}' for x in info['load_before'])} "
        f"at the start, {', '.join(f'{x:.2f}' for x in info['load_after'])} at the end.", "",
        "Versions: " + "; ".join(f"{k} {val}" for k, val in v.items()) + ".", "",
        "Method: `bench/peers/db_benchmark.py` generates the db-benchmark tables (group-by G1_N_1e2_0_0, "
        "join J1_N_NA_0_0 with small/medium/big; no missing values; seed "
        f"{args.seed}) as CSV. Each engine runs in a process of its own, one after another (DuckDB first), "
        "with its default threads: it reads the CSV files once (timed apart: the load table), then runs each "
        f"question {args.repeat} times; figures are medians in seconds. Nimbus: `nimbus bench sql`; DuckDB: "
        "`CREATE TEMP TABLE ans AS <question>` (the answer materialized, as db-benchmark does); Polars: "
        "lazy queries collected to a DataFrame; pandas: eager groupby/merge (q9 from per-group sums). Strings "
        "are plain strings in every engine (no categoricals or ENUMs). Answers are checked against DuckDB's: "
        "rows sorted, numbers within 1e-9 relative.", "",
    ]
    if args.note:
        head += [args.note, ""]
    reproduce = ["Reproduce:", "", "```",
                 "cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2 --target nimbus",
                 f"python3 bench/peers/db_benchmark.py --nimbus build/bin/nimbus --rows {rows_tag(n)} "
                 f"--repeat {args.repeat}", "```", "",
                 f"(`make bench-db DB_ROWS={rows_tag(n)}` builds and runs the same with the default --repeat.)", ""]
    with open(base + ".md", "w") as f:
        f.write("\n".join(head + out + reproduce))
    print(f"wrote {os.path.relpath(base, ROOT)}.md and .jsonl", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
