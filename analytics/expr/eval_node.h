#pragma once
// The evaluator's internal interface: each node kind evaluates one chunk into a Vector
// (Note [Chunk vectors]). evaluate.cpp drives the chunks; eval_*.cpp hold the node kinds.
//
// Note [Rows that matter]
// SQL evaluates a CASE branch, or a later COALESCE argument, only for the rows that reach it, so
// CASE WHEN x <> 0 THEN 10 % x END or CASE WHEN s <> '' THEN CAST(s AS INTEGER) END must not fail
// on the other rows. Every node therefore receives `active`: nullptr (all rows), or one byte per row
// marking the rows whose value matters. Nodes compute every row anyway (loops stay simple and
// vectorize; the values of other rows are discarded), but a node that can fail — casts, integer
// overflow, sqrt and ln of bad inputs — reports only failures in rows that are active and valid.
#include <string>
#include <type_traits>

#include "analytics/expr/bound_expr.h"
#include "analytics/expr/vector.h"
#include "analytics/table.h"

namespace nimbus::analytics {

struct ChunkContext {
  const Table& table;
  int64_t begin;  // first table row of the chunk
  int64_t rows;   // rows in the chunk, at most kChunkRows
  StringArena& arena;
};

inline bool row_matters(const uint8_t* active, const Vector& v, int64_t i) {
  return (active == nullptr || active[i]) && v.valid(i);
}

// Throws DTypeError "<what> at row <table row> in '<expression>'".
[[noreturn]] void throw_row_error(const BoundExpr& e, const ChunkContext& ctx, int64_t i, const std::string& what);

Vector eval_node(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);

Vector eval_arithmetic(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);
Vector eval_negate(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);
Vector eval_compare(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);
Vector eval_logic(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);  // AND OR NOT IS [NOT] NULL
Vector eval_cast(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);
Vector eval_case(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);
Vector eval_coalesce(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);
Vector eval_in_list(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);
Vector eval_string_function(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);
Vector eval_date_part(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);
Vector eval_math_function(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active);

// Float comparisons put NaN above every number and equal to itself (DuckDB's and PostgreSQL's
// total order), so sorting, IN and = agree on NaN.
template <typename T>
bool sql_equal(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return a == b || (a != a && b != b);
  else return a == b;
}
template <typename T>
bool sql_less(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return a < b || (a == a && b != b);
  else return a < b;
}

}  // namespace nimbus::analytics
