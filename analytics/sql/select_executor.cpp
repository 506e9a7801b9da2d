// Executes one SELECT: FROM, WHERE, GROUP BY with aggregates, HAVING, the select list, DISTINCT,
// ORDER BY and LIMIT/OFFSET, in SQL's logical order, on the analytics operators; set operations
// go to set_operations.cpp, subqueries in expressions to subqueries.cpp (run from here, once each:
// Note [Uncorrelated subqueries]).
//
// Note [Aggregates in expressions]
// An aggregate may sit inside an expression (max(v1) - min(v2)) and a select item may repeat a
// GROUP BY expression (GROUP BY a + b ... SELECT a + b). Grouping therefore runs in three steps:
// every aggregate's argument and every GROUP BY expression that is not a plain column is computed
// as an extra column of the input ("__arg0", "__key0"); group_by() produces one row per group with
// the keys and one column per distinct aggregate ("__agg0"); then the select list, HAVING and
// ORDER BY are translated again with each aggregate call replaced by its result column and each
// GROUP BY expression by its key column. A column outside both is PostgreSQL's error ("must appear
// in the GROUP BY clause or be used in an aggregate function"). Window calls are computed after
// that, over the rows the select list sees (Note [Window calls in a SELECT] in window_calls.h).
#include <algorithm>
#include <map>
#include <set>

#include "analytics/expr/evaluate.h"
#include "analytics/expr/expr_builders.h"
#include "analytics/ops/aggregate.h"
#include "analytics/ops/distinct.h"
#include "analytics/ops/filter.h"
#include "analytics/ops/group_by.h"
#include "analytics/ops/sort.h"
#include "analytics/ops/take.h"
#include "analytics/sql/expr_translate.h"
#include "analytics/sql/from_clause.h"
#include "analytics/sql/query_context.h"
#include "analytics/sql/identifiers.h"
#include "analytics/sql/set_operations.h"
#include "analytics/sql/sql_error.h"
#include "analytics/sql/subqueries.h"
#include "analytics/sql/window_calls.h"

namespace nimbus::analytics::sql {

namespace {


// Runs `f`, turning any analytics error into an SqlError at `location`.
template <typename F>
auto at(const QueryContext& c, int location, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SqlError&) {
    throw;
  } catch (const Error& e) {
    throw SqlError(e.what(), c.sql, location);
  }
}

Table with_column(const Table& table, const std::string& name, const Column& column) {
  std::vector<std::string> names = table.names();
  std::vector<Column> columns = table.columns();
  names.push_back(name);
  columns.push_back(column);
  return Table(names, columns);
}

// An integer constant (GROUP BY 1, ORDER BY 2), or -1.
int64_t position_constant(const Json& node, std::string_view sql) {
  if (node_type(node) != "A_Const" || !node_body(node).contains("ival")) return -1;
  const Json& v = node_body(node)["ival"];
  if (v.contains("ival")) return v["ival"].get<int64_t>();
  (void)sql;
  return -1;
}

struct SelectItem {
  const Json* node = nullptr;  // the expression (ResTarget.val)
  std::string alias;           // AS name, or ""
  int location = -1;
};

struct AggregateCall {
  Aggregate spec;
  std::string key;  // what makes two calls the same aggregate
};

class SelectExecutor {
 public:
  SelectExecutor(const Json& select, QueryContext context) : s_(select), c_(std::move(context)) {}

  QueryResult run() {
    if (s_.contains("valuesLists")) throw SqlError("VALUES lists are not supported", c_.sql, -1);
    define_ctes(s_, c_);
    input_ = build_from(field(s_, "fromClause"), c_);
    apply_where();
    collect_select_items();
    grouped_query_ = s_.contains("groupClause") || s_.contains("havingClause") || any_aggregate();
    if (grouped_query_) aggregate();
    project(grouped_query_);
    if (s_.contains("distinctClause")) apply_distinct();
    order_and_limit();
    untyped_null_.resize(static_cast<size_t>(output_.num_columns()), false);
    return {output_, untyped_null_};
  }

