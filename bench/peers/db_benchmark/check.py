"""Answer checks: an engine's answer against DuckDB's, as sets of rows.

Both answers are sorted (the questions define no row order) by the leading columns that identify
a row (questions.py: row_keys), or by all columns when those repeat, and compared column by
column, matched by position (engines name columns differently, e.g. `count` and `len`). Numbers are compared as float64 within a relative 1e-9 (and an absolute 1e-12, so a
standard deviation of 1e-17 matches 0); text exactly; NULL matches only NULL (a NaN is read as
NULL: pandas writes missing values of a left join as NaN).
"""
import os

import polars as pl

REL_TOL = 1e-9
ABS_TOL = 1e-12


def read_answer(directory, question):
    """The answer as a DataFrame, from Parquet (Python engines) or CSV (`nimbus bench sql`)."""
    parquet = os.path.join(directory, question + ".parquet")
    if os.path.exists(parquet):
        return pl.read_parquet(parquet)
    csv = os.path.join(directory, question + ".csv")
    if os.path.exists(csv):
        return pl.read_csv(csv, infer_schema_length=None)
    return None


def _normalize(df, names, row_keys):
    """Columns renamed by position, numbers as float64, text as strings, rows in a defined order:
    sorted by the columns `row_keys` (indices) when they identify each row, else by all columns."""
    columns = []
    for name, series in zip(names, df.get_columns()):
        if series.dtype.is_numeric() or series.dtype == pl.Boolean:
            s = series.cast(pl.Float64).fill_nan(None)
        else:
            s = series.cast(pl.String)
        columns.append(s.alias(name))
    out = pl.DataFrame(columns)
    keys = [names[i] for i in row_keys] if row_keys else names
    if keys != names and out.select(keys).is_duplicated().any():
        keys = names
    return out.sort(keys, nulls_last=True, maintain_order=True)


class Reference:
    """DuckDB's answer to one question, normalized once for every engine's check."""

    def __init__(self, df, row_keys):
        self.df = df
        self.row_keys = row_keys
        self.names = [f"c{i}" for i in range(df.width)]
        self.normalized = _normalize(df, self.names, row_keys) if df.height else df


def compare(answer, ref):
    """None when the answers match, else a short description of the first difference."""
    reference = ref.df
    if answer.width != reference.width:
        return f"{answer.width} columns, DuckDB {reference.width}"
    if answer.height != reference.height:
        return f"{answer.height} rows, DuckDB {reference.height}"
    if answer.height == 0:  # an empty CSV answer has no column types to compare
        return None
    names = ref.names
    a, r = _normalize(answer, names, ref.row_keys), ref.normalized
    for i, name in enumerate(names):
        x, y = a[name], r[name]
        if x.dtype != y.dtype:  # text in one answer, numbers in the other
            return f"column {i + 1} ({reference.columns[i]}): {x.dtype} vs DuckDB's {y.dtype}"
        both = pl.DataFrame({"x": x, "y": y}).with_row_index()
        if x.dtype == pl.Float64:
            bad = both.filter(
                (pl.col("x").is_null() != pl.col("y").is_null())
                | ((pl.col("x") - pl.col("y")).abs()
                   > pl.max_horizontal(pl.col("x").abs(), pl.col("y").abs()) * REL_TOL + ABS_TOL))
        else:
            bad = both.filter(pl.col("x").ne_missing(pl.col("y")))
        if bad.height:
            row = bad.row(0, named=True)
            return (f"column {i + 1} ({reference.columns[i]}): {bad.height} of {answer.height} sorted rows differ, "
                    f"first at row {row['index']}: {row['x']!r} vs DuckDB's {row['y']!r}")
    return None
