// Executes one SELECT: FROM, WHERE, GROUP BY with aggregates, HAVING, the select list, DISTINCT,
// ORDER BY and LIMIT/OFFSET, in SQL's logical order, on the analytics operators; set operations
// go to set_operations.cpp, VALUES lists to values_lists.cpp, subqueries in expressions to
// subqueries.cpp (run from here, once each: Note [Uncorrelated subqueries]); a SELECT that is a
// correlated subquery reports its correlation to the query around it (Note [Decorrelated
// subqueries] in decorrelate.h).
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
#include <optional>
#include <set>

#include "analytics/expr/evaluate.h"
#include "analytics/expr/expr_builders.h"
#include "analytics/ops/aggregate.h"
#include "analytics/ops/distinct.h"
#include "analytics/ops/filter.h"
#include "analytics/ops/group_by.h"
#include "analytics/ops/sort.h"
#include "analytics/ops/take.h"
#include "analytics/sql/dependent_join.h"
#include "analytics/sql/expr_translate.h"
#include "analytics/sql/from_clause.h"
#include "analytics/sql/identifiers.h"
#include "analytics/sql/query_context.h"
#include "analytics/sql/set_operations.h"
#include "analytics/sql/sql_error.h"
#include "analytics/sql/subqueries.h"
#include "analytics/sql/table_columns.h"
#include "analytics/sql/values_lists.h"
#include "analytics/sql/window_calls.h"

namespace nimbus::analytics::sql {

namespace {

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
  SelectExecutor(const Json& select, QueryContext context)
      : s_(select), c_(std::move(context)), correlation_(c_.correlation) {
    c_.correlation = nullptr;  // this SELECT's own subqueries, CTEs and FROM items report nothing
    rank_limit_ = std::move(c_.rank_limit);
    c_.rank_limit.reset();
  }

  QueryResult run() {
    if (s_.contains("valuesLists")) return run_values();
    define_ctes(s_, c_);
    QueryContext from_context = c_;
    from_context.rank_limit = limit_on_from_subquery();
    input_ = build_from(field(s_, "fromClause"), from_context);
    apply_where();
    // A first run that found correlated conditions other than equalities stops here: it runs again
    // over the enclosing query's values (Note [Dependent joins] in dependent_join.h).
    if (correlation_ != nullptr && correlation_->needs_domain) return {Table(), {}};
    collect_select_items();
    grouped_query_ = s_.contains("groupClause") || s_.contains("havingClause") || any_aggregate();
    if (!correlation_keys_.empty()) check_correlated_shape();
    if (grouped_query_) aggregate();
    project(grouped_query_);
    if (s_.contains("distinctClause")) apply_distinct();
    order_and_limit();
    untyped_null_.resize(static_cast<size_t>(output_.num_columns()), false);
    return {output_, untyped_null_};
  }

 private:
  // ---- VALUES ----
  // VALUES (1, 'a'), (2, NULL) [ORDER BY ...] [LIMIT ...] (Note [VALUES column types]).
  QueryResult run_values() {
    QueryResult values = values_rows(s_["valuesLists"], c_);
    input_ = Relation::of(values.table, "");
    output_ = source_ = values.table;
    visible_ = output_.num_columns();
    order_and_limit();
    return {output_, values.untyped_null};
  }

  // ---- WHERE ----
  // The input column `fields` names. Inside a subquery, a name only an enclosing query has is
  // refused here: the correlations supported are taken out of WHERE first (apply_where).
  size_t resolve_input(const std::vector<std::string>& fields, int location) const {
    if (!c_.outer_scopes.empty() && !has_column(input_, fields)) refuse_outer_reference(c_, fields, location);
    return resolve_column(input_, fields, c_.sql, location);
  }

  // Translation over the input rows; `rows` is the table the expression will be evaluated over
  // (where a correlated subquery adds its columns), null where that is not supported.
  ExprContext input_context(const std::string& clause, Table* rows) {
    ExprContext ec;
    ec.sql = c_.sql;
    ec.clause = clause;
    ec.rows = rows;
    ec.column = [this](const std::vector<std::string>& fields, int location) {
      return expr::col(input_.columns[resolve_input(fields, location)].physical);
    };
    ec.substitute = [this](const Json& n) { return window_result(n); };
    ec.run_subquery = [this](const Json& sublink) { return run_subquery(sublink); };
    return ec;
  }

