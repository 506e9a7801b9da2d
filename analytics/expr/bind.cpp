#include "analytics/expr/bind.h"

#include <functional>

#include "analytics/expr/cast_value.h"
#include "analytics/expr/expr_builders.h"
#include "analytics/expr/in_list_items.h"
#include "analytics/expr/type_rules.h"
#include "runtime/error.h"

namespace nimbus::analytics {

namespace {

using Node = std::shared_ptr<BoundExpr>;

Node make(BoundKind kind, DataType type, ExprPtr source) {
  auto node = std::make_shared<BoundExpr>();
  node->kind = kind;
  node->type = type;
  node->source = std::move(source);
  return node;
}

std::string in(const ExprPtr& e) { return " in '" + e->to_sql() + "'"; }

// The same bound tree with the text of `source` (for rewritten forms such as BETWEEN).
BoundExprPtr with_source(const BoundExprPtr& bound, const ExprPtr& source) {
  auto copy = std::make_shared<BoundExpr>(*bound);
  copy->source = source;
  return copy;
}

bool is_string_literal(const BoundExprPtr& b) {
  return b->kind == BoundKind::literal && !b->untyped_null && b->type == DataType::string;
}

// `b` as a value of type `to`: literals are converted once here (an untyped NULL takes the type);
// anything else gets an implicit cast node, which prints as its operand.
BoundExprPtr coerce(const BoundExprPtr& b, DataType to, const ExprPtr& context) {
  if (b->type == to && !b->untyped_null) return b;
  if (b->kind == BoundKind::literal) {
    auto literal = make(BoundKind::literal, to, b->source);
    literal->value = b->value.is_null() ? Value::null(to) : cast_value(b->value, to, context->to_sql());
    return literal;
  }
  auto node = make(BoundKind::cast, to, b->source);
  node->children = {b};
  return node;
}

using Mismatch = std::function<std::string(DataType, DataType)>;

// Brings `operands` to their common type (Note [Type promotion in expressions]); `mismatch` words
// the error for the first pair that does not mix.
DataType unify(std::vector<BoundExprPtr>& operands, const ExprPtr& context, const Mismatch& mismatch) {
  bool has_temporal = false;
  for (const auto& b : operands) has_temporal = has_temporal || (!b->untyped_null && is_temporal(b->type));
  std::optional<DataType> target;
  for (const auto& b : operands) {
    if (b->untyped_null || (has_temporal && is_string_literal(b))) continue;  // adapt to the others
    if (!target) {
      target = b->type;
      continue;
    }
    const auto common = common_type(*target, b->type);
    NIMBUS_CHECK_T(DTypeError, common.has_value(), mismatch(*target, b->type), in(context));
    target = common;
  }
  const DataType type = target.value_or(DataType::int32);  // only NULLs: SQL's NULL is an INTEGER
  for (auto& b : operands) b = coerce(b, type, context);
  return type;
}

class Binder {
 public:
  explicit Binder(const Schema& schema) : schema_(schema) {}

  BoundExprPtr bind(const ExprPtr& e) {
    NIMBUS_CHECK(e != nullptr, "bind: no expression (null pointer)");
    switch (e->kind) {
      case ExprKind::column: return column(e);
      case ExprKind::literal: return literal(e);
      case ExprKind::unary: return unary(e);
      case ExprKind::binary: return binary(e);
      case ExprKind::cast: return cast(e);
      case ExprKind::case_when: return case_when(e);
      case ExprKind::coalesce: return coalesce(e);
      case ExprKind::in_list: return in_list(e);
      case ExprKind::between: return between(e);
      case ExprKind::function: return function(e);
    }
    NIMBUS_THROW(Error, "bind: unknown expression kind", in(e));
  }

 private:
  BoundExprPtr column(const ExprPtr& e) {
    for (size_t i = 0; i < schema_.names.size(); ++i) {
      if (schema_.names[i] != e->name) continue;
      auto node = make(BoundKind::column, schema_.types[i], e);
      node->column = static_cast<int64_t>(i);
      node->column_name = e->name;
      return node;
    }
    std::string names;
    for (const auto& name : schema_.names) names += (names.empty() ? "" : ", ") + name;
    NIMBUS_THROW(Error, "no column '", e->name, "'; the columns are: ", names.empty() ? "(none)" : names);
  }

