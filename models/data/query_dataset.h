#pragma once
// A tabular classification dataset from a SQL query over CSV files (data: {dataset: query, ...}).
//
// The query runs once in an analytics::SqlEngine (analytics/sql/sql_engine.h) with the given
// tables registered by name; it may also read files itself with read_csv('path') or "path.csv"
// (those paths start at the working directory). One column of the result is the label, the
// features are the listed columns or, by default, every other numeric column (int32, int64,
// float32, float64) in result order; string, bool, date and timestamp columns are left out then.
//
// What is shared and what is copied (Note [Column-major features] in column_table.h):
// - a float32 feature column without nulls is used as it is: its tensor is column_as_tensor on
//   the result's own buffer (write CAST(x AS REAL) in the query to get one);
// - any other numeric feature column is converted to f32 once (one copy of that column; int64
//   values above 2^24 and float64 values lose precision, as in any f32 model input);
// - an int64 label column without nulls is the class-id tensor itself; an int32 one is widened
//   to i64 once (the loss takes i64 targets); string labels are mapped to ids (a new tensor).
// Each batch is then gathered from the columns, which is the copy every dataset makes.
//
// Labels: integers are class ids in 0..999999 and there are max + 1 classes; strings are sorted by
// byte value and numbered 0, 1, ... Problems with the result (no rows, a label or feature column
// that is missing or of the wrong type, nulls, non-finite values) are all reported together, each
// under the config key that fixes it ("label", "features", "sql").
// Split: the seeded train/val/test split of Note [Row split] in split.h.
// describe(): "query train: 1437 rows of 64 features, 10 classes".
#include <cstdint>
#include <string>
#include <vector>

#include "analytics/table.h"
#include "models/data/dataset.h"

namespace nimbus::data {

// A CSV file the query names as `name` (FROM name).
struct QueryTableFile {
  std::string name;
  std::string path;
  bool header = true;  // false: the file has no header row and its columns are column_1..column_N
};

struct QueryDatasetOptions {
  std::string sql;
  std::vector<QueryTableFile> tables;
  std::string label;                  // the label column of the result (required)
  std::vector<std::string> features;  // empty: every numeric column of the result but the label
  uint64_t split_seed = 0;
  double train_fraction = 0.8, val_fraction = 0.1;
};

// A problem with the query's result, under the config key (of the data section) that fixes it.
struct QueryProblem {
  std::string key;  // "sql", "label" or "features"
  std::string message;
};

// Runs the query with `tables` registered. Throws analytics::SqlError (showing the place in the
// query text) for a bad query, IOError or ParseError for a file that cannot be read.
NIMBUS_API analytics::Table run_training_query(const QueryDatasetOptions& options);
// Every reason `result` cannot be trained on with `options` (empty when it can).
NIMBUS_API std::vector<QueryProblem> query_result_problems(const analytics::Table& result,
                                                           const QueryDatasetOptions& options);
// The splits over `result`; throws ConfigError listing query_result_problems when there are any.
NIMBUS_API Splits query_splits(const analytics::Table& result, const QueryDatasetOptions& options);
// run_training_query, then query_splits.
NIMBUS_API Splits load_query_dataset(const QueryDatasetOptions& options);

}  // namespace nimbus::data