 private:
  // ---- WHERE ----
  // The input column `fields` names. Inside a subquery, a name only an enclosing query has makes
  // the subquery correlated, which is refused (Note [Uncorrelated subqueries]).
  size_t resolve_input(const std::vector<std::string>& fields, int location) const {
    if (!c_.outer_scopes.empty() && !has_column(input_, fields)) refuse_outer_reference(c_, fields);
    return resolve_column(input_, fields, c_.sql, location);
  }

  ExprContext input_context(const std::string& clause) {
    ExprContext ec;
    ec.sql = c_.sql;
    ec.clause = clause;
    ec.column = [this](const std::vector<std::string>& fields, int location) {
      return expr::col(input_.columns[resolve_input(fields, location)].physical);
    };
    ec.substitute = [this](const Json& n) { return window_result(n); };
    ec.run_subquery = [this](const Json& sublink) { return run_subquery(sublink); };
    return ec;
  }

  // A subquery in one of this query's expressions, run once (by its position in the text) with
  // this query's scope as the enclosing one.
  Table run_subquery(const Json& sublink) {
    const int location = node_location(sublink);
    if (const auto it = subquery_rows_.find(location); it != subquery_rows_.end()) return it->second;
    const Json& query = field(node_body(sublink), "subselect");
    if (node_type(query) != "SelectStmt") throw SqlError("unsupported subquery", c_.sql, location);
    QueryContext inner = c_;
    inner.outer_scopes.push_back(&input_);
    inner.subquery_location = location;
    Table rows = execute_select(node_body(query), inner);
    subquery_rows_[location] = rows;
    return rows;
  }

  // The column of a window call computed by project(), or nullptr (before then, or another node).
  ExprPtr window_result(const Json& node) const {
    if (window_columns_.empty() || !is_window_call(node)) return nullptr;
    const auto it = window_columns_.find(node.dump());
    return it == window_columns_.end() ? nullptr : expr::col(it->second);
  }

  void apply_where() {
    if (!s_.contains("whereClause")) return;
    const Json& where = s_["whereClause"];
    const ExprPtr predicate = translate_expr(where, input_context("WHERE"));
    input_.table = at(c_, node_location(where),
                      [&] { return filter(input_.table, evaluate_predicate(predicate, input_.table)); });
  }

  // ---- the select list ----
  void collect_select_items() {
    for (const Json& target : field(s_, "targetList")) {
      const Json& body = node_body(target);
      SelectItem item{&body["val"], body.value("name", ""), node_location(target)};
      items_.push_back(item);
    }
  }

  bool any_aggregate() const {
    for (const SelectItem& item : items_)
      if (contains_aggregate(*item.node)) return true;
    return s_.contains("sortClause") && contains_aggregate(s_["sortClause"]);
  }

  static bool is_star(const Json& node) {
    if (node_type(node) != "ColumnRef") return false;
    const Json& fields = node_body(node).value("fields", Json::array());
    return !fields.empty() && node_type(fields.back()) == "A_Star";
  }

  // The name DuckDB gives a select item without an alias: the column's name for a column, else
  // the expression's text with aggregates written as calls ("sum(v1)", "count_star()").
  std::string display_name(const Json& node) const {
    if (node_type(node) == "ColumnRef") {
      // The column's own spelling ("Label" for label), as DuckDB names it.
      const auto fields = string_list(node_body(node).value("fields", Json::array()));
      if (has_column(input_, fields)) return input_.columns[resolve_column(input_, fields, c_.sql, -1)].name;
      if (!fields.empty()) return fields.back();
    }
    if (is_window_call(node)) return window_call_text(node, c_.sql);
    if (node_type(node) == "SubLink") return subquery_text(node, c_.sql);
    ExprContext ec;
    ec.sql = c_.sql;
    ec.clause = "the select list";
    ec.column = [](const std::vector<std::string>& fields, int) { return expr::col(fields.back()); };
    ec.substitute = [&ec, this](const Json& n) -> ExprPtr {
      if (is_window_call(n)) return expr::col(window_call_text(n, c_.sql));
      if (node_type(n) == "SubLink") return expr::col(subquery_text(n, c_.sql));
      if (!is_aggregate_call(n)) return nullptr;
      const Json& body = node_body(n);
      if (body.value("agg_star", false)) return expr::call("count_star", {});
      std::vector<ExprPtr> args;
      for (const Json& arg : body.value("args", Json::array())) args.push_back(translate_expr(arg, ec));
      return expr::call(function_call_name(n), std::move(args));
    };
    return translate_expr(node, ec)->to_sql();
  }