  static BoundExprPtr literal(const ExprPtr& e) {
    auto node = make(BoundKind::literal, e->value.type(), e);
    node->value = e->value;
    node->untyped_null = e->untyped_null;
    return node;
  }

  BoundExprPtr boolean_operand(const ExprPtr& child, const ExprPtr& e, std::string_view op) {
    BoundExprPtr b = bind(child);
    if (b->untyped_null) return coerce(b, DataType::boolean, e);
    NIMBUS_CHECK_T(DTypeError, b->type == DataType::boolean, op, " needs bool operands; '", child->to_sql(), "' is ",
                   data_type_name(b->type), in(e));
    return b;
  }

  BoundExprPtr unary(const ExprPtr& e) {
    switch (e->unary_op) {
      case UnaryOp::negate: {
        BoundExprPtr b = bind(e->children[0]);
        if (b->untyped_null) b = coerce(b, DataType::int32, e);
        NIMBUS_CHECK_T(DTypeError, is_numeric(b->type), "cannot negate ", data_type_name(b->type), in(e));
        auto node = make(BoundKind::negate, b->type, e);
        node->children = {b};
        return node;
      }
      case UnaryOp::logical_not: {
        auto node = make(BoundKind::logical_not, DataType::boolean, e);
        node->children = {boolean_operand(e->children[0], e, "NOT")};
        return node;
      }
      case UnaryOp::is_null:
      case UnaryOp::is_not_null: {
        BoundExprPtr b = bind(e->children[0]);
        if (b->untyped_null) b = coerce(b, DataType::int32, e);
        auto node = make(e->unary_op == UnaryOp::is_null ? BoundKind::is_null : BoundKind::is_not_null,
                         DataType::boolean, e);
        node->children = {b};
        return node;
      }
    }
    NIMBUS_THROW(Error, "bind: unknown unary operator", in(e));
  }

  BoundExprPtr binary(const ExprPtr& e) {
    const BinaryOp op = e->binary_op;
    if (op == BinaryOp::logical_and || op == BinaryOp::logical_or) {
      auto node = make(op == BinaryOp::logical_and ? BoundKind::logical_and : BoundKind::logical_or,
                       DataType::boolean, e);
      node->children = {boolean_operand(e->children[0], e, binary_op_text(op)),
                        boolean_operand(e->children[1], e, binary_op_text(op))};
      return node;
    }
    std::vector<BoundExprPtr> operands = {bind(e->children[0]), bind(e->children[1])};
    if (op == BinaryOp::concat) {
      // Like DuckDB, || turns any operand into text; unlike concat(), a NULL operand gives NULL.
      auto node = make(BoundKind::function, DataType::string, e);
      node->function = Function::concat;
      node->null_propagating_concat = true;
      for (auto& b : operands) node->children.push_back(coerce(b, DataType::string, e));
      return node;
    }
    if (is_comparison(op)) {
      unify(operands, e, [](DataType a, DataType b) {
        return detail::concat("cannot compare ", data_type_name(a), " with ", data_type_name(b));
      });
      auto node = make(BoundKind::compare, DataType::boolean, e);
      node->op = op;
      node->children = std::move(operands);
      return node;
    }
    const auto cannot = [&](DataType a, DataType b) {
      return detail::concat("cannot apply '", binary_op_text(op), "' to ", data_type_name(a), " and ",
                            data_type_name(b));
    };
    for (const auto& b : operands) {
      NIMBUS_CHECK_T(DTypeError, b->untyped_null || is_numeric(b->type),
                     cannot(operands[0]->type, operands[1]->type), in(e));
    }
    const DataType type = unify(operands, e, cannot);
    auto node = make(BoundKind::arithmetic, type, e);
    node->op = op;
    // DuckDB's `/` is float division even on integers (SELECT 1 / 2 is 0.5); the operands keep
    // their integer type so that a zero divisor can be told apart (Note [Division by zero]).
    if (op == BinaryOp::divide && is_integer(type)) node->type = DataType::float64;
    node->children = std::move(operands);
    return node;
  }

