"""One engine's run of one task: load every table once (timed apart), then time each question
`repeat` times and keep the last answer as Parquet for the answer check.

Each Python engine runs in a process of its own (`db_benchmark.py --worker ENGINE ...`), so one
engine's memory and threads never share a process with another's. Records go to stdout as JSON
lines, the shape `nimbus bench sql --json` prints: {"table", "load_s", "rows"} per table, then
{"query", "runs", "median_s", "best_s", "rows"} or {"query", "error"} per question.
"""
import json
import os
import statistics
import subprocess
import sys
import time

from . import questions


def _emit(record):
    print(json.dumps(record), flush=True)


def _time_question(name, fn, repeat, save):
    runs, answer = [], None
    try:
        for _ in range(repeat):
            answer = None  # the previous answer is freed before the next run, as in the other engines
            start = time.perf_counter()
            answer = fn()
            runs.append(time.perf_counter() - start)
    except Exception as e:  # noqa: BLE001 - any failure is reported and the next question runs
        _emit({"query": name, "error": f"{type(e).__name__}: {e}"})
        return
    rows = save(name, answer)
    _emit({"query": name, "runs": runs, "median_s": statistics.median(runs), "best_s": min(runs), "rows": rows})


def _load(name, fn):
    start = time.perf_counter()
    table = fn()
    return table, time.perf_counter() - start


def run_duckdb(task, paths, repeat, answers_dir):
    import duckdb
    con = duckdb.connect()
    for name, path in paths.items():
        start = time.perf_counter()
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto('{path}')")
        seconds = time.perf_counter() - start
        _emit({"table": name, "load_s": seconds, "rows": con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]})

    def save(q, _):
        con.execute(f"COPY ans TO '{os.path.join(answers_dir, q + '.parquet')}' (FORMAT PARQUET)")
        return con.execute("SELECT count(*) FROM ans").fetchone()[0]

    for q, sql in questions.TASKS[task]["sql"].items():
        # The answer is materialized as a table, as db-benchmark's DuckDB script does.
        _time_question(q, lambda sql=sql: con.execute(f"CREATE OR REPLACE TEMP TABLE ans AS {sql}"), repeat, save)


def run_polars(task, paths, repeat, answers_dir):
    import polars as pl
    tables = {}
    for name, path in paths.items():
        tables[name], seconds = _load(name, lambda path=path: pl.read_csv(path))
        _emit({"table": name, "load_s": seconds, "rows": tables[name].height})

    def save(q, df):
        df.write_parquet(os.path.join(answers_dir, q + ".parquet"))
        return df.height

    fns = questions.groupby_polars(tables["x"]) if task == "groupby" else questions.join_polars(tables)
    for q in questions.TASKS[task]["sql"]:
        _time_question(q, fns[q], repeat, save)


def run_pandas(task, paths, repeat, answers_dir):
    import pandas as pd
    tables = {}
    for name, path in paths.items():
        tables[name], seconds = _load(name, lambda path=path: pd.read_csv(path))
        _emit({"table": name, "load_s": seconds, "rows": len(tables[name])})

    def save(q, df):
        df.reset_index(drop=True).to_parquet(os.path.join(answers_dir, q + ".parquet"), index=False)
        return len(df)

    fns = questions.groupby_pandas(tables["x"]) if task == "groupby" else questions.join_pandas(tables)
    for q in questions.TASKS[task]["sql"]:
        _time_question(q, fns[q], repeat, save)


PYTHON_ENGINES = {"duckdb": run_duckdb, "polars": run_polars, "pandas": run_pandas}


def nimbus_command(binary, task, paths, repeat, answers_dir):
    command = [binary, "bench", "sql", "--json", "--repeat", str(repeat), "--output-dir", answers_dir]
    for name, path in paths.items():
        command += ["--table", f"{name}={path}"]
    for q, sql in questions.TASKS[task]["sql"].items():
        command += ["--query", f"{q}={sql}"]
    return command


def worker_command(engine, task, paths, repeat, answers_dir):
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "db_benchmark.py")
    return [sys.executable, script, "--worker", engine, "--task", task, "--repeat", str(repeat),
            "--answers", answers_dir, "--tables", json.dumps(paths)]


def run_engine(engine, binary, task, paths, repeat, answers_dir):
    """Runs one engine on one task in a child process; returns its records and its exit status."""
    os.makedirs(answers_dir, exist_ok=True)
    if engine == "nimbus":
        command = nimbus_command(binary, task, paths, repeat, answers_dir)
    else:
        command = worker_command(engine, task, paths, repeat, answers_dir)
    proc = subprocess.run(command, capture_output=True, text=True)
    records = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            records.append(json.loads(line))
    return records, proc.returncode, proc.stderr.strip()
