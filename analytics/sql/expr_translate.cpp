#include "analytics/sql/expr_translate.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "analytics/expr/expr_builders.h"
#include "analytics/expr/functions.h"
#include "analytics/ops/aggregate.h"
#include "analytics/sql/identifiers.h"
#include "analytics/sql/sql_error.h"
#include "analytics/sql/subqueries.h"

namespace nimbus::analytics::sql {

namespace {

using namespace analytics::expr;

[[noreturn]] void fail(const ExprContext& c, const std::string& message, int location) {
  throw SqlError(message, c.sql, location);
}


// The integer written at `location`. libpg_query's JSON leaves out integer constants whose value
// is the protobuf default or negative ("-3" and "0" both come out as {"ival": {}}), so the text is
// the reliable source.
ExprPtr integer_at(const ExprContext& c, int location) {
  if (location < 0 || static_cast<size_t>(location) >= c.sql.size()) return lit(int32_t{0});
  size_t at = static_cast<size_t>(location);
  bool negative = false;
  if (c.sql[at] == '-') {
    negative = true;
    ++at;
    while (at < c.sql.size() && std::isspace(static_cast<unsigned char>(c.sql[at]))) ++at;
  }
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(c.sql.data() + at, c.sql.data() + c.sql.size(), value);
  if (ec != std::errc()) fail(c, "cannot read the integer literal here", location);
  (void)end;
  if (negative) value = -value;
  if (value >= INT32_MIN && value <= INT32_MAX) return lit(static_cast<int32_t>(value));
  return lit(value);
}

ExprPtr constant(const Json& body, const ExprContext& c, int location) {
  if (body.value("isnull", false)) return null_literal();
  if (body.contains("ival")) {
    const Json& v = body["ival"];
    if (v.contains("ival")) return lit(v["ival"].get<int32_t>());
    return integer_at(c, location);
  }
  if (body.contains("fval")) {
    // PostgreSQL reads integers too large for int4 as "float" constants: DuckDB makes them BIGINT.
    const std::string text = body["fval"].value("fval", "0");
    if (text.find_first_of(".eE") == std::string::npos) {
      int64_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && end == text.data() + text.size()) return lit(value);
    }
    return lit(std::strtod(text.c_str(), nullptr));
  }
  if (body.contains("sval")) return lit(body["sval"].value("sval", std::string()));
  if (body.contains("boolval")) return lit(body["boolval"].value("boolval", false));
  fail(c, "unsupported constant", location);
}

BinaryOp binary_operator(const std::string& op, const ExprContext& c, int location) {
  if (op == "+") return BinaryOp::add;
  if (op == "-") return BinaryOp::subtract;
  if (op == "*") return BinaryOp::multiply;
  if (op == "/") return BinaryOp::divide;
  if (op == "%") return BinaryOp::modulo;
  if (op == "=") return BinaryOp::equal;
  if (op == "<>" || op == "!=") return BinaryOp::not_equal;
  if (op == "<") return BinaryOp::less;
  if (op == "<=") return BinaryOp::less_equal;
  if (op == ">") return BinaryOp::greater;
  if (op == ">=") return BinaryOp::greater_equal;
  if (op == "||") return BinaryOp::concat;
  fail(c, "operator '" + op + "' is not supported", location);
}

std::vector<ExprPtr> translate_list(const Json& list, const ExprContext& c) {
  std::vector<ExprPtr> out;
  if (list.is_array())
    for (const Json& item : list) out.push_back(translate_expr(item, c));
  return out;
}

// LIKE patterns that are a prefix, suffix, substring or exact match ('ab%', '%ab', '%ab%', 'ab'),
// through the string functions; other patterns are refused.
ExprPtr like(ExprPtr value, const Json& pattern_node, bool negated, bool ignore_case, const ExprContext& c,
             int location) {
  const Json& body = node_body(pattern_node);
  if (node_type(pattern_node) != "A_Const" || !body.contains("sval"))
    fail(c, "LIKE takes a constant pattern here", node_location(pattern_node));
  std::string pattern = body["sval"].value("sval", std::string());
  if (ignore_case) {
    pattern = ascii_lower(pattern);
    value = call("lower", {value});
  }
  const bool starts = !pattern.empty() && pattern.front() == '%';
  const bool ends = pattern.size() > 1 && pattern.back() == '%';
  const std::string core = pattern.substr(starts ? 1 : 0, pattern.size() - (starts ? 1 : 0) - (ends ? 1 : 0));
  if (core.find_first_of("%_\\") != std::string::npos)
    fail(c, "LIKE pattern '" + pattern + "' is not supported: only 'x%', '%x', '%x%' and 'x' (without _)", location);
  ExprPtr test;
  if (pattern == "%") test = is_not_null(value);
  else if (starts && ends) test = call("contains", {value, lit(core)});
  else if (starts) test = call("ends_with", {value, lit(core)});
  else if (ends) test = call("starts_with", {value, lit(core)});
  else test = eq(value, lit(core));
  return negated ? not_(test) : test;
}

ExprPtr a_expr(const Json& body, const ExprContext& c, int location) {
  const std::string kind = body.value("kind", "");
  const std::vector<std::string> names = string_list(body.value("name", Json::array()));
  const std::string op = names.empty() ? "" : names.back();
  const auto side = [&](const char* key) { return translate_expr(body[key], c); };
  if (kind == "AEXPR_OP") {
    if (!body.contains("lexpr")) {  // prefix operator
      if (op == "-") return neg(side("rexpr"));
      if (op == "+") return side("rexpr");
      fail(c, "prefix operator '" + op + "' is not supported", location);
    }
    return binary(binary_operator(op, c, location), side("lexpr"), side("rexpr"));
  }
  if (kind == "AEXPR_IN") {
    const Json& items = node_body(body["rexpr"]).value("items", Json::array());
    if (node_type(body["rexpr"]) != "List") fail(c, "IN takes a list of values here (subqueries are not supported)", location);
    return in_list(side("lexpr"), translate_list(items, c), op == "<>");
  }
  if (kind == "AEXPR_BETWEEN" || kind == "AEXPR_NOT_BETWEEN") {
    const Json& items = node_body(body["rexpr"]).value("items", Json::array());
    if (items.size() != 2) fail(c, "BETWEEN takes two bounds", location);
    return between(side("lexpr"), translate_expr(items[0], c), translate_expr(items[1], c),
                   kind == "AEXPR_NOT_BETWEEN");
  }
  if (kind == "AEXPR_LIKE" || kind == "AEXPR_ILIKE")
    return like(side("lexpr"), body["rexpr"], op.rfind("!", 0) == 0, kind == "AEXPR_ILIKE", c, location);
  if (kind == "AEXPR_NULLIF") {
    const ExprPtr a = side("lexpr");
    return case_when({{eq(a, side("rexpr")), null_literal()}}, a);
  }
  fail(c, "this operator (" + kind + ") is not supported", location);
}

ExprPtr function_call(const Json& node, const ExprContext& c, int location) {
  const Json& body = node_body(node);
  const std::string name = function_call_name(node);
  if (body.contains("over")) fail(c, "window function " + name + "() is not allowed in " + c.clause, location);
  if (is_aggregate_call(node)) fail(c, "aggregate function " + name + "() is not allowed in " + c.clause, location);
  if (body.value("agg_distinct", false) || body.value("agg_star", false))
    fail(c, name + "() is not an aggregate function", location);
  std::vector<ExprPtr> args = translate_list(body.value("args", Json::array()), c);
  if (name == "extract" || name == "date_part") {
    // EXTRACT(year FROM d) arrives as pg_catalog.extract('year', d).
    return call("date_part", std::move(args));
  }
  if (!find_function(name))
    fail(c, "unknown function '" + name + "'; the functions are: " + std::string(function_names()), location);
  return call(name, std::move(args));
}

}  // namespace