  // A subquery in one of this query's expressions, run once (by its position in the text) with
  // this query's scope as the enclosing one; when it is correlated, its rows carry key columns
  // (Note [Decorrelated subqueries]).
  SubqueryRows run_subquery(const Json& sublink) {
    const int location = node_location(sublink);
    if (const auto it = subquery_rows_.find(location); it != subquery_rows_.end()) return it->second;
    SubqueryRows rows = run_subquery_over(sublink, nullptr);
    subquery_rows_[location] = rows;
    return rows;
  }

  // The subquery run with `domain` as its correlation domain, or without one (null); a run that
  // asks for a domain can be run again over one (Note [Dependent joins] in dependent_join.h).
  SubqueryRows run_subquery_over(const Json& sublink, const Table* domain) {
    const Json& query = field(node_body(sublink), "subselect");
    if (node_type(query) != "SelectStmt") throw SqlError("unsupported subquery", c_.sql, node_location(sublink));
    auto correlation = std::make_shared<Correlation>();
    correlation->outer = &input_;
    correlation->for_exists = node_body(sublink).value("subLinkType", "") == "EXISTS_SUBLINK";
    correlation->domain = domain;
    QueryContext inner = c_;
    inner.outer_scopes.push_back(&input_);
    inner.correlation = correlation.get();
    SubqueryRows rows;
    rows.rows = execute_select(node_body(query), inner);
    if (!correlation->correlated()) return rows;
    correlation->domain = nullptr;  // the caller's, which it may drop
    if (correlation->needs_domain)
      rows.over_domain = [this, &sublink](const Table& values) { return run_subquery_over(sublink, &values); };
    rows.correlation = std::move(correlation);
    return rows;
  }

  // ---- correlation with an enclosing query (Note [Decorrelated subqueries]) ----
  // Whether `node` names a column of the enclosing query (not of this one), outside the
  // subqueries it holds (their names are theirs to resolve).
  bool mentions_outer(const Json& node) const { return mentions(node, true); }
  bool mentions_inner(const Json& node) const { return mentions(node, false); }
  bool mentions(const Json& node, bool outer) const {
    const std::string type = node_type(node);
    if (type == "ColumnRef") {
      const Json& list = node_body(node).value("fields", Json::array());
      if (!list.empty() && node_type(list.back()) == "A_Star") return false;
      const auto fields = string_list(list);
      const bool own = names_column(input_, fields);
      return outer ? !own && names_column(*correlation_->outer, fields) : own;
    }
    if (type == "SubLink") return mentions(field(node_body(node), "testexpr"), outer);
    if (node.is_object() || node.is_array())
      for (const Json& child : node)
        if (mentions(child, outer)) return true;
    return false;
  }

  // The subquery's side of a correlated condition `inner = outer` (or `outer = inner`), whose
  // enclosing side goes to correlation_->outer_keys; null for any other condition that names an
  // enclosing column (a residual condition).
  const Json* correlated_equality(const Json& conjunct) {
    const Json& e = node_body(conjunct);
    const bool equality = node_type(conjunct) == "A_Expr" && e.value("kind", "") == "AEXPR_OP" && e.contains("lexpr") &&
                          string_list(e.value("name", Json::array())) == std::vector<std::string>{"="};
    if (equality) {
      const Json& l = e["lexpr"];
      const Json& r = e["rexpr"];
      const auto pure_outer = [this](const Json& side) {
        return mentions_outer(side) && !mentions_inner(side) && side.dump().find("\"SubLink\"") == std::string::npos;
      };
      const Json* inner = pure_outer(r) && !mentions_outer(l) ? &l : pure_outer(l) && !mentions_outer(r) ? &r : nullptr;
      if (inner != nullptr) {
        correlation_->outer_keys.push_back(inner == &l ? &r : &l);
        return inner;
      }
    }
    return nullptr;
  }

