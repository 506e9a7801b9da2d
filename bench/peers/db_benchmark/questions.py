"""The db-benchmark questions (h2oai/db-benchmark, "groupby" and "join" tasks), each written once
in SQL (run by Nimbus and DuckDB) and in the Polars and pandas APIs.

Every version returns the columns in the same order as the SQL, so answers can be compared
column by column. Polars uses its lazy API (collect() is part of the timed work), pandas its
usual eager calls with sort=False and as_index=False (groups in any order, as in SQL).
"""
import polars as pl

# ---- group-by: table x (G1_N_1e2_0_0) -----------------------------------------------------------

GROUPBY_SQL = {
    "q1": "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1",
    "q2": "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2",
    "q3": "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3",
    "q4": "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4",
    "q5": "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6",
    "q6": "SELECT id4, id5, median(v3) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5",
    "q7": "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3",
    "q8": ("SELECT id6, v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS rn "
           "FROM x WHERE v3 IS NOT NULL) t WHERE rn <= 2"),
    "q9": "SELECT id2, id4, power(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4",
    "q10": ("SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x "
            "GROUP BY id1, id2, id3, id4, id5, id6"),
}

GROUPBY_TITLES = {
    "q1": "sum v1 by id1",
    "q2": "sum v1 by id1:id2",
    "q3": "sum v1 mean v3 by id3",
    "q4": "mean v1:v3 by id4",
    "q5": "sum v1:v3 by id6",
    "q6": "median v3 sd v3 by id4 id5",
    "q7": "max v1 - min v2 by id3",
    "q8": "largest two v3 by id6",
    "q9": "regression v1 v2 by id2 id4",
    "q10": "sum v3 count by id1:id6",
}


def groupby_polars(x):
    """Question name -> a function of the table giving a DataFrame."""
    lx = x.lazy()
    return {
        "q1": lambda: lx.group_by("id1").agg(pl.col("v1").sum()).collect(),
        "q2": lambda: lx.group_by("id1", "id2").agg(pl.col("v1").sum()).collect(),
        "q3": lambda: lx.group_by("id3").agg(pl.col("v1").sum(), pl.col("v3").mean()).collect(),
        "q4": lambda: lx.group_by("id4").agg(pl.col("v1", "v2", "v3").mean()).collect(),
        "q5": lambda: lx.group_by("id6").agg(pl.col("v1", "v2", "v3").sum()).collect(),
        "q6": lambda: lx.group_by("id4", "id5").agg(pl.col("v3").median().alias("median_v3"),
                                                     pl.col("v3").std().alias("sd_v3")).collect(),
        "q7": lambda: lx.group_by("id3").agg((pl.col("v1").max() - pl.col("v2").min()).alias("range_v1_v2")).collect(),
        "q8": lambda: (lx.drop_nulls("v3").group_by("id6").agg(pl.col("v3").top_k(2)).explode("v3").collect()),
        "q9": lambda: lx.group_by("id2", "id4").agg((pl.corr("v1", "v2") ** 2).alias("r2")).collect(),
        "q10": lambda: lx.group_by("id1", "id2", "id3", "id4", "id5", "id6").agg(
            pl.col("v3").sum(), pl.len().alias("count")).collect(),
    }


def groupby_pandas(x):
    import pandas as pd

    def by(*keys):
        return x.groupby(list(keys), as_index=False, sort=False, observed=True)

    def q9():
        # r^2 of Pearson's correlation from per-group sums (vectorized; pandas' corr() per group
        # goes through a Python-level apply over all groups).
        s = x[["id2", "id4", "v1", "v2"]].assign(v11=x.v1 * x.v1, v22=x.v2 * x.v2, v12=x.v1 * x.v2)
        g = s.groupby(["id2", "id4"], as_index=False, sort=False, observed=True).agg(
            n=("v1", "size"), s1=("v1", "sum"), s2=("v2", "sum"), s11=("v11", "sum"), s22=("v22", "sum"),
            s12=("v12", "sum"))
        n = g.n.astype("float64")
        cov = g.s12 - g.s1 * g.s2 / n
        var1 = g.s11 - g.s1 * g.s1 / n
        var2 = g.s22 - g.s2 * g.s2 / n
        return pd.DataFrame({"id2": g.id2, "id4": g.id4, "r2": cov * cov / (var1 * var2)})

    return {
        "q1": lambda: by("id1").agg(v1=("v1", "sum")),
        "q2": lambda: by("id1", "id2").agg(v1=("v1", "sum")),
        "q3": lambda: by("id3").agg(v1=("v1", "sum"), v3=("v3", "mean")),
        "q4": lambda: by("id4").agg(v1=("v1", "mean"), v2=("v2", "mean"), v3=("v3", "mean")),
        "q5": lambda: by("id6").agg(v1=("v1", "sum"), v2=("v2", "sum"), v3=("v3", "sum")),
        "q6": lambda: by("id4", "id5").agg(median_v3=("v3", "median"), sd_v3=("v3", "std")),
        "q7": lambda: by("id3").agg(v1=("v1", "max"), v2=("v2", "min")).assign(
            range_v1_v2=lambda d: d.v1 - d.v2)[["id3", "range_v1_v2"]],
        "q8": lambda: x[~x.v3.isna()].sort_values("v3", ascending=False).groupby(
            "id6", sort=False, observed=True).head(2)[["id6", "v3"]],
        "q9": q9,
        "q10": lambda: by("id1", "id2", "id3", "id4", "id5", "id6").agg(v3=("v3", "sum"), count=("v1", "size")),
    }


