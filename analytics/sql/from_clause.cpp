#include "analytics/sql/from_clause.h"

#include <cctype>
#include <map>

#include "analytics/column_builder.h"
#include "analytics/expr/evaluate.h"
#include "analytics/expr/expr_builders.h"
#include "analytics/ops/filter.h"
#include "analytics/ops/join.h"
#include "analytics/ops/take.h"
#include "analytics/sql/expr_translate.h"
#include "analytics/sql/identifiers.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics::sql {

namespace {

// Above this many rows a join without an equality condition is refused rather than materialized.
constexpr int64_t kMaxCrossJoinRows = int64_t{1} << 27;


bool looks_like_file(const std::string& name) {
  const std::string l = ascii_lower(name);
  for (const char* suffix : {".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt"})
    if (l.size() > std::string(suffix).size() && l.compare(l.size() - std::string(suffix).size(), std::string::npos, suffix) == 0)
      return true;
  return name.find('/') != std::string::npos;
}

// "data/sales.csv.gz" -> "sales", DuckDB's name for a table read from a file.
std::string file_stem(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  return base.substr(0, base.find('.'));
}

std::string alias_of(const Json& body) {
  return body.contains("alias") ? body["alias"].value("aliasname", std::string()) : std::string();
}

// `table` with its first columns renamed by the alias's column list (AS t(id, name)), as DuckDB
// does: fewer names than columns rename a prefix; more are an error.
Table with_column_aliases(Table table, const Json& body, const QueryContext& c, int location) {
  if (!body.contains("alias")) return table;
  const std::vector<std::string> names = string_list(body["alias"].value("colnames", Json::array()));
  if (names.empty()) return table;
  if (names.size() > static_cast<size_t>(table.num_columns())) {
    std::string message = "table '";
    message.append(alias_of(body)).append("' has ").append(std::to_string(table.num_columns()));
    message.append(" columns but ").append(std::to_string(names.size())).append(" names are given for them");
    throw SqlError(message, c.sql, location);
  }
  std::map<std::string, std::string> renames;
  for (size_t i = 0; i < names.size(); ++i) renames[table.names()[i]] = names[i];
  try {
    return table.rename(renames);
  } catch (const Error& e) {
    throw SqlError(e.what(), c.sql, location);
  }
}

Relation named_table(const Json& body, const QueryContext& c, int location) {
  const std::string name = body.value("relname", "");
  const std::string alias = alias_of(body);
  const std::string qualifier = alias.empty() ? name : alias;
  if (const auto it = c.ctes.find(ascii_lower(name)); it != c.ctes.end()) return Relation::of(it->second, qualifier);
  if (auto table = c.catalog->find_table(name)) return Relation::of(*table, qualifier);
  if (looks_like_file(name)) {
    try {
      return Relation::of(c.catalog->read_csv(name, {}), alias.empty() ? file_stem(name) : alias);
    } catch (const SqlError&) {
      throw;
    } catch (const Error& e) {
      throw SqlError(e.what(), c.sql, location);
    }
  }
  throw SqlError("no table '" + name + "' (register one with --table " + name +
                     "=path.csv, or read a file: FROM \"path.csv\" or FROM read_csv('path.csv'))",
                 c.sql, location);
}

// The value of a read_csv option argument: a constant string, number or bool.
const Json& option_constant(const Json& node, const QueryContext& c) {
  if (node_type(node) != "A_Const") throw SqlError("read_csv options take constants", c.sql, node_location(node));
  return node_body(node);
}

Relation csv_function(const Json& body, const QueryContext& c) {
  const Json& items = node_body(body["functions"][0]).value("items", Json::array());
  const Json& call = items.empty() ? Json() : items[0];
  const std::string name = function_call_name(call);
  const int location = node_location(call);
  if (name != "read_csv" && name != "read_csv_auto")
    throw SqlError("table function '" + name + "' is not supported; use read_csv('path.csv')", c.sql, location);
  const Json& args = node_body(call).value("args", Json::array());
  if (args.empty() || node_type(args[0]) != "A_Const" || !node_body(args[0]).contains("sval"))
    throw SqlError(name + " takes the file path as a string first: read_csv('data.csv')", c.sql, location);
  const std::string path = node_body(args[0])["sval"].value("sval", std::string());
  CsvReadOptions options;
  for (size_t i = 1; i < args.size(); ++i) {
    // name := value / name => value (NamedArgExpr), or DuckDB's name = value.
    std::string option;
    const Json* value = nullptr;
    if (node_type(args[i]) == "NamedArgExpr") {
      option = ascii_lower(node_body(args[i]).value("name", ""));
      value = &node_body(args[i])["arg"];
    } else if (node_type(args[i]) == "A_Expr" && node_type(node_body(args[i])["lexpr"]) == "ColumnRef") {
      option = ascii_lower(string_list(node_body(node_body(args[i])["lexpr"]).value("fields", Json::array())).back());
      value = &node_body(args[i])["rexpr"];
    } else {
      throw SqlError("read_csv options are written name = value", c.sql, node_location(args[i]));
    }
    const Json& v = option_constant(*value, c);
    if ((option == "delim" || option == "sep" || option == "delimiter") && v.contains("sval")) {
      const std::string d = v["sval"].value("sval", std::string());
      if (d.size() != 1) throw SqlError("the delimiter must be one character", c.sql, node_location(*value));
      options.delimiter = d[0];
    } else if (option == "header" && v.contains("boolval")) {
      options.header = v["boolval"].value("boolval", false) ? CsvHeader::present : CsvHeader::absent;
    } else if (option == "nullstr" && v.contains("sval")) {
      options.null_values = {v["sval"].value("sval", std::string())};
    } else {
      throw SqlError("read_csv option '" + option + "' is not supported (delim, header, nullstr are)", c.sql,
                     node_location(args[i]));
    }
  }
  const std::string alias = alias_of(body);
  try {
    return Relation::of(c.catalog->read_csv(path, options), alias.empty() ? file_stem(path) : alias);
  } catch (const SqlError&) {
    throw;
  } catch (const Error& e) {
    throw SqlError(e.what(), c.sql, location);
  }
}

Relation from_item(const Json& node, const QueryContext& c);

// Both sides' rows for every pair (i, j), left-major.
Table cross_product(const Relation& left, const Relation& right, const QueryContext& c, int location) {
  const int64_t n = left.table.num_rows(), m = right.table.num_rows();
  if (m != 0 && n > kMaxCrossJoinRows / m)
    throw SqlError("this join has no equality condition and would make " + std::to_string(n) + " x " +
                       std::to_string(m) + " rows",
                   c.sql, location);
  std::vector<int64_t> li(static_cast<size_t>(n * m)), ri(static_cast<size_t>(n * m));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      li[static_cast<size_t>(i * m + j)] = i;
      ri[static_cast<size_t>(i * m + j)] = j;
    }
  const Table a = take(left.table, li), b = take(right.table, ri);
  std::vector<std::string> names = a.names();
  std::vector<Column> columns = a.columns();
  names.insert(names.end(), b.names().begin(), b.names().end());
  columns.insert(columns.end(), b.columns().begin(), b.columns().end());
  if (columns.empty()) return Table();
  return Table(names, columns);
}

