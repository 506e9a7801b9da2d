#include "analytics/sql/pg_tree.h"

#include <pg_query.h>

#include <memory>

#include "analytics/sql/sql_error.h"

namespace nimbus::analytics::sql {

namespace {
const Json kEmpty = Json::object();
const Json kEmptyList = Json::array();
}  // namespace

const Json& field(const Json& body, const char* key) {
  if (!body.is_object()) return kEmptyList;
  const auto it = body.find(key);
  return it == body.end() ? kEmptyList : *it;
}

Json parse_statements(std::string_view text) {
  const std::string query(text);  // libpg_query wants a terminated string
  PgQueryParseResult result = pg_query_parse(query.c_str());
  const std::unique_ptr<PgQueryParseResult, void (*)(PgQueryParseResult*)> free_result(
      &result, [](PgQueryParseResult* r) { pg_query_free_parse_result(*r); });
  if (result.error != nullptr) {
    // cursorpos is 1-based; 0 means "no position" (for example, an unterminated string at the end).
    const int position = result.error->cursorpos > 0 ? result.error->cursorpos - 1 : static_cast<int>(text.size());
    throw SqlError(std::string("SQL ") + result.error->message, text, position);
  }
  Json tree = Json::parse(result.parse_tree);
  return tree.contains("stmts") ? tree["stmts"] : Json::array();
}

std::string node_type(const Json& node) {
  if (!node.is_object() || node.size() != 1) return "";
  return node.begin().key();
}

const Json& node_body(const Json& node) {
  if (!node.is_object() || node.size() != 1) return kEmpty;
  return node.begin().value();
}

int node_location(const Json& node) {
  const Json& body = node.is_object() && node.size() == 1 ? node_body(node) : node;
  if (body.is_object()) {
    const auto it = body.find("location");
    if (it != body.end() && it->is_number_integer()) return it->get<int>();
  }
  return -1;
}

namespace {
void collect_and_operands(const Json& node, std::vector<const Json*>& out) {
  if (node_type(node) == "BoolExpr" && node_body(node).value("boolop", "") == "AND_EXPR") {
    for (const Json& arg : node_body(node)["args"]) collect_and_operands(arg, out);
  } else {
    out.push_back(&node);
  }
}
}  // namespace

std::vector<const Json*> and_operands(const Json& node) {
  std::vector<const Json*> out;
  collect_and_operands(node, out);
  return out;
}

std::vector<std::string> string_list(const Json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const Json& item : list) {
    const Json& body = node_body(item);
    if (node_type(item) == "String" && body.contains("sval")) out.push_back(body["sval"].get<std::string>());
    else out.emplace_back();
  }
  return out;
}

}  // namespace nimbus::analytics::sql
