#include "analytics/stream/where_clause.h"

#include <string>

#include "analytics/expr/expr_builders.h"
#include "analytics/sql/expr_translate.h"
#include "analytics/sql/pg_tree.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics::stream {

ExprPtr parse_where_expression(std::string_view text) {
  // Parsed inside a SELECT so that the grammar is exactly the one of a query's WHERE; error
  // positions are moved back into the caller's text.
  const std::string prefix = "SELECT 1 WHERE ";
  std::string sql = prefix;
  sql.append(text);
  const auto shifted = [&](const SqlError& e) {
    const int at = e.position() < 0 ? -1 : std::max(0, e.position() - static_cast<int>(prefix.size()));
    std::string message = e.what();
    const size_t line = message.find("\nLINE");
    if (line != std::string::npos) message.resize(line);
    return SqlError(message, text, at);
  };
  try {
    const sql::Json statements = sql::parse_statements(sql);
    if (statements.size() != 1) throw SqlError("expected one boolean expression", text, -1);
    const sql::Json& select = sql::node_body(statements[0]["stmt"]);
    const sql::Json& where = sql::field(select, "whereClause");
    if (where.is_array() && where.empty()) throw SqlError("expected a boolean expression", text, -1);
    sql::ExprContext context;
    context.sql = sql;
    context.clause = "WHERE";
    context.column = [](const std::vector<std::string>& fields, int) { return expr::col(fields.back()); };
    context.substitute = [](const sql::Json&) { return ExprPtr(); };
    return sql::translate_expr(where, context);
  } catch (const SqlError& e) {
    throw shifted(e);
  }
}

}  // namespace nimbus::analytics::stream