std::string function_call_name(const Json& func_call) {
  const std::vector<std::string> names = string_list(node_body(func_call).value("funcname", Json::array()));
  return names.empty() ? std::string() : ascii_lower(names.back());
}

bool is_window_call(const Json& node) { return node_type(node) == "FuncCall" && node_body(node).contains("over"); }

bool is_aggregate_call(const Json& node) {
  if (node_type(node) != "FuncCall" || node_body(node).contains("over")) return false;
  const std::string name = function_call_name(node);
  if (name == "count" || name == "count_star") return true;
  try {
    parse_aggregate_function(name);
    return true;
  } catch (const Error&) {
    return false;
  }
}

namespace {
bool contains_if(const Json& node, bool (*test)(const Json&)) {
  if (test(node)) return true;
  if (node_type(node) == "SubLink") return contains_if(field(node_body(node), "testexpr"), test);
  if (node.is_object() || node.is_array())
    for (const Json& child : node)
      if (contains_if(child, test)) return true;
  return false;
}
}  // namespace

bool contains_aggregate(const Json& node) { return contains_if(node, is_aggregate_call); }
bool contains_window(const Json& node) { return contains_if(node, is_window_call); }

DataType type_from_names(const std::vector<std::string>& names, std::string_view sql, int location) {
  const std::string name = names.empty() ? "" : ascii_lower(names.back());
  if (name == "int2" || name == "int4" || name == "integer" || name == "int" || name == "smallint") return DataType::int32;
  if (name == "int8" || name == "bigint") return DataType::int64;
  if (name == "float4" || name == "real" || name == "float") return DataType::float32;
  if (name == "float8" || name == "double" || name == "numeric" || name == "decimal") return DataType::float64;
  if (name == "bool" || name == "boolean") return DataType::boolean;
  if (name == "text" || name == "varchar" || name == "bpchar" || name == "string") return DataType::string;
  if (name == "date") return DataType::date32;
  if (name == "timestamp") return DataType::timestamp;
  throw SqlError("type '" + name + "' is not supported; the types are INTEGER, BIGINT, REAL, DOUBLE, BOOLEAN, "
                 "VARCHAR, DATE and TIMESTAMP", sql, location);
}