  BoundExprPtr cast(const ExprPtr& e) {
    BoundExprPtr b = bind(e->children[0]);
    if (b->untyped_null) return with_source(coerce(b, e->cast_type, e), e);
    NIMBUS_CHECK_T(DTypeError, can_cast(b->type, e->cast_type), "cannot cast ", data_type_name(b->type), " to ",
                   data_type_name(e->cast_type), in(e));
    auto node = make(BoundKind::cast, e->cast_type, e);
    node->children = {b};
    return node;
  }

  BoundExprPtr case_when(const ExprPtr& e) {
    if (e->has_operand) {
      // CASE x WHEN v THEN r ... is CASE WHEN x = v THEN r ...
      std::vector<std::pair<ExprPtr, ExprPtr>> whens;
      const size_t end = e->children.size() - (e->has_else ? 1 : 0);
      for (size_t i = 1; i + 1 < end; i += 2) {
        whens.emplace_back(expr::eq(e->children[0], e->children[i]), e->children[i + 1]);
      }
      return with_source(bind(expr::case_when(std::move(whens), e->has_else ? e->children.back() : nullptr)), e);
    }
    auto node = make(BoundKind::case_when, DataType::int32, e);
    node->has_else = e->has_else;
    const size_t end = e->children.size() - (e->has_else ? 1 : 0);
    std::vector<BoundExprPtr> results;
    for (size_t i = 0; i + 1 < end; i += 2) {
      node->children.push_back(boolean_operand(e->children[i], e, "CASE WHEN"));
      results.push_back(bind(e->children[i + 1]));
    }
    if (e->has_else) results.push_back(bind(e->children.back()));
    node->type = unify(results, e, [](DataType a, DataType b) {
      return detail::concat("CASE results of types ", data_type_name(a), " and ", data_type_name(b), " do not mix");
    });
    // Interleave the conditions with their (now unified) results again.
    std::vector<BoundExprPtr> children;
    for (size_t w = 0; w < node->children.size(); ++w) {
      children.push_back(node->children[w]);
      children.push_back(results[w]);
    }
    if (e->has_else) children.push_back(results.back());
    node->children = std::move(children);
    return node;
  }

  BoundExprPtr coalesce(const ExprPtr& e) {
    std::vector<BoundExprPtr> operands;
    for (const auto& child : e->children) operands.push_back(bind(child));
    const DataType type = unify(operands, e, [](DataType a, DataType b) {
      return detail::concat("COALESCE arguments of types ", data_type_name(a), " and ", data_type_name(b),
                            " do not mix");
    });
    auto node = make(BoundKind::coalesce, type, e);
    node->children = std::move(operands);
    return node;
  }

  BoundExprPtr in_list(const ExprPtr& e) {
    if (e->negated) {
      // x NOT IN (...) is NOT (x IN (...)), which keeps SQL's NULL rules.
      auto plain = std::make_shared<Expr>(*e);
      plain->negated = false;
      auto node = make(BoundKind::logical_not, DataType::boolean, e);
      node->children = {in_list(plain)};
      return node;
    }
    std::vector<BoundExprPtr> operands;
    for (const auto& child : e->children) operands.push_back(bind(child));
    const DataType type = unify(operands, e, [](DataType a, DataType b) {
      return detail::concat("cannot compare ", data_type_name(a), " with ", data_type_name(b));
    });
    auto node = make(BoundKind::in_list, DataType::boolean, e);
    node->sorted_items = sort_in_items(operands, type);
    node->children = std::move(operands);
    return node;
  }

  BoundExprPtr between(const ExprPtr& e) {
    const auto& c = e->children;
    ExprPtr rewritten = expr::and_(expr::ge(c[0], c[1]), expr::le(c[0], c[2]));
    if (e->negated) rewritten = expr::not_(rewritten);
    return with_source(bind(rewritten), e);
  }

  BoundExprPtr function(const ExprPtr& e);