  // A correlated condition that is not an equality, translated over the pairs of this query's rows
  // and the correlation domain's it will be tested on (Note [Dependent joins]): this query's
  // columns by their physical names (recorded in residual_inputs_), the enclosing query's by the
  // domain's names for them (recorded in correlation_->outer_columns).
  ExprPtr residual_condition(const Json& conjunct) {
    ExprContext ec;
    ec.sql = c_.sql;
    ec.clause = "a correlated condition";
    ec.column = [this](const std::vector<std::string>& fields, int location) -> ExprPtr {
      if (names_column(input_, fields) || !names_column(*correlation_->outer, fields)) {
        const std::string physical = input_.columns[resolve_input(fields, location)].physical;
        if (std::find(residual_inputs_.begin(), residual_inputs_.end(), physical) == residual_inputs_.end())
          residual_inputs_.push_back(physical);
        return expr::col(physical);
      }
      return expr::col(outer_column(fields, location));
    };
    return translate_expr(conjunct, ec);
  }

  // The domain's column for the enclosing query's column `fields`, one per column however often
  // it is named: its name as written ("p.age", so that an error about the condition reads as the
  // query does) unless that is a name of this query's rows or of the domain's own columns.
  std::string outer_column(const std::vector<std::string>& fields, int location) {
    std::vector<OuterColumn>& outer = correlation_->outer_columns;
    for (const OuterColumn& column : outer)
      if (column.fields == fields) return column.name;
    std::string name;
    for (const std::string& f : fields) name.append(name.empty() ? "" : ".").append(f);
    const bool taken = name.rfind("__", 0) == 0 || input_.table.find(name).has_value() ||
                       std::any_of(outer.begin(), outer.end(), [&](const OuterColumn& c) { return c.name == name; });
    if (taken) name = "__out" + std::to_string(outer.size());
    outer.push_back({fields, location, name});
    return name;
  }

  // What a correlated subquery cannot hold: a window (it would span every outer row's rows), a
  // LIMIT (it would limit them all together) except in EXISTS, HAVING without GROUP BY.
  void check_correlated_shape() {
    for (const SelectItem& item : items_)
      if (contains_window(*item.node))
        throw SqlError("window functions are not supported in a correlated subquery", c_.sql, item.location);
    if (s_.contains("limitOffset"))
      throw SqlError("OFFSET is not supported in a correlated subquery", c_.sql, node_location(s_["limitOffset"]));
    if (s_.contains("limitCount")) {
      if (!correlation_->for_exists || limit_constant(s_, "limitCount", -1, c_.sql) == 0)
        throw SqlError("LIMIT is not supported in a correlated subquery (except LIMIT n >= 1 in EXISTS)", c_.sql,
                       node_location(s_["limitCount"]));
      limit_ignored_ = true;  // EXISTS (... LIMIT 1): whether a row exists is unchanged
    }
    if (s_.contains("havingClause") && !s_.contains("groupClause"))
      throw SqlError("HAVING without GROUP BY is not supported in a correlated subquery", c_.sql,
                     node_location(s_["havingClause"]));
  }

  // The column of a window call computed by project(), or nullptr (before then, or another node).
  ExprPtr window_result(const Json& node) const {
    if (window_columns_.empty() || !is_window_call(node)) return nullptr;
    const auto it = window_columns_.find(node.dump());
    return it == window_columns_.end() ? nullptr : expr::col(it->second);
  }