  // ---- GROUP BY and aggregates (Note [Aggregates in expressions]) ----
  void aggregate() {
    Table pre = input_.table;
    std::vector<std::string> key_columns;
    // GROUP BY items: a select-list position, a select alias, or an expression over the input.
    for (const Json& item : field(s_, "groupClause")) {
      const Json* node = &item;
      if (const int64_t k = position_constant(item, c_.sql); k != -1) {
        if (k < 1 || k > static_cast<int64_t>(items_.size()))
          throw SqlError("GROUP BY position " + std::to_string(k) + " is not in the select list", c_.sql,
                         node_location(item));
        node = items_[static_cast<size_t>(k - 1)].node;
      } else if (node_type(item) == "ColumnRef") {
        const auto fields = string_list(node_body(item).value("fields", Json::array()));
        if (fields.size() == 1 && !has_column(input_, fields))
          for (const SelectItem& s : items_)
            if (!s.alias.empty() && ascii_lower(s.alias) == ascii_lower(fields[0])) node = s.node;
      }
      if (contains_aggregate(*node))
        throw SqlError("aggregate functions are not allowed in GROUP BY", c_.sql, node_location(item));
      const ExprPtr e = translate_expr(*node, input_context("GROUP BY"));
      std::string name;
      if (e->kind == ExprKind::column) {
        name = e->name;
      } else {
        name = "__key" + std::to_string(key_sql_.size());
        pre = with_column(pre, name, at(c_, node_location(*node), [&] { return evaluate(e, pre); }));
      }
      if (std::find(key_columns.begin(), key_columns.end(), name) == key_columns.end()) {
        key_columns.push_back(name);
        key_sql_.emplace_back(e->to_sql(), name);
      }
    }
    // Aggregates anywhere in the select list, HAVING and ORDER BY.
    std::vector<const Json*> places;
    for (const SelectItem& item : items_) places.push_back(item.node);
    if (s_.contains("havingClause")) places.push_back(&s_["havingClause"]);
    if (s_.contains("sortClause")) places.push_back(&s_["sortClause"]);
    for (const Json* place : places) collect_aggregates(*place, pre);
    std::vector<Aggregate> specs;
    for (const AggregateCall& a : aggregates_) specs.push_back(a.spec);
    grouped_ = at(c_, -1, [&] { return group_by(pre, key_columns, specs); });
    if (s_.contains("havingClause")) {
      const Json& having = s_["havingClause"];
      const ExprPtr predicate = translate_expr(having, grouped_context("HAVING"));
      grouped_ = at(c_, node_location(having), [&] { return filter(grouped_, evaluate_predicate(predicate, grouped_)); });
    }
  }

  void collect_aggregates(const Json& node, Table& pre) {
    if (is_aggregate_call(node)) {
      add_aggregate(node, pre);
      return;
    }
    if (node_type(node) == "SubLink") {  // the subquery's aggregates are its own
      collect_aggregates(field(node_body(node), "testexpr"), pre);
      return;
    }
    if (node.is_object() || node.is_array())
      for (const Json& child : node) collect_aggregates(child, pre);
  }

