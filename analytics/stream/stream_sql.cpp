#include "analytics/stream/stream_sql.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "analytics/expr/expr_builders.h"
#include "analytics/sql/expr_translate.h"
#include "analytics/sql/pg_tree.h"
#include "analytics/sql/sql_error.h"
#include "analytics/stream/duration.h"

namespace nimbus::analytics::stream {

namespace {

using sql::Json;

struct SqlText {
  std::string_view sql;
  [[noreturn]] void fail(const std::string& message, const Json& node) const {
    throw SqlError(message, sql, sql::node_location(node));
  }
};

std::string column_name(const Json& node, const SqlText& t) {
  if (sql::node_type(node) != "ColumnRef") t.fail("expected a column name", node);
  const auto fields = sql::string_list(sql::node_body(node).value("fields", Json::array()));
  if (fields.empty()) t.fail("expected a column name, not *", node);
  return fields.back();
}

// INTERVAL '10 seconds' (or a plain '10 seconds') as microseconds.
int64_t interval(const Json& node, const SqlText& t) {
  const Json* constant = &node;
  if (sql::node_type(node) == "TypeCast") {
    const Json& type_name = sql::field(sql::node_body(node), "typeName");
    const Json& names = type_name.is_object() && type_name.contains("names")
                            ? type_name["names"]
                            : sql::field(sql::node_body(type_name), "names");
    const auto type_names = sql::string_list(names);
    if (type_names.empty() || type_names.back() != "interval") t.fail("expected INTERVAL '<n> <unit>'", node);
    constant = &sql::field(sql::node_body(node), "arg");
  }
  const Json& body = sql::node_body(*constant);
  if (sql::node_type(*constant) != "A_Const" || !body.contains("sval")) t.fail("expected INTERVAL '<n> <unit>'", node);
  const std::string text = body["sval"].value("sval", std::string());
  const auto micros = parse_duration(text);
  if (!micros || *micros <= 0) {
    std::string message = "'";
    message += text;
    message += "' is not a positive interval; expected ";
    message += kDurationForms;
    t.fail(message, *constant);
  }
  return *micros;
}

bool is_window_function(const Json& node) {
  if (sql::node_type(node) != "FuncCall") return false;
  const std::string name = sql::function_call_name(node);
  return name == "tumble" || name == "hop";
}

// The integer constant of a GROUP BY position, or -1 when `node` is not one.
int64_t position(const Json& node, const SqlText& t) {
  if (sql::node_type(node) != "A_Const" || !sql::node_body(node).contains("ival")) return -1;
  const int at = sql::node_location(node);
  int64_t value = -1;
  if (at >= 0) std::from_chars(t.sql.data() + at, t.sql.data() + t.sql.size(), value);
  return value;
}

struct Target {
  enum Kind { window, key, aggregate } kind = key;
  std::string name;  // output name (alias), or the key column
  const Json* node = nullptr;
};

}  // namespace

void parse_stream_sql(std::string_view text, StreamQuery& query) {
  const SqlText t{text};
  const Json statements = sql::parse_statements(text);
  if (statements.size() != 1) throw SqlError("expected one SELECT statement", text, -1);
  const Json& stmt = statements[0]["stmt"];
  if (sql::node_type(stmt) != "SelectStmt") t.fail("expected a SELECT statement", stmt);
  const Json& s = sql::node_body(stmt);
  for (const char* unsupported : {"havingClause", "sortClause", "limitCount", "limitOffset", "distinctClause",
                                  "withClause", "windowClause"}) {
    if (s.contains(unsupported)) {
      std::string message = "a stream query cannot have ";
      message += unsupported;
      throw SqlError(message, text, -1);
    }
  }
  if (s.contains("op") && s["op"] != "SETOP_NONE") throw SqlError("a stream query cannot use UNION", text, -1);
  const Json& from = sql::field(s, "fromClause");
  if (from.size() > 1 || (from.size() == 1 && sql::node_type(from[0]) != "RangeVar"))
    t.fail("a stream query reads one stream: FROM <name>", from[0]);

  std::vector<Target> targets;
  bool have_window = false;
  query.keys.clear();
  query.aggregates.clear();
  for (const Json& item : sql::field(s, "targetList")) {
    const Json& res = sql::node_body(item);
    const Json& val = sql::field(res, "val");
    const std::string alias = res.value("name", std::string());
    if (is_window_function(val)) {
      if (have_window) t.fail("a stream query has one window", val);
      have_window = true;
      const Json& args = sql::node_body(val).value("args", Json::array());
      const std::string name = sql::function_call_name(val);
      const size_t expected = name == "tumble" ? 2 : 3;
      if (args.size() != expected)
        t.fail(name == "tumble" ? "tumble takes (time_column, INTERVAL 'size')"
                                : "hop takes (time_column, INTERVAL 'slide', INTERVAL 'size')",
               val);
      query.time_column = column_name(args[0], t);
      if (name == "tumble") {
        query.window.size_us = query.window.slide_us = interval(args[1], t);
      } else {
        query.window.slide_us = interval(args[1], t);
        query.window.size_us = interval(args[2], t);
      }
      const std::string base = alias.empty() ? "window" : alias;
      query.window_start_name = base;
      query.window_start_name += "_start";
      query.window_end_name = base;
      query.window_end_name += "_end";
      targets.push_back({Target::window, alias.empty() ? name : alias, &val});
    } else if (sql::node_type(val) == "ColumnRef") {
      const std::string column = column_name(val, t);
      if (!alias.empty() && alias != column) t.fail("key columns keep their names in a stream query (no AS)", val);
      query.keys.push_back(column);
      targets.push_back({Target::key, column, &val});
    } else if (sql::is_aggregate_call(val)) {
      const Json& body = sql::node_body(val);
      if (body.value("agg_distinct", false)) t.fail("DISTINCT aggregates are not supported in a stream query", val);
      if (body.contains("agg_filter")) t.fail("FILTER is not supported in a stream query", val);
      const std::string name = sql::function_call_name(val);
      const Json& args = body.value("args", Json::array());
      const bool star = body.value("agg_star", false);
      if (!star && args.size() != 1) t.fail("stream aggregates take one column", val);
      const auto function = parse_stream_aggregate(name, !star);
      if (!function || (star && *function != StreamAggregate::count_star))
        t.fail("stream queries aggregate with count(*), count, sum, avg, min and max", val);
      AggregateSpec spec;
      spec.function = *function;
      if (!star) spec.input = column_name(args[0], t);
      if (!alias.empty()) spec.output = alias;
      else if (star) spec.output = "count";
      else spec.output = std::string(name).append("_").append(spec.input);
      query.aggregates.push_back(spec);
      targets.push_back({Target::aggregate, spec.output, &val});
    } else {
      t.fail("a stream query selects a window (tumble or hop), key columns and aggregates", val);
    }
  }
  if (!have_window)
    throw SqlError("a stream query needs a window in its select list: tumble(ts, INTERVAL '10 seconds') or "
                   "hop(ts, INTERVAL 'slide', INTERVAL 'size')",
                   text, -1);
  if (query.aggregates.empty()) throw SqlError("a stream query needs at least one aggregate", text, -1);

  // GROUP BY: exactly the window and the keys.
  std::set<size_t> grouped;
  for (const Json& item : sql::field(s, "groupClause")) {
    size_t found = targets.size();
    if (const int64_t k = position(item, t); k != -1) {
      if (k < 1 || k > static_cast<int64_t>(targets.size())) t.fail("GROUP BY position is not in the select list", item);
      found = static_cast<size_t>(k - 1);
    } else if (is_window_function(item)) {
      for (size_t i = 0; i < targets.size(); ++i)
        if (targets[i].kind == Target::window) found = i;
    } else if (sql::node_type(item) == "ColumnRef") {
      const std::string name = column_name(item, t);
      for (size_t i = 0; i < targets.size(); ++i)
        if (targets[i].kind != Target::aggregate && targets[i].name == name) found = i;
    }
    if (found == targets.size() || targets[found].kind == Target::aggregate)
      t.fail("GROUP BY in a stream query names the window and the key columns of the select list", item);
    grouped.insert(found);
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].kind != Target::aggregate && !grouped.contains(i)) {
      std::string message = "'";
      message += targets[i].name;
      message += "' must appear in GROUP BY";
      t.fail(message, *targets[i].node);
    }
  }

  query.where.clear();
  query.where_expr = nullptr;
  if (s.contains("whereClause")) {
    const Json& where = s["whereClause"];
    if (sql::contains_aggregate(where)) t.fail("aggregate functions are not allowed in WHERE", where);
    sql::ExprContext context;
    context.sql = text;
    context.clause = "WHERE";
    context.column = [](const std::vector<std::string>& fields, int) { return expr::col(fields.back()); };
    context.substitute = [](const Json&) { return ExprPtr(); };
    query.where_expr = sql::translate_expr(where, context);
    query.where = query.where_expr->to_sql();
  }
}

}  // namespace nimbus::analytics::stream
