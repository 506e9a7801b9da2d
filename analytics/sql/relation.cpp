#include "analytics/sql/relation.h"

#include <map>
#include <set>

#include "analytics/sql/identifiers.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics::sql {

namespace {

std::vector<size_t> matches(const Relation& r, const std::vector<std::string>& fields, bool exact) {
  const auto same = [exact](std::string_view a, std::string_view b) { return exact ? a == b : equals_ignoring_case(a, b); };
  std::vector<size_t> found;
  const std::string& name = fields.back();
  for (size_t i = 0; i < r.columns.size(); ++i) {
    const ScopeColumn& c = r.columns[i];
    if (!same(c.name, name)) continue;
    if (fields.size() == 2 && !same(c.qualifier, fields[0])) continue;
    if (fields.size() == 1 && c.hidden) continue;  // a USING key answers to its left-hand copy
    found.push_back(i);
  }
  return found;
}

std::string joined(const std::vector<std::string>& fields) {
  std::string out;
  for (const std::string& f : fields) out += (out.empty() ? "" : ".") + f;
  return out;
}

}  // namespace

Relation Relation::of(Table table, const std::string& qualifier) {
  Relation r;
  for (const std::string& name : table.names()) r.columns.push_back({qualifier, name, name, false});
  r.table = std::move(table);
  return r;
}

size_t resolve_column(const Relation& relation, const std::vector<std::string>& fields, std::string_view sql,
                      int location) {
  if (fields.empty() || fields.size() > 2)
    throw SqlError("column reference '" + joined(fields) + "' is not supported", sql, location);
  for (bool exact : {true, false}) {
    const std::vector<size_t> found = matches(relation, fields, exact);
    if (found.size() == 1) return found[0];
    if (found.size() > 1)
      throw SqlError("column reference '" + joined(fields) + "' is ambiguous (qualify it with its table)", sql,
                     location);
  }
  std::string names;
  for (const ScopeColumn& c : relation.columns) {
    if (c.hidden) continue;
    names += (names.empty() ? "" : ", ") + (c.qualifier.empty() ? c.name : c.qualifier + "." + c.name);
  }
  throw SqlError("no column '" + joined(fields) + "'; the columns are: " + (names.empty() ? "(none)" : names), sql,
                 location);
}

bool has_column(const Relation& relation, const std::vector<std::string>& fields) {
  if (fields.empty() || fields.size() > 2) return false;
  return matches(relation, fields, true).size() == 1 || matches(relation, fields, false).size() == 1;
}

bool names_column(const Relation& relation, const std::vector<std::string>& fields) {
  if (fields.empty() || fields.size() > 2) return false;
  return !matches(relation, fields, false).empty();
}

Relation rename_apart(const Relation& left, Relation right) {
  std::set<std::string> taken(left.table.names().begin(), left.table.names().end());
  std::map<std::string, std::string> renames;
  for (const std::string& name : right.table.names()) {
    std::string unique = name;
    for (int n = 2; taken.count(unique); ++n) unique = name + "_" + std::to_string(n);
    taken.insert(unique);
    if (unique != name) renames[name] = unique;
  }
  if (renames.empty()) return right;
  right.table = right.table.rename(renames);
  for (ScopeColumn& c : right.columns)
    if (const auto it = renames.find(c.physical); it != renames.end()) c.physical = it->second;
  return right;
}

}  // namespace nimbus::analytics::sql