ExprPtr translate_expr(const Json& node, const ExprContext& c) {
  if (c.substitute)
    if (ExprPtr replaced = c.substitute(node)) return replaced;
  const std::string type = node_type(node);
  const Json& body = node_body(node);
  const int location = node_location(node);
  if (type == "ColumnRef") {
    const Json& fields = body.value("fields", Json::array());
    for (const Json& f : fields)
      if (node_type(f) == "A_Star") fail(c, "* is not allowed in " + c.clause, location);
    return c.column(string_list(fields), location);
  }
  if (type == "A_Const") return constant(body, c, location);
  if (type == "TypeCast") {
    const Json& type_name = body["typeName"];
    const DataType target = type_from_names(string_list(type_name.value("names", Json::array())), c.sql,
                                            node_location(Json{{"TypeName", type_name}}));
    const Json& arg = body["arg"];
    // DATE '2024-01-31' and TIMESTAMP '...' are typed literals.
    if (node_type(arg) == "A_Const" && node_body(arg).contains("sval")) {
      const std::string text = node_body(arg)["sval"].value("sval", std::string());
      try {
        if (target == DataType::date32) return date_lit(text);
        if (target == DataType::timestamp) return timestamp_lit(text);
      } catch (const Error& e) {
        fail(c, e.what(), node_location(arg));
      }
    }
    return cast(translate_expr(arg, c), target);
  }
  if (type == "A_Expr") return a_expr(body, c, location);
  if (type == "BoolExpr") {
    const std::string op = body.value("boolop", "");
    std::vector<ExprPtr> args = translate_list(body.value("args", Json::array()), c);
    if (op == "NOT_EXPR") return not_(args.at(0));
    ExprPtr out = args.at(0);
    for (size_t i = 1; i < args.size(); ++i) out = op == "AND_EXPR" ? and_(out, args[i]) : or_(out, args[i]);
    return out;
  }
  if (type == "NullTest") {
    const ExprPtr arg = translate_expr(body["arg"], c);
    return body.value("nulltesttype", "") == "IS_NOT_NULL" ? is_not_null(arg) : is_null(arg);
  }
  if (type == "CaseExpr") {
    std::vector<std::pair<ExprPtr, ExprPtr>> whens;
    for (const Json& w : body.value("args", Json::array())) {
      const Json& wb = node_body(w);
      whens.emplace_back(translate_expr(wb["expr"], c), translate_expr(wb["result"], c));
    }
    const ExprPtr otherwise = body.contains("defresult") ? translate_expr(body["defresult"], c) : nullptr;
    if (body.contains("arg")) return case_of(translate_expr(body["arg"], c), std::move(whens), otherwise);
    return case_when(std::move(whens), otherwise);
  }
  if (type == "CoalesceExpr") return coalesce(translate_list(body.value("args", Json::array()), c));
  if (type == "FuncCall") return function_call(node, c, location);
  if (type == "SubLink") return translate_sublink(node, c);
  if (type == "ParamRef") fail(c, "query parameters ($1) are not supported", location);
  fail(c, "this kind of expression (" + type + ") is not supported", location);
}

}  // namespace nimbus::analytics::sql