  // The Aggregate for a call, its arguments computed into `pre` when they are not plain columns.
  void add_aggregate(const Json& node, Table& pre) {
    const Json& body = node_body(node);
    const int location = node_location(node);
    const std::string name = function_call_name(node);
    const bool star = body.value("agg_star", false);
    std::vector<ExprPtr> args;
    ExprContext ec = input_context("aggregate arguments");
    ec.substitute = [&](const Json& n) -> ExprPtr {
      if (is_aggregate_call(n)) throw SqlError("aggregate calls cannot be nested", c_.sql, node_location(n));
      return nullptr;
    };
    for (const Json& arg : body.value("args", Json::array())) args.push_back(translate_expr(arg, ec));
    Aggregate spec;
    spec.distinct = body.value("agg_distinct", false);
    if (star || (name == "count" && args.empty())) {
      spec.function = AggregateFunction::count_star;
    } else {
      spec.function = at(c_, location, [&] { return parse_aggregate_function(name); });
      const size_t wanted = spec.function == AggregateFunction::corr ? 2 : 1;
      if (args.size() != wanted)
        throw SqlError(name + "() takes " + std::to_string(wanted) + " argument" + (wanted > 1 ? "s" : ""), c_.sql,
                       location);
    }
    std::string key = std::string(aggregate_function_name(spec.function)) + (spec.distinct ? " distinct" : "");
    for (const ExprPtr& a : args) key += "|" + a->to_sql();
    aggregate_of_node_[node.dump()] = find_or_add(key, spec, args, pre, location);
  }

  size_t find_or_add(const std::string& key, Aggregate spec, const std::vector<ExprPtr>& args, Table& pre,
                     int location) {
    for (size_t i = 0; i < aggregates_.size(); ++i)
      if (aggregates_[i].key == key) return i;
    const auto input_column = [&](const ExprPtr& e) {
      if (e->kind == ExprKind::column) return e->name;
      const std::string name = "__arg" + std::to_string(pre.num_columns());
      pre = with_column(pre, name, at(c_, location, [&] { return evaluate(e, pre); }));
      return name;
    };
    if (!args.empty()) spec.input = input_column(args[0]);
    if (args.size() > 1) spec.input2 = input_column(args[1]);
    spec.output = "__agg" + std::to_string(aggregates_.size());
    aggregates_.push_back({spec, key});
    return aggregates_.size() - 1;
  }

  // Translation over the grouped table: aggregates and GROUP BY expressions become its columns.
  ExprContext grouped_context(const std::string& clause) {
    ExprContext ec;
    ec.sql = c_.sql;
    ec.clause = clause;
    ec.run_subquery = [this](const Json& sublink) { return run_subquery(sublink); };
    ec.column = [this](const std::vector<std::string>& fields, int location) {
      const std::string physical = input_.columns[resolve_input(fields, location)].physical;
      for (const auto& [sql, name] : key_sql_)
        if (name == physical) return expr::col(name);
      std::string shown;
      for (const std::string& f : fields) shown += (shown.empty() ? "" : ".") + f;
      throw SqlError("column '" + shown + "' must appear in the GROUP BY clause or be used in an aggregate function",
                     c_.sql, location);
    };
    ec.substitute = [this](const Json& n) -> ExprPtr {
      if (ExprPtr window = window_result(n)) return window;
      if (is_aggregate_call(n)) {
        const auto it = aggregate_of_node_.find(n.dump());
        if (it != aggregate_of_node_.end()) return expr::col(aggregates_[it->second].spec.output);
        return nullptr;
      }
      if (key_sql_.empty() || node_type(n) == "ColumnRef" || node_type(n) == "A_Const") return nullptr;
      try {
        const std::string sql = translate_expr(n, input_context("GROUP BY"))->to_sql();
        for (const auto& [key, name] : key_sql_)
          if (key == sql) return expr::col(name);
      } catch (const Error&) {
        // Not an expression over the input alone (it holds aggregates): translated part by part.
      }
      return nullptr;
    };
    return ec;
  }

