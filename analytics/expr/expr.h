#pragma once
// Expr: the expression tree as written, before names are resolved and types computed (see bind.h).
//
// Note [Expression nodes]
// The node set is the one a SQL binder (PostgreSQL's grammar) produces, so a parsed query maps onto
// it one to one: column references by name, typed literals (and an untyped NULL, whose type comes
// from where it is used, as in SQL), unary and binary operators, CAST, both forms of CASE,
// COALESCE, IN lists, BETWEEN and named function calls. Operators that SQL defines through others
// (BETWEEN, the simple CASE, NOT IN) stay nodes here so the text prints as written; the binder
// rewrites them. Nodes are immutable and shared, so subtrees can be reused freely.
#include <memory>
#include <string>
#include <vector>

#include "analytics/expr/value.h"

namespace nimbus::analytics {

enum class ExprKind : uint8_t { column, literal, unary, binary, cast, case_when, coalesce, in_list, between, function };

enum class UnaryOp : uint8_t { negate, logical_not, is_null, is_not_null };

enum class BinaryOp : uint8_t {
  add, subtract, multiply, divide, modulo,                       // arithmetic
  equal, not_equal, less, less_equal, greater, greater_equal,    // comparison
  logical_and, logical_or,                                       // three-valued logic
  concat                                                         // ||
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

struct NIMBUS_API Expr {
  ExprKind kind = ExprKind::literal;
  std::string name;             // column: the column name; function: the function name (lower case)
  Value value;                  // literal
  bool untyped_null = false;    // literal: SQL's bare NULL, typed by its context
  UnaryOp unary_op = UnaryOp::negate;
  BinaryOp binary_op = BinaryOp::add;
  DataType cast_type = DataType::int32;  // cast: the target type
  bool negated = false;         // in_list: NOT IN; between: NOT BETWEEN
  bool has_operand = false;     // case_when: the simple form, children[0] is the operand
  bool has_else = false;        // case_when: the last child is the ELSE result
  // unary/cast: {operand}; binary: {left, right}; case_when: [operand], when1, then1, ..., [else];
  // coalesce and function: the arguments; in_list: {value, item1, ...}; between: {value, low, high}.
  std::vector<ExprPtr> children;

  // SQL-like text, fully parenthesised: "(a + 1)", "CAST(s AS BIGINT)", "lower(name)". Used in
  // error messages and as the default name of a computed column.
  std::string to_sql() const;
};

NIMBUS_API std::string_view binary_op_text(BinaryOp op);  // "+", "<>", "AND", "||", ...
NIMBUS_API bool is_arithmetic(BinaryOp op);
NIMBUS_API bool is_comparison(BinaryOp op);
// SQL's name for a type, as CAST prints it: BOOLEAN, INTEGER, BIGINT, FLOAT, DOUBLE, VARCHAR, DATE,
// TIMESTAMP.
NIMBUS_API std::string_view sql_type_name(DataType type);

}  // namespace nimbus::analytics
