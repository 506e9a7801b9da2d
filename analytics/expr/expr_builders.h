#pragma once
// Short constructors for expression trees, for code and tests that build expressions directly
// (the SQL binder builds the same nodes):
//
//   using namespace nimbus::analytics::expr;
//   ExprPtr e = and_(gt(col("price"), lit(10.0)), starts_with(col("name"), lit("a")));
//
// They live in their own namespace because short names like `col` and `lit` would crowd
// nimbus::analytics.
#include <initializer_list>
#include <string>
#include <utility>

#include "analytics/expr/expr.h"

namespace nimbus::analytics::expr {

NIMBUS_API ExprPtr col(std::string name);
NIMBUS_API ExprPtr lit(Value value);
NIMBUS_API ExprPtr lit(bool value);
NIMBUS_API ExprPtr lit(int32_t value);
NIMBUS_API ExprPtr lit(int64_t value);
NIMBUS_API ExprPtr lit(double value);
NIMBUS_API ExprPtr lit(const char* value);
NIMBUS_API ExprPtr lit(std::string value);
NIMBUS_API ExprPtr null_literal();  // SQL's untyped NULL
NIMBUS_API ExprPtr date_lit(std::string_view yyyy_mm_dd);        // DATE '2024-02-29'
NIMBUS_API ExprPtr timestamp_lit(std::string_view text);         // TIMESTAMP '2024-02-29 13:45:00'

NIMBUS_API ExprPtr unary(UnaryOp op, ExprPtr operand);
NIMBUS_API ExprPtr binary(BinaryOp op, ExprPtr left, ExprPtr right);
inline ExprPtr neg(ExprPtr a) { return unary(UnaryOp::negate, std::move(a)); }
inline ExprPtr add(ExprPtr a, ExprPtr b) { return binary(BinaryOp::add, std::move(a), std::move(b)); }
inline ExprPtr sub(ExprPtr a, ExprPtr b) { return binary(BinaryOp::subtract, std::move(a), std::move(b)); }
inline ExprPtr mul(ExprPtr a, ExprPtr b) { return binary(BinaryOp::multiply, std::move(a), std::move(b)); }
inline ExprPtr div(ExprPtr a, ExprPtr b) { return binary(BinaryOp::divide, std::move(a), std::move(b)); }
inline ExprPtr mod(ExprPtr a, ExprPtr b) { return binary(BinaryOp::modulo, std::move(a), std::move(b)); }
inline ExprPtr eq(ExprPtr a, ExprPtr b) { return binary(BinaryOp::equal, std::move(a), std::move(b)); }
inline ExprPtr ne(ExprPtr a, ExprPtr b) { return binary(BinaryOp::not_equal, std::move(a), std::move(b)); }
inline ExprPtr lt(ExprPtr a, ExprPtr b) { return binary(BinaryOp::less, std::move(a), std::move(b)); }
inline ExprPtr le(ExprPtr a, ExprPtr b) { return binary(BinaryOp::less_equal, std::move(a), std::move(b)); }
inline ExprPtr gt(ExprPtr a, ExprPtr b) { return binary(BinaryOp::greater, std::move(a), std::move(b)); }
inline ExprPtr ge(ExprPtr a, ExprPtr b) { return binary(BinaryOp::greater_equal, std::move(a), std::move(b)); }
inline ExprPtr and_(ExprPtr a, ExprPtr b) { return binary(BinaryOp::logical_and, std::move(a), std::move(b)); }
inline ExprPtr or_(ExprPtr a, ExprPtr b) { return binary(BinaryOp::logical_or, std::move(a), std::move(b)); }
inline ExprPtr concat_op(ExprPtr a, ExprPtr b) { return binary(BinaryOp::concat, std::move(a), std::move(b)); }
inline ExprPtr not_(ExprPtr a) { return unary(UnaryOp::logical_not, std::move(a)); }
inline ExprPtr is_null(ExprPtr a) { return unary(UnaryOp::is_null, std::move(a)); }
inline ExprPtr is_not_null(ExprPtr a) { return unary(UnaryOp::is_not_null, std::move(a)); }

NIMBUS_API ExprPtr cast(ExprPtr operand, DataType type);
// CASE WHEN c1 THEN r1 ... [ELSE e] END; pass nullptr for no ELSE.
NIMBUS_API ExprPtr case_when(std::vector<std::pair<ExprPtr, ExprPtr>> whens, ExprPtr otherwise = nullptr);
// CASE operand WHEN v1 THEN r1 ... [ELSE e] END.
NIMBUS_API ExprPtr case_of(ExprPtr operand, std::vector<std::pair<ExprPtr, ExprPtr>> whens,
                           ExprPtr otherwise = nullptr);
NIMBUS_API ExprPtr coalesce(std::vector<ExprPtr> arguments);
NIMBUS_API ExprPtr in_list(ExprPtr value, std::vector<ExprPtr> items, bool negated = false);
NIMBUS_API ExprPtr between(ExprPtr value, ExprPtr low, ExprPtr high, bool negated = false);
// A named function (see functions.h for the list); the name is matched case-insensitively.
NIMBUS_API ExprPtr call(std::string name, std::vector<ExprPtr> arguments);

}  // namespace nimbus::analytics::expr