  // ---- projection, DISTINCT, ORDER BY, LIMIT ----
  void project(bool grouped) {
    source_ = grouped ? grouped_ : input_.table;
    add_windows(grouped);
    std::vector<std::string> names;
    std::vector<Column> columns;
    const auto add = [&](std::string name, Column column) {
      // Duplicate output names get a suffix, as Table needs distinct names ("a", "a_1").
      std::string unique = name;
      for (int n = 1; std::find(names.begin(), names.end(), unique) != names.end(); ++n)
        unique = name + "_" + std::to_string(n);
      names.push_back(unique);
      columns.push_back(std::move(column));
    };
    for (const SelectItem& item : items_) {
      if (is_star(*item.node)) {
        if (grouped) throw SqlError("SELECT * cannot be used with GROUP BY", c_.sql, item.location);
        const auto fields = string_list(node_body(*item.node).value("fields", Json::array()));
        bool any = false;
        for (const ScopeColumn& col : input_.columns) {
          if (col.hidden || (fields.size() == 2 && ascii_lower(col.qualifier) != ascii_lower(fields[0]))) continue;
          add(col.name, input_.table.column(col.physical));
          any = true;
        }
        if (!any && fields.size() == 2)
          throw SqlError("no table '" + fields[0] + "' in FROM", c_.sql, item.location);
        continue;
      }
      const ExprPtr e = translate_expr(*item.node, grouped ? grouped_context("the select list")
                                                           : input_context("the select list"));
      add(item.alias.empty() ? display_name(*item.node) : item.alias,
          at(c_, item.location, [&] { return evaluate(e, source_); }));
      untyped_null_.resize(names.size() - 1, false);
      untyped_null_.push_back(e->kind == ExprKind::literal && e->untyped_null);
    }
    output_ = columns.empty() ? Table() : Table(names, columns);
    visible_ = output_.num_columns();
  }

  // Window calls in the select list and ORDER BY become columns of source_ (Note [Window calls in
  // a SELECT]).
  void add_windows(bool grouped) {
    std::vector<const Json*> places;
    for (const SelectItem& item : items_) places.push_back(item.node);
    if (s_.contains("sortClause")) places.push_back(&s_["sortClause"]);
    if (std::none_of(places.begin(), places.end(), [](const Json* p) { return contains_window(*p); })) return;
    if (s_.contains("windowClause"))
      throw SqlError("named windows (WINDOW w AS ...) are not supported; write the window in OVER (...)", c_.sql,
                     node_location(s_["windowClause"][0]));
    WindowColumns windows = add_window_columns(
        source_, places, grouped ? grouped_context("window functions") : input_context("window functions"));
    source_ = std::move(windows.rows);
    window_columns_ = std::move(windows.column_of_call);
  }

  void apply_distinct() {
    const Json& clause = s_["distinctClause"];
    if (!clause.is_array() || clause.empty() || (clause.size() == 1 && clause[0].empty())) {
      output_ = at(c_, -1, [&] { return distinct(output_); });
      distinct_applied_ = true;
      return;
    }
    throw SqlError("DISTINCT ON is not supported", c_.sql, node_location(clause[0]));
  }

  void order_and_limit() {
    std::vector<SortKey> keys;
    for (const Json& sort_by : field(s_, "sortClause")) {
      const Json& body = node_body(sort_by);
      const Json& node = body["node"];
      SortKey key = sort_key_order(body);
      key.column = order_column(node);
      keys.push_back(key);
    }
    const int64_t offset = limit_constant(s_, "limitOffset", 0, c_.sql);
    const int64_t limit = limit_constant(s_, "limitCount", -1, c_.sql);
    if (!keys.empty()) {
      const int64_t rows = output_.num_rows();
      const bool top = limit >= 0 && limit + offset < rows;
      output_ = at(c_, -1, [&] { return top ? top_k(output_, keys, limit + offset) : sort(output_, keys); });
    }
    if (offset > 0 || limit >= 0) {
      const int64_t start = std::min(offset, output_.num_rows());
      const int64_t count = limit < 0 ? output_.num_rows() - start : std::min(limit, output_.num_rows() - start);
      output_ = output_.slice(start, count);
    }
    if (output_.num_columns() > visible_) {
      std::vector<std::string> names(output_.names().begin(), output_.names().begin() + visible_);
      output_ = output_.select(names);
    }
  }