  const Schema& schema_;
};

BoundExprPtr Binder::function(const ExprPtr& e) {
  const auto info = find_function(e->name);
  NIMBUS_CHECK(info.has_value(), "unknown function '", e->name, "'; the functions are: ", function_names());
  const int count = static_cast<int>(e->children.size());
  NIMBUS_CHECK_T(DTypeError, count >= info->min_args && (info->max_args < 0 || count <= info->max_args), e->name,
                 " takes ", info->min_args == info->max_args ? detail::concat(info->min_args)
                 : info->max_args < 0 ? detail::concat("at least ", info->min_args)
                                      : detail::concat(info->min_args, " or ", info->max_args),
                 " argument", info->max_args == 1 ? "" : "s", ", got ", count, in(e));
  Function function = info->function;
  std::vector<ExprPtr> argument_exprs = e->children;
  if (e->name == "date_part") {
    const ExprPtr& part = argument_exprs[0];
    const bool literal = part->kind == ExprKind::literal && part->value.type() == DataType::string &&
                         !part->value.is_null();
    const auto found = literal ? find_date_part(part->value.as_string()) : std::nullopt;
    NIMBUS_CHECK_T(DTypeError, found.has_value(), "date_part: the first argument must name a part: 'year', 'month', ",
                   "'day', 'hour', 'minute', 'second' or 'dayofweek' ('dow'); got ", part->to_sql(), in(e));
    function = *found;
    argument_exprs.erase(argument_exprs.begin());
  }
  std::vector<BoundExprPtr> args;
  for (const auto& child : argument_exprs) args.push_back(bind(child));

  // Checks that argument i is of an accepted type (an untyped NULL takes `fallback`).
  const auto expect = [&](size_t i, bool (*accepts)(DataType), DataType fallback, const char* what) {
    if (args[i]->untyped_null) args[i] = coerce(args[i], fallback, e);
    NIMBUS_CHECK_T(DTypeError, accepts(args[i]->type), function_name(function), " needs ", what, "; '",
                   argument_exprs[i]->to_sql(), "' is ", data_type_name(args[i]->type), in(e));
  };
  const auto string_arg = +[](DataType t) { return t == DataType::string; };
  const auto integer_arg = +[](DataType t) { return is_integer(t); };
  const auto numeric_arg = +[](DataType t) { return is_numeric(t); };
  const auto temporal_arg = +[](DataType t) { return is_temporal(t); };

  DataType type = DataType::string;
  switch (function) {
    case Function::length:
    case Function::lower:
    case Function::upper:
      expect(0, string_arg, DataType::string, "a string");
      type = function == Function::length ? DataType::int64 : DataType::string;
      break;
    case Function::contains:
    case Function::starts_with:
    case Function::ends_with:
      for (size_t i = 0; i < 2; ++i) expect(i, string_arg, DataType::string, "string arguments");
      type = DataType::boolean;
      break;
    case Function::substr:
      expect(0, string_arg, DataType::string, "a string");
      for (size_t i = 1; i < args.size(); ++i) {
        expect(i, integer_arg, DataType::int64, "integer positions");
        args[i] = coerce(args[i], DataType::int64, e);
      }
      break;
    case Function::concat:
      for (auto& arg : args) arg = coerce(arg, DataType::string, e);
      break;
    case Function::year:
    case Function::month:
    case Function::day:
    case Function::hour:
    case Function::minute:
    case Function::second:
    case Function::dayofweek:
      expect(0, temporal_arg, DataType::timestamp, "a date or timestamp");
      type = DataType::int64;
      break;
    case Function::abs:
    case Function::floor:
    case Function::ceil:
    case Function::round:
      expect(0, numeric_arg, DataType::float64, "a number");
      type = args[0]->type;
      if (args.size() == 2) {
        expect(1, integer_arg, DataType::int32, "an integer number of digits");
        args[1] = coerce(args[1], DataType::int32, e);
      }
      break;
    case Function::sqrt:
    case Function::ln:
    case Function::exp:
    case Function::power:
      for (size_t i = 0; i < args.size(); ++i) {
        expect(i, numeric_arg, DataType::float64, "a number");
        args[i] = coerce(args[i], DataType::float64, e);
      }
      type = DataType::float64;
      break;
  }
  auto node = make(BoundKind::function, type, e);
  node->function = function;
  node->children = std::move(args);
  return node;
}

}  // namespace

Schema schema_of(const Table& table) {
  Schema schema;
  schema.names = table.names();
  for (const Column& column : table.columns()) schema.types.push_back(column.type());
  return schema;
}

BoundExprPtr bind_expr(const ExprPtr& expr, const Schema& schema) { return Binder(schema).bind(expr); }

BoundExprPtr bind_expr(const ExprPtr& expr, const Table& table) { return bind_expr(expr, schema_of(table)); }

}  // namespace nimbus::analytics
