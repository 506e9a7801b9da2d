#pragma once
// Evaluating expressions over a table: a result column, or the rows a predicate keeps.
//
//   #include "analytics/expr/evaluate.h"
//   using namespace nimbus::analytics::expr;
//   ExprPtr price_with_tax = mul(col("price"), lit(1.2));
//   Column out = evaluate(*bind_expr(price_with_tax, table), table);      // named price_with_tax->to_sql()
//   std::vector<int64_t> rows = evaluate_predicate(*bind_expr(gt(col("qty"), lit(0)), table), table);
//
// Results are the same for any thread count (Note [Chunked evaluation] in evaluate.cpp).
#include <cstdint>
#include <vector>

#include "analytics/expr/bind.h"
#include "analytics/table.h"

namespace nimbus::analytics {

struct EvaluateOptions {
  // Threads to spread chunks over; 0 means all (max_threads()). The result does not depend on it.
  int threads = 0;
  // A thread gets at least this many chunks of kChunkRows rows, so that starting it is worth it
  // (16 x 2048 = 32Ki rows, the runtime's default grain). Tests set it to 1.
  int64_t min_chunks_per_thread = 16;
};

// The expression's value for every row of `table`, which must have the columns (names, positions
// and types) `expr` was bound against. The column has a validity bitmap only if some row is NULL.
// A bare column reference returns the table's column itself (no copy).
NIMBUS_API Column evaluate(const BoundExpr& expr, const Table& table, const EvaluateOptions& options = {});
// Binds against the table first.
NIMBUS_API Column evaluate(const ExprPtr& expr, const Table& table, const EvaluateOptions& options = {});

// The rows, in ascending order, where a bool expression is true (NULL counts as false, as in WHERE).
NIMBUS_API std::vector<int64_t> evaluate_predicate(const BoundExpr& predicate, const Table& table,
                                                   const EvaluateOptions& options = {});
NIMBUS_API std::vector<int64_t> evaluate_predicate(const ExprPtr& predicate, const Table& table,
                                                   const EvaluateOptions& options = {});

}  // namespace nimbus::analytics