  // WHERE; in a subquery, its correlated equalities are taken out and their subquery sides become
  // the key columns "__corr0", ... (Note [Decorrelated subqueries]). Other correlated conditions
  // make it a dependent join with the correlation domain (Note [Dependent joins]): a first run
  // records what the domain holds and stops, the second joins this query's rows with it.
  void apply_where() {
    if (!s_.contains("whereClause")) return;
    const Json& where = s_["whereClause"];
    std::vector<const Json*> local;
    std::vector<const Json*> inner_keys;
    ExprPtr residual;
    for (const Json* conjunct : and_operands(where)) {
      if (!correlation_ || !mentions_outer(*conjunct)) {
        local.push_back(conjunct);
      } else if (const Json* inner = correlated_equality(*conjunct)) {
        inner_keys.push_back(inner);
      } else {
        if (residual_location_ < 0) residual_location_ = node_location(*conjunct);
        const ExprPtr e = residual_condition(*conjunct);
        residual = residual ? expr::and_(residual, e) : e;
      }
    }
    if (residual && correlation_->domain == nullptr) {
      correlation_->needs_domain = true;
      return;
    }
    if (!local.empty()) {
      ExprPtr predicate;
      for (const Json* conjunct : local) {
        const ExprPtr e = translate_expr(*conjunct, input_context("WHERE", &input_.table));
        predicate = predicate ? expr::and_(predicate, e) : e;
      }
      input_.table = at(c_, node_location(where),
                        [&] { return filter(input_.table, evaluate_predicate(predicate, input_.table)); });
    }
    std::vector<DomainEquality> equalities;
    for (size_t i = 0; i < inner_keys.size(); ++i) {
      const ExprPtr key = translate_expr(*inner_keys[i], input_context("WHERE", &input_.table));
      const int location = node_location(*inner_keys[i]);
      Column values = at(c_, location, [&] { return evaluate(key, input_.table); });
      if (residual) {
        equalities.push_back({std::move(values), location});
        continue;
      }
      correlation_keys_.push_back(correlation_key_name(i));
      input_.table = with_column(input_.table, correlation_keys_.back(), values);
    }
    if (residual) {
      input_.table = join_with_domain(input_.table, *correlation_->domain, std::move(equalities), residual,
                                      residual_inputs_, c_.sql, residual_location_);
      correlation_keys_ = {correlation_key_name(0)};
    }
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
    if (node_type(node) == "SubLink") return sublink_name(node);
    ExprContext ec;
    ec.sql = c_.sql;
    ec.clause = "the select list";
    ec.column = [](const std::vector<std::string>& fields, int) { return expr::col(fields.back()); };
    ec.substitute = [&ec, this](const Json& n) -> ExprPtr {
      if (is_window_call(n)) return expr::col(window_call_text(n, c_.sql));
      if (node_type(n) == "SubLink") return expr::col(sublink_name(n));
      if (!is_aggregate_call(n)) return nullptr;
      const Json& body = node_body(n);
      if (body.value("agg_star", false)) return expr::call("count_star", {});
      std::vector<ExprPtr> args;
      for (const Json& arg : body.value("args", Json::array())) args.push_back(translate_expr(arg, ec));
      return expr::call(function_call_name(n), std::move(args));
    };
    return translate_expr(node, ec)->to_sql();
  }

  // A subquery's text from its position, which is the operator's for x IN (...) and x > ALL (...),
  // so those start with the name of x.
  std::string sublink_name(const Json& sublink) const {
    const Json& test = field(node_body(sublink), "testexpr");
    std::string name = test.empty() ? std::string() : display_name(test).append(" ");
    return name.append(subquery_text(sublink, c_.sql));
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
      const ExprPtr e = translate_expr(*node, input_context("GROUP BY", nullptr));
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
    if (!correlation_keys_.empty()) {
      // A correlated subquery answers per outer key: its key columns group too. Without GROUP BY,
      // an outer row whose key has no rows gets the aggregates over no rows.
      correlation_->implicit_aggregate = !s_.contains("groupClause");
      if (correlation_->implicit_aggregate)
        empty_grouped_ = at(c_, -1, [&] { return group_by(pre.slice(0, 0), {}, specs); });
      for (const std::string& key : correlation_keys_) key_columns.push_back(key);
    }
    grouped_ = at(c_, -1, [&] { return group_by(pre, key_columns, specs); });
    if (s_.contains("havingClause")) {
      const Json& having = s_["havingClause"];
      const ExprPtr predicate = translate_expr(having, grouped_context("HAVING", &grouped_));
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
    ExprContext ec = input_context("aggregate arguments", nullptr);
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
  ExprContext grouped_context(const std::string& clause, Table* rows) {
    ExprContext ec;
    ec.sql = c_.sql;
    ec.clause = clause;
    ec.rows = rows;
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
        const std::string sql = translate_expr(n, input_context("GROUP BY", nullptr))->to_sql();
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
    std::vector<Column> empty_columns;  // the select list over no rows (Correlation::empty_group)
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
          add(col.name, source_.column(col.physical));
          any = true;
        }
        if (!any && fields.size() == 2)
          throw SqlError("no table '" + fields[0] + "' in FROM", c_.sql, item.location);
        continue;
      }
      // (Over the aggregates of no rows as well, a correlated subquery's select list must not
      // hold correlated subqueries of its own.)
      Table* rows = implicit_aggregate() ? nullptr : &source_;
      const ExprPtr e = translate_expr(*item.node, grouped ? grouped_context("the select list", rows)
                                                           : input_context("the select list", rows));
      add(item.alias.empty() ? display_name(*item.node) : item.alias,
          at(c_, item.location, [&] { return evaluate(e, source_); }));
      if (implicit_aggregate())
        empty_columns.push_back(at(c_, item.location, [&] { return evaluate(e, empty_grouped_); }));
      untyped_null_.resize(names.size() - 1, false);
      untyped_null_.push_back(e->kind == ExprKind::literal && e->untyped_null);
    }
    if (implicit_aggregate()) correlation_->empty_group = Table(names, empty_columns);
    for (const std::string& key : correlation_keys_) add(key, source_.column(key));
    output_ = columns.empty() ? Table() : Table(names, columns);
    visible_ = output_.num_columns();
  }