std::vector<std::string> column_fields(const Json& node) {
  if (node_type(node) != "ColumnRef") return {};
  return string_list(node_body(node).value("fields", Json::array()));
}

// Side of `fields`: 0 left only, 1 right only, -1 neither or both.
int side_of(const std::vector<std::string>& fields, const Relation& left, const Relation& right) {
  if (fields.empty()) return -1;
  const bool in_left = has_column(left, fields), in_right = has_column(right, fields);
  return in_left == in_right ? -1 : (in_left ? 0 : 1);
}

ExprPtr scoped_expr(const Json& node, const Relation& r, const QueryContext& c, const std::string& clause) {
  ExprContext ec;
  ec.sql = c.sql;
  ec.clause = clause;
  ec.column = [&](const std::vector<std::string>& fields, int location) {
    if (!has_column(r, fields)) refuse_outer_reference(c, fields, location);
    return expr::col(r.columns[resolve_column(r, fields, c.sql, location)].physical);
  };
  return translate_expr(node, ec);
}

Relation join_relations(const Json& body, const QueryContext& c) {
  const Relation left = from_item(body["larg"], c);
  const Relation right = rename_apart(left, from_item(body["rarg"], c));
  const std::string type = body.value("jointype", "JOIN_INNER");
  const int location = node_location(Json{{"JoinExpr", body}});
  if (body.value("isNatural", false)) throw SqlError("NATURAL joins are not supported; use USING", c.sql, location);
  JoinKind kind = JoinKind::inner;
  if (type == "JOIN_LEFT") kind = JoinKind::left;
  else if (type == "JOIN_RIGHT") kind = JoinKind::right;
  else if (type == "JOIN_FULL") kind = JoinKind::full;
  else if (type != "JOIN_INNER") throw SqlError("join type " + type + " is not supported", c.sql, location);

  Relation out;
  out.columns = left.columns;
  out.columns.insert(out.columns.end(), right.columns.begin(), right.columns.end());
  std::vector<std::string> left_keys, right_keys;
  std::vector<const Json*> residual;
  std::vector<std::pair<size_t, size_t>> using_pairs;  // scope indices in left and right
  for (const std::string& name : string_list(body.value("usingClause", Json::array()))) {
    const size_t l = resolve_column(left, {name}, c.sql, location), r = resolve_column(right, {name}, c.sql, location);
    left_keys.push_back(left.columns[l].physical);
    right_keys.push_back(right.columns[r].physical);
    using_pairs.emplace_back(l, r);
  }
  if (body.contains("quals")) {
    const std::vector<const Json*> conjuncts = and_operands(body["quals"]);
    for (const Json* conjunct : conjuncts) {
      const Json& e = node_body(*conjunct);
      const bool equality = node_type(*conjunct) == "A_Expr" && e.value("kind", "") == "AEXPR_OP" &&
                            string_list(e.value("name", Json::array())) == std::vector<std::string>{"="};
      if (equality) {
        const auto lf = column_fields(e["lexpr"]), rf = column_fields(e["rexpr"]);
        const int ls = side_of(lf, left, right), rs = side_of(rf, left, right);
        if (ls >= 0 && rs >= 0 && ls != rs) {
          const auto& lfields = ls == 0 ? lf : rf;
          const auto& rfields = ls == 0 ? rf : lf;
          left_keys.push_back(left.columns[resolve_column(left, lfields, c.sql, location)].physical);
          right_keys.push_back(right.columns[resolve_column(right, rfields, c.sql, location)].physical);
          continue;
        }
      }
      residual.push_back(conjunct);
    }
  }

  if (left_keys.empty()) {
    if (kind != JoinKind::inner)
      throw SqlError("an outer join needs an equality condition between its two sides", c.sql, location);
    out.table = cross_product(left, right, c, location);
  } else {
    try {
      out.table = join(left.table, right.table, left_keys, right_keys, kind);
    } catch (const SqlError&) {
      throw;
    } catch (const Error& e) {
      throw SqlError(e.what(), c.sql, location);
    }
  }
  if (!residual.empty()) {
    if (kind != JoinKind::inner)
      throw SqlError("an outer join's ON clause may only compare the two sides' columns for equality", c.sql,
                     node_location(*residual.front()));
    for (const Json* condition : residual) {
      const ExprPtr predicate = scoped_expr(*condition, out, c, "JOIN conditions");
      try {
        out.table = filter(out.table, evaluate_predicate(predicate, out.table));
      } catch (const Error& e) {
        throw SqlError(e.what(), c.sql, node_location(*condition));
      }
    }
  }
  // USING keys appear once: the left copy, the right one for a right join, both merged for a full.
  const size_t offset = left.columns.size();
  for (const auto& [l, r] : using_pairs) {
    ScopeColumn& lc = out.columns[l];
    ScopeColumn& rc = out.columns[offset + r];
    if (kind == JoinKind::right) {
      lc.hidden = true;
    } else if (kind == JoinKind::full) {
      const std::string merged = "__using_" + std::to_string(out.table.num_columns());
      const Column value = evaluate(expr::coalesce({expr::col(lc.physical), expr::col(rc.physical)}), out.table);
      std::vector<std::string> names = out.table.names();
      std::vector<Column> columns = out.table.columns();
      names.push_back(merged);
      columns.push_back(value);
      out.table = Table(names, columns);
      lc.hidden = rc.hidden = true;
      out.columns.push_back({"", lc.name, merged, false});
    } else {
      rc.hidden = true;
    }
  }
  return out;
}

