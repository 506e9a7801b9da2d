#pragma once
// BoundExpr: an expression after binding (bind.h) — every column resolved to an index, every node
// typed, every implicit conversion made an explicit cast node, and the SQL forms that are defined
// through others (BETWEEN, simple CASE, NOT IN) rewritten. This is what the evaluator runs.
//
// Invariants the evaluator relies on (the binder establishes them):
// - arithmetic and comparison operands have the same type (the binder casts them to the common
//   type), except `/` on integers, whose operands share an integer type and whose result is float64;
// - CASE results, COALESCE arguments and IN items all have the node's comparison or result type;
// - function arguments have exactly the types the function's evaluator reads (see bind.cpp).
#include <memory>
#include <string>
#include <vector>

#include "analytics/expr/expr.h"
#include "analytics/expr/functions.h"

namespace nimbus::analytics {

enum class BoundKind : uint8_t {
  column, literal, cast, negate, arithmetic, compare, logical_and, logical_or, logical_not, is_null, is_not_null,
  case_when, coalesce, in_list, function
};

struct BoundExpr;
struct SortedInItems;  // in_list_items.h
using BoundExprPtr = std::shared_ptr<const BoundExpr>;

struct NIMBUS_API BoundExpr {
  BoundKind kind = BoundKind::literal;
  DataType type = DataType::int32;  // the type of the node's result
  ExprPtr source;                   // the expression as written (for text); the child's for implicit casts
  int64_t column = -1;              // column: index in the schema it was bound against
  std::string column_name;          // column: its name, to check the table evaluated against
  Value value;                      // literal
  bool untyped_null = false;        // literal: SQL's bare NULL, not yet given a type by its context
  BinaryOp op = BinaryOp::add;      // arithmetic or compare
  Function function = Function::length;
  bool null_propagating_concat = false;  // function concat from `||`: a NULL operand makes NULL
  bool has_else = false;            // case_when: children are when1, then1, ..., [else]
  // in_list with many literal items: the items sorted at bind time (Note [Searched IN lists]).
  std::shared_ptr<const SortedInItems> sorted_items;
  std::vector<BoundExprPtr> children;

  // The SQL text of the expression as written: "(a + 1)".
  std::string text() const { return source ? source->to_sql() : "?"; }
};

// What binding needs to know about a table: its column names and types, in order.
struct NIMBUS_API Schema {
  std::vector<std::string> names;
  std::vector<DataType> types;
};

}  // namespace nimbus::analytics
