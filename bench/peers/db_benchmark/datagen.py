"""The db-benchmark tables as CSV, seeded, in the shape of h2oai/db-benchmark's generators
(_data/groupby-datagen.R and _data/join-datagen.R; no missing values, rows not sorted).

Group-by, G1_N_1e2_0_0 (K = 100):
  id1, id2  'id001'..'id100' (K levels)        id4, id5  1..K
  id3       'id0000000001'.. (N/K levels)      id6       1..N/K
  v1 1..5, v2 1..15 (ints), v3 uniform on [0, 100) rounded to 6 decimals.

Join, J1_N_NA_0_0: keys for each id column come from split_xlr(n): 1.1 n distinct integers drawn
from 1..2.5 n, split into x-only "x" (0.9 n), left-only "l" (0.1 n) and right-only "r" (0.1 n)
parts. x has N rows with id1/id2 drawn (with replacement) from x+l keys of the N/1e6 and N/1e3
sets, and id3 a permutation of the N x+l keys; small (N/1e6 rows), medium (N/1e3) and big (N) draw
from the x+r keys, the table's own join key without replacement. id4..id6 are 'id' + the
integer of id1..id3; v1 and v2 are uniform on [0, 100) rounded to 1 decimal. So about 90% of x's
rows find a partner in each inner join, and each partner key appears once on the right.

The numbers differ from the R generators' (a different random stream); the shapes and
cardinalities are the same.
"""
import os

import numpy as np
import polars as pl

K = 100


def groupby_name(n):
    return f"G1_{n:.0e}_1e2_0_0".replace("e+0", "e")


def join_names(n):
    tag = lambda rows: f"{rows:.0e}".replace("e+0", "e").replace("e+", "e")
    rows = lambda divisor: max(1, round(n / divisor))  # the right-hand tables' sizes, as in write_join
    return {"x": f"J1_{tag(n)}_NA_0_0", "small": f"J1_{tag(n)}_{tag(rows(1e6))}_0_0",
            "medium": f"J1_{tag(n)}_{tag(rows(1e3))}_0_0", "big": f"J1_{tag(n)}_{tag(n)}_0_0"}


def write_groupby(n, path, seed):
    rng = np.random.default_rng(seed)
    nk = max(1, n // K)
    levels = lambda fmt, count: np.array([fmt % i for i in range(1, count + 1)], dtype=object)
    df = pl.DataFrame({
        "id1": pl.Series(levels("id%03d", K)).gather(rng.integers(0, K, n)),
        "id2": pl.Series(levels("id%03d", K)).gather(rng.integers(0, K, n)),
        "id3": pl.Series(levels("id%010d", nk)).gather(rng.integers(0, nk, n)),
        "id4": rng.integers(1, K + 1, n),
        "id5": rng.integers(1, K + 1, n),
        "id6": rng.integers(1, nk + 1, n),
        "v1": rng.integers(1, 6, n),
        "v2": rng.integers(1, 16, n),
        "v3": np.round(rng.uniform(0, 100, n), 6),
    })
    _write(df, path)


def _split_xlr(rng, n):
    nx, nl, nr = max(1, round(0.9 * n)), max(1, round(0.1 * n)), max(1, round(0.1 * n))
    keys = rng.choice(max(nx + nl + nr, int(2.5 * n)), nx + nl + nr, replace=False) + 1
    return keys[:nx], keys[nx:nx + nl], keys[nx + nl:]


def write_join(n, paths, seed):
    rng = np.random.default_rng(seed)
    k1, k2, k3 = (_split_xlr(rng, max(1, round(n / d))) for d in (1e6, 1e3, 1))
    left = lambda k: np.concatenate([k[0], k[1]])
    right = lambda k: np.concatenate([k[0], k[2]])

    def draw(keys, rows, replace):
        if replace:
            return keys[rng.integers(0, len(keys), rows)]
        assert rows <= len(keys)
        return rng.permutation(keys)[:rows]

    def table(ids, rows, value):
        df = pl.DataFrame({f"id{i}": v for i, v in ids.items()})
        strings = [(pl.lit("id") + pl.col(f"id{i}").cast(pl.String)).alias(f"id{i + 3}") for i in ids]
        return df.with_columns(*strings, pl.Series(value, np.round(rng.uniform(0, 100, rows), 1)))

    x = table({1: draw(left(k1), n, True), 2: draw(left(k2), n, True), 3: draw(left(k3), n, False)}, n, "v1")
    ns, nm = max(1, round(n / 1e6)), max(1, round(n / 1e3))
    small = table({1: draw(right(k1), ns, False)}, ns, "v2")
    medium = table({1: draw(right(k1), nm, True), 2: draw(right(k2), nm, False)}, nm, "v2")
    big = table({1: draw(right(k1), n, True), 2: draw(right(k2), n, True), 3: draw(right(k3), n, False)}, n, "v2")
    for name, df in (("x", x), ("small", small), ("medium", medium), ("big", big)):
        _write(df, paths[name])


def _write(df, path):
    tmp = path + ".tmp"
    df.write_csv(tmp)
    os.replace(tmp, path)  # a half-written file never looks finished


def ensure_tables(n, data_dir, seed):
    """Writes the CSV files that are not there yet; returns {task: {table: path}}."""
    os.makedirs(data_dir, exist_ok=True)
    groupby = {"x": os.path.join(data_dir, groupby_name(n) + ".csv")}
    join = {t: os.path.join(data_dir, name + ".csv") for t, name in join_names(n).items()}
    if not os.path.exists(groupby["x"]):
        write_groupby(n, groupby["x"], seed)
    if not all(os.path.exists(p) for p in join.values()):
        write_join(n, join, seed + 1)
    return {"groupby": groupby, "join": join}