# ---- join: x (N rows) with small (N/1e6), medium (N/1e3) and big (N) ----------------------------

X_COLS = ["id1", "id2", "id3", "id4", "id5", "id6", "v1"]


JOIN_SQL = {
    "q1": "SELECT x.*, small.id4 AS small_id4, v2 FROM x JOIN small USING (id1)",
    "q2": ("SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 "
           "FROM x JOIN medium USING (id2)"),
    "q3": ("SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 "
           "FROM x LEFT JOIN medium USING (id2)"),
    "q4": ("SELECT x.*, medium.id1 AS medium_id1, medium.id2 AS medium_id2, medium.id4 AS medium_id4, v2 "
           "FROM x JOIN medium USING (id5)"),
    "q5": ("SELECT x.*, big.id1 AS big_id1, big.id2 AS big_id2, big.id4 AS big_id4, big.id5 AS big_id5, "
           "big.id6 AS big_id6, v2 FROM x JOIN big USING (id3)"),
}

JOIN_TITLES = {
    "q1": "small inner on int",
    "q2": "medium inner on int",
    "q3": "medium outer on int",
    "q4": "medium inner on factor",
    "q5": "big inner on int",
}

# The right-hand columns each question keeps, in SQL order ((table column, output name)).
JOIN_SPEC = {
    "q1": ("small", "id1", "inner", [("id4", "small_id4"), ("v2", "v2")]),
    "q2": ("medium", "id2", "inner", [("id1", "medium_id1"), ("id4", "medium_id4"), ("id5", "medium_id5"),
                                      ("v2", "v2")]),
    "q3": ("medium", "id2", "left", [("id1", "medium_id1"), ("id4", "medium_id4"), ("id5", "medium_id5"),
                                     ("v2", "v2")]),
    "q4": ("medium", "id5", "inner", [("id1", "medium_id1"), ("id2", "medium_id2"), ("id4", "medium_id4"),
                                      ("v2", "v2")]),
    "q5": ("big", "id3", "inner", [("id1", "big_id1"), ("id2", "big_id2"), ("id4", "big_id4"), ("id5", "big_id5"),
                                   ("id6", "big_id6"), ("v2", "v2")]),
}


def join_polars(tables):
    def make(q):
        right_name, key, how, keep = JOIN_SPEC[q]
        right = tables[right_name].lazy().select(key, *[pl.col(c).alias(out) for c, out in keep])
        return lambda: (tables["x"].lazy().join(right, on=key, how=how)
                        .select(*X_COLS, *[out for _, out in keep]).collect())
    return {q: make(q) for q in JOIN_SPEC}


def join_pandas(tables):
    def make(q):
        right_name, key, how, keep = JOIN_SPEC[q]
        columns, names = [key] + [c for c, _ in keep], {c: out for c, out in keep}
        return lambda: tables["x"].merge(tables[right_name][columns].rename(columns=names), on=key, how=how)[
            X_COLS + [out for _, out in keep]]
    return {q: make(q) for q in JOIN_SPEC}


# Leading answer columns that identify a row (answer checks sort by them): the group keys; for q8
# the group and the value; for the joins x.id3, unique in x, and every x row meets at most one
# row on the right (each right table's join key is unique).
GROUPBY_ROW_KEYS = {"q1": 1, "q2": 2, "q3": 1, "q4": 1, "q5": 1, "q6": 2, "q7": 1, "q8": 2, "q9": 2, "q10": 6}
JOIN_ROW_KEYS = {q: [2] for q in JOIN_SQL}  # column index of x.id3

TASKS = {
    "groupby": {"sql": GROUPBY_SQL, "titles": GROUPBY_TITLES, "tables": ["x"],
                "row_keys": {q: list(range(k)) for q, k in GROUPBY_ROW_KEYS.items()}},
    "join": {"sql": JOIN_SQL, "titles": JOIN_TITLES, "tables": ["x", "small", "medium", "big"],
             "row_keys": JOIN_ROW_KEYS},
}