  // The output column an ORDER BY item sorts by: a position, an output name, or an expression
  // over the query's rows appended as a hidden column.
  std::string order_column(const Json& node) {
    if (const int64_t k = position_constant(node, c_.sql); k != -1) {
      if (k < 1 || k > visible_)
        throw SqlError("ORDER BY position " + std::to_string(k) + " is not in the select list", c_.sql,
                       node_location(node));
      return output_.names()[static_cast<size_t>(k - 1)];
    }
    if (node_type(node) == "ColumnRef") {
      const auto fields = string_list(node_body(node).value("fields", Json::array()));
      if (fields.size() == 1)
        for (int64_t i = 0; i < visible_; ++i)
          if (ascii_lower(output_.names()[static_cast<size_t>(i)]) == ascii_lower(fields[0])) return output_.names()[static_cast<size_t>(i)];
    }
    if (distinct_applied_)
      throw SqlError("with SELECT DISTINCT, ORDER BY expressions must appear in the select list", c_.sql,
                     node_location(node));
    const ExprPtr e = translate_expr(node, grouped_query_ ? grouped_context("ORDER BY") : input_context("ORDER BY"));
    const std::string name = "__order" + std::to_string(output_.num_columns());
    output_ = with_column(output_, name, at(c_, node_location(node), [&] { return evaluate(e, source_); }));
    return name;
  }


  const Json& s_;
  QueryContext c_;
  Relation input_;
  std::vector<SelectItem> items_;
  std::vector<std::pair<std::string, std::string>> key_sql_;  // GROUP BY expression text -> key column
  std::vector<AggregateCall> aggregates_;
  std::map<std::string, size_t> aggregate_of_node_;  // a call's JSON -> aggregates_ index
  std::map<std::string, std::string> window_columns_;  // a window call's JSON -> its column in source_
  std::map<int, Table> subquery_rows_;                 // a subquery's position -> its rows
  std::vector<bool> untyped_null_;                     // per output column: a bare NULL literal
  Table grouped_, source_, output_;
  int64_t visible_ = 0;
  bool grouped_query_ = false;
  bool distinct_applied_ = false;
};

}  // namespace

QueryResult run_query(const Json& select, QueryContext context) {
  if (select.value("op", "SETOP_NONE") != "SETOP_NONE") return run_set_operation(select, std::move(context));
  return SelectExecutor(select, std::move(context)).run();
}

void define_ctes(const Json& select, QueryContext& context) {
  if (!select.contains("withClause")) return;
  const Json& with = select["withClause"];
  if (with.value("recursive", false)) throw SqlError("WITH RECURSIVE is not supported", context.sql, -1);
  for (const Json& cte : field(with, "ctes")) {
    const Json& body = node_body(cte);
    const Json& query = body["ctequery"];
    if (node_type(query) != "SelectStmt") throw SqlError("unsupported WITH query", context.sql, node_location(cte));
    context.ctes[ascii_lower(body.value("ctename", ""))] = execute_select(node_body(query), context);
  }
}

int64_t limit_constant(const Json& select, const char* key, int64_t absent, std::string_view sql) {
  if (!select.contains(key)) return absent;
  const Json& node = select[key];
  ExprContext ec;
  ec.sql = sql;
  ec.clause = std::string(key) == "limitCount" ? "LIMIT" : "OFFSET";
  ec.column = [sql](const std::vector<std::string>&, int location) -> ExprPtr {
    throw SqlError("LIMIT and OFFSET take an integer constant", sql, location);
  };
  const ExprPtr e = translate_expr(node, ec);
  if (e->kind != ExprKind::literal || (!e->untyped_null && e->value.type() != DataType::int32 &&
                                       e->value.type() != DataType::int64))
    throw SqlError("LIMIT and OFFSET take an integer constant", sql, node_location(node));
  if (e->untyped_null || e->value.is_null()) return absent;  // LIMIT NULL / LIMIT ALL
  const int64_t v = e->value.as_int();
  if (v < 0) throw SqlError("LIMIT and OFFSET must not be negative", sql, node_location(node));
  return v;
}

void refuse_outer_reference(const QueryContext& context, const std::vector<std::string>& fields) {
  for (const Relation* outer : context.outer_scopes) {
    if (!has_column(*outer, fields)) continue;
    std::string shown;
    for (const std::string& f : fields) shown.append(shown.empty() ? "" : ".").append(f);
    std::string message = "correlated subqueries are not supported yet: '";
    message.append(shown).append("' is a column of the enclosing query");
    throw SqlError(message, context.sql, context.subquery_location);
  }
}

}  // namespace nimbus::analytics::sql