  bool implicit_aggregate() const { return correlation_ != nullptr && correlation_->implicit_aggregate; }

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
    const std::optional<WindowRowLimit> limit = window_row_limit();
    WindowColumns windows = add_window_columns(source_, places,
                                               grouped ? grouped_context("window functions", nullptr)
                                                       : input_context("window functions", nullptr),
                                               limit ? &*limit : nullptr);
    source_ = std::move(windows.rows);
    window_columns_ = std::move(windows.column_of_call);
  }

  // ---- top rows of a window subquery (Note [Top rows of a window subquery] in window_calls.h) ----
  // The condition of this query's WHERE that keeps only the rows of its one FROM subquery where a
  // column is at most an integer constant (rn <= 2, rn < 3, rn = 1, 2 >= rn), as that column and
  // the smallest such limit.
  std::optional<RankColumnLimit> limit_on_from_subquery() const {
    const Json& from = field(s_, "fromClause");
    if (!s_.contains("whereClause") || !from.is_array() || from.size() != 1 ||
        node_type(from[0]) != "RangeSubselect")
      return std::nullopt;
    const Json& item = node_body(from[0]);
    if (item.value("lateral", false)) return std::nullopt;
    std::string alias;
    if (item.contains("alias")) {
      if (!item["alias"].value("colnames", Json::array()).empty()) return std::nullopt;
      alias = ascii_lower(item["alias"].value("aliasname", std::string()));
    }
    const auto column_of = [&](const Json& node) -> std::optional<std::string> {
      if (node_type(node) != "ColumnRef") return std::nullopt;
      const Json& list = node_body(node).value("fields", Json::array());
      if (list.empty() || node_type(list.back()) == "A_Star") return std::nullopt;
      const std::vector<std::string> fields = string_list(list);
      if (fields.size() == 1) return fields[0];
      if (fields.size() == 2 && !alias.empty() && ascii_lower(fields[0]) == alias) return fields[1];
      return std::nullopt;
    };
    const auto integer_of = [](const Json& node) -> std::optional<int64_t> {
      if (node_type(node) != "A_Const" || !node_body(node).contains("ival")) return std::nullopt;
      return node_body(node)["ival"].value("ival", int64_t{0});
    };
    std::optional<RankColumnLimit> best;
    for (const Json* conjunct : and_operands(s_["whereClause"])) {
      const Json& e = node_body(*conjunct);
      if (node_type(*conjunct) != "A_Expr" || e.value("kind", "") != "AEXPR_OP" || !e.contains("lexpr") ||
          !e.contains("rexpr"))
        continue;
      const std::vector<std::string> op = string_list(e.value("name", Json::array()));
      if (op.size() != 1) continue;
      std::optional<std::string> column = column_of(e["lexpr"]);
      std::optional<int64_t> bound = integer_of(e["rexpr"]);
      std::string at_most = "<=", below = "<";  // column <= bound, column < bound
      if (!column || !bound) {
        column = column_of(e["rexpr"]);
        bound = integer_of(e["lexpr"]);
        at_most = ">=";
        below = ">";
      }
      if (!column || !bound) continue;
      int64_t limit;
      if (op[0] == at_most || op[0] == "=") limit = *bound;
      else if (op[0] == below) limit = *bound - 1;
      else continue;
      limit = std::max<int64_t>(limit, 0);
      if (best && ascii_lower(best->column) != ascii_lower(*column)) continue;
      if (!best || limit < best->limit) best = RankColumnLimit{*column, limit};
    }
    return best;
  }

  // The window call the enclosing query limits through rank_limit_, when this SELECT's rows past
  // the limit may be left out: the column is exactly one select item, that item is a window call,
  // and nothing here (DISTINCT, LIMIT, OFFSET) sees the other rows.
  std::optional<WindowRowLimit> window_row_limit() const {
    if (!rank_limit_ || s_.contains("distinctClause") || s_.contains("limitCount") || s_.contains("limitOffset"))
      return std::nullopt;
    const std::string wanted = ascii_lower(rank_limit_->column);
    const Json* call = nullptr;
    int matches = 0;
    for (const SelectItem& item : items_) {
      if (is_star(*item.node)) {
        const auto fields = string_list(node_body(*item.node).value("fields", Json::array()));
        for (const ScopeColumn& col : input_.columns)
          if (!col.hidden && (fields.size() != 2 || ascii_lower(col.qualifier) == ascii_lower(fields[0])) &&
              ascii_lower(col.name) == wanted)
            ++matches;
        continue;
      }
      if (ascii_lower(item.alias.empty() ? display_name(*item.node) : item.alias) != wanted) continue;
      ++matches;
      if (is_window_call(*item.node)) call = item.node;
    }
    if (matches != 1 || call == nullptr) return std::nullopt;
    return WindowRowLimit{call->dump(), rank_limit_->limit};
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
    const int64_t limit = limit_ignored_ ? -1 : limit_constant(s_, "limitCount", -1, c_.sql);
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
    const ExprPtr e = translate_expr(node, grouped_query_ ? grouped_context("ORDER BY", &source_)
                                                          : input_context("ORDER BY", &source_));
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
  std::map<int, SubqueryRows> subquery_rows_;          // a subquery's position -> its rows
  Correlation* correlation_ = nullptr;                 // set when this SELECT is a subquery
  std::optional<RankColumnLimit> rank_limit_;          // set when the enclosing query limits a column
  std::vector<std::string> correlation_keys_;          // its key columns, when it is correlated
  Table empty_grouped_;                                // its aggregates over no rows
  bool limit_ignored_ = false;                         // EXISTS (... LIMIT n)
  std::vector<std::string> residual_inputs_;           // its columns its residual conditions read
  int residual_location_ = -1;                         // its first residual condition
  std::vector<bool> untyped_null_;                     // per output column: a bare NULL literal
  Table grouped_, source_, output_;
  int64_t visible_ = 0;
  bool grouped_query_ = false;
  bool distinct_applied_ = false;
};

}  // namespace

QueryResult run_query(const Json& select, QueryContext context) {
  if (select.value("op", "SETOP_NONE") != "SETOP_NONE") {
    context.correlation = nullptr;  // the operands may not be correlated (they report nothing)
    context.rank_limit.reset();
    return run_set_operation(select, std::move(context));
  }
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

void refuse_outer_reference(const QueryContext& context, const std::vector<std::string>& fields, int location) {
  for (const Relation* outer : context.outer_scopes) {
    if (!names_column(*outer, fields)) continue;
    std::string shown;
    for (const std::string& f : fields) shown.append(shown.empty() ? "" : ".").append(f);
    std::string message = "'";
    message.append(shown).append(
        "' is a column of an enclosing query: a subquery may use one only in its WHERE (inner.k = outer.k, "
        "inner.x < outer.a), and only the query directly around it");
    throw SqlError(message, context.sql, location);
  }
}

}  // namespace nimbus::analytics::sql