Relation from_item(const Json& node, const QueryContext& c) {
  const std::string type = node_type(node);
  const Json& body = node_body(node);
  const int location = node_location(node);
  if (type == "RangeVar") return named_table(body, c, location);
  if (type == "RangeFunction") return csv_function(body, c);
  if (type == "RangeSubselect") {
    const Json& query = body["subquery"];
    if (node_type(query) != "SelectStmt") throw SqlError("unsupported subquery", c.sql, location);
    if (body.value("lateral", false)) throw SqlError("LATERAL subqueries are not supported", c.sql, location);
    Table rows = execute_select(node_body(query), c);
    return Relation::of(with_column_aliases(std::move(rows), body, c, location), alias_of(body));
  }
  if (type == "JoinExpr") return join_relations(body, c);
  throw SqlError("this kind of FROM item (" + type + ") is not supported", c.sql, location);
}

}  // namespace

Relation build_from(const Json& from_clause, const QueryContext& c) {
  if (!from_clause.is_array() || from_clause.empty()) {
    // SELECT without FROM: one row and no columns the query can see.
    ColumnBuilder one(DataType::int32);
    one.append_int32(1);
    Relation r;
    r.table = Table({"__row"}, {one.finish()});
    r.columns.push_back({"", "__row", "__row", true});
    return r;
  }
  Relation out = from_item(from_clause[0], c);
  for (size_t i = 1; i < from_clause.size(); ++i) {
    const Relation right = rename_apart(out, from_item(from_clause[i], c));
    Relation combined;
    combined.table = cross_product(out, right, c, node_location(from_clause[i]));
    combined.columns = out.columns;
    combined.columns.insert(combined.columns.end(), right.columns.begin(), right.columns.end());
    out = std::move(combined);
  }
  return out;
}

}  // namespace nimbus::analytics::sql
