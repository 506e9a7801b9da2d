#pragma once
// SQL text to PostgreSQL's parse tree, through libpg_query (the server's own grammar, as DuckDB
// uses it), as JSON; and small accessors for walking it.
//
// A node is an object with one key naming its type: {"SelectStmt": {...}}, {"ColumnRef": {...}}.
// Most nodes carry "location", the byte offset in the text they came from, which errors point at.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::analytics::sql {

using Json = nlohmann::json;

// The statements of `text` ("stmts" of the tree); SqlError with the position on a syntax error.
Json parse_statements(std::string_view text);

// The node's type ("SelectStmt") and its fields; a node that is not an object of one key gives "".
std::string node_type(const Json& node);
const Json& node_body(const Json& node);
// body[key] when present, else an empty array; a reference into the tree (unlike Json::value,
// which returns a copy), so it may be kept while the tree lives.
const Json& field(const Json& body, const char* key);
// The node's "location", or -1.
int node_location(const Json& node);
// The operands of a chain of ANDs (`node` itself when it is not an AND), left to right.
std::vector<const Json*> and_operands(const Json& node);
// The strings of a list of {"String": {"sval": ...}} nodes (names such as "pg_catalog", "int4").
std::vector<std::string> string_list(const Json& list);

}  // namespace nimbus::analytics::sql
