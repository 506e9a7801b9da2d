// Note [Chunked evaluation]
// Rows are evaluated kChunkRows at a time (vector.h): for each chunk the whole tree runs bottom-up
// into small per-chunk Vectors, and only the root's values are written to the output, so no node
// materializes a full-length intermediate column and a chunk's working set stays in cache. The
// chunks are cut into one contiguous range per thread (at least min_chunks_per_thread chunks each,
// so starting a thread is paid for by 32Ki rows of work) and the ranges run under parallel_for.
// A chunk's result depends only on its own rows and every chunk writes its own part of the
// output, so the result is the same for any thread count. So are errors: a range stops at its
// first failing chunk, and the failure of the lowest-numbered chunk is the one reported (any
// failing chunk has a reported failure at or before it in its own range, so the lowest reported
// is the lowest there is).
#include "analytics/expr/evaluate.h"

#include <algorithm>
#include <exception>

#include "analytics/expr/column_assembler.h"
#include "analytics/expr/eval_node.h"
#include "runtime/error.h"
#include "runtime/parallel.h"

namespace nimbus::analytics {

namespace {

// The table must be the one the expression was bound for: same column at each bound position.
void check_table(const BoundExpr& e, const Table& table) {
  if (e.kind == BoundKind::column) {
    const bool same = e.column < table.num_columns() && table.names()[static_cast<size_t>(e.column)] == e.column_name &&
                      table.column(e.column).type() == e.type;
    NIMBUS_CHECK(same, "evaluate: '", e.text(), "' was bound to column ", e.column, " '", e.column_name, "' of type ",
                 data_type_name(e.type), ", which this table does not have there; bind against this table");
    NIMBUS_CHECK_T(DeviceError, table.column(e.column).device().type == DeviceType::cpu, "evaluate: column '",
                   e.column_name, "' is on ", table.column(e.column).device().str(),
                   "; expressions are evaluated on the CPU");
  }
  for (const auto& child : e.children) check_table(*child, table);
}

// Evaluates every chunk and hands (chunk index, first row, result) to `consume`, in parallel.
template <typename Consume>
void for_each_chunk(const BoundExpr& e, const Table& table, const EvaluateOptions& options, const Consume& consume) {
  check_table(e, table);
  const int64_t rows = table.num_rows();
  const int64_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  if (chunks == 0) return;
  const int64_t threads = options.threads > 0 ? options.threads : max_threads();
  const int64_t per_thread = std::max<int64_t>(options.min_chunks_per_thread, 1);
  const int64_t ranges = std::clamp<int64_t>((chunks + per_thread - 1) / per_thread, 1, threads);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(chunks));
  parallel_for(ranges, 1, [&](int64_t first_range, int64_t last_range) {
    StringArena arena;
    for (int64_t range = first_range; range < last_range; ++range) {
      for (int64_t c = chunks * range / ranges; c < chunks * (range + 1) / ranges; ++c) {
        try {
          ChunkContext ctx{table, c * kChunkRows, std::min(kChunkRows, rows - c * kChunkRows), arena};
          const Vector result = eval_node(e, ctx, nullptr);
          consume(c, ctx.begin, result);
        } catch (...) {
          errors[static_cast<size_t>(c)] = std::current_exception();
          break;  // later chunks of this range cannot hold the first error
        }
        arena.reset();
      }
      arena.reset();
    }
  });
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace

Column evaluate(const BoundExpr& expr, const Table& table, const EvaluateOptions& options) {
  if (expr.kind == BoundKind::column) {
    check_table(expr, table);
    return table.column(expr.column);
  }
  ColumnAssembler out(expr.type, table.num_rows());
  for_each_chunk(expr, table, options, [&](int64_t chunk, int64_t begin, const Vector& result) {
    out.write(chunk, begin, result);
  });
  return out.finish();
}

Column evaluate(const ExprPtr& expr, const Table& table, const EvaluateOptions& options) {
  return evaluate(*bind_expr(expr, table), table, options);
}

std::vector<int64_t> evaluate_predicate(const BoundExpr& predicate, const Table& table,
                                        const EvaluateOptions& options) {
  NIMBUS_CHECK_T(DTypeError, predicate.type == DataType::boolean, "a filter needs a bool expression; '",
                 predicate.text(), "' is ", data_type_name(predicate.type));
  const int64_t chunks = (table.num_rows() + kChunkRows - 1) / kChunkRows;
  std::vector<std::vector<int64_t>> kept(static_cast<size_t>(chunks));
  for_each_chunk(predicate, table, options, [&](int64_t chunk, int64_t begin, const Vector& result) {
    std::vector<int64_t>& rows = kept[static_cast<size_t>(chunk)];
    const uint8_t* value = result.data<uint8_t>();
    for (int64_t i = 0; i < result.rows(); ++i) {
      if (value[i] && result.valid(i)) rows.push_back(begin + i);
    }
  });
  std::vector<int64_t> rows;
  for (const auto& part : kept) rows.insert(rows.end(), part.begin(), part.end());
  return rows;
}

std::vector<int64_t> evaluate_predicate(const ExprPtr& predicate, const Table& table,
                                        const EvaluateOptions& options) {
  return evaluate_predicate(*bind_expr(predicate, table), table, options);
}

}  // namespace nimbus::analytics
