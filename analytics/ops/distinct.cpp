#include "analytics/ops/distinct.h"

#include "analytics/ops/column_lookup.h"
#include "analytics/ops/group_index.h"
#include "analytics/ops/take.h"

namespace nimbus::analytics {

std::vector<int64_t> distinct_rows(const Table& table, const std::vector<std::string>& keys,
                                   const ExecOptions& options) {
  NIMBUS_CHECK(!keys.empty(), "distinct: no key columns given");
  const std::vector<Column> columns = detail::find_columns(table, keys, "distinct", "key column");
  if (table.num_rows() == 0) return {};
  return detail::group_keys(columns, options.threads).first_row;
}

Table distinct(const Table& table, const std::vector<std::string>& keys, const ExecOptions& options) {
  const std::vector<int64_t> rows = distinct_rows(table, keys, options);
  if (static_cast<int64_t>(rows.size()) == table.num_rows()) return table;  // already distinct: no copy
  return take(table, rows, options);
}

Table distinct(const Table& table, const ExecOptions& options) {
  if (table.num_columns() == 0) return table;
  return distinct(table, table.names(), options);
}

}  // namespace nimbus::analytics
