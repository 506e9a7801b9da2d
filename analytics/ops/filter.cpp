#include "analytics/ops/filter.h"

#include "analytics/ops/take.h"

namespace nimbus::analytics {

std::vector<int64_t> selected_rows(const Column& selection) {
  NIMBUS_CHECK_T(DTypeError, selection.type() == DataType::boolean, "filter: the selection must be a bool column, not ",
                 data_type_name(selection.type()));
  const int64_t rows = selection.length();
  const auto* values = static_cast<const uint8_t*>(selection.data().data());
  const auto* validity = selection.has_nulls() ? static_cast<const uint8_t*>(selection.validity().data()) : nullptr;
  const int64_t offset = selection.offset();
  std::vector<int64_t> selected;
  int64_t i = 0;
  if (offset % 8 == 0) {
    // Whole bytes at a time, with the validity folded into the predicate (value AND valid), so a
    // byte with nothing selected costs one test.
    const int64_t first_byte = offset / 8;
    for (; i + 8 <= rows; i += 8) {
      uint8_t byte = values[first_byte + i / 8];
      if (validity) byte &= validity[first_byte + i / 8];
      for (; byte != 0; byte &= static_cast<uint8_t>(byte - 1)) selected.push_back(i + __builtin_ctz(byte));
    }
  }
  for (; i < rows; ++i) {
    if (get_bit(values, offset + i) && (!validity || get_bit(validity, offset + i))) selected.push_back(i);
  }
  return selected;
}

Table filter(const Table& table, const Column& selection, const ExecOptions& options) {
  NIMBUS_CHECK_T(ShapeError, selection.length() == table.num_rows(), "filter: a selection of ", selection.length(),
                 " rows for a table of ", table.num_rows(), " rows");
  const std::vector<int64_t> rows = selected_rows(selection);
  if (static_cast<int64_t>(rows.size()) == table.num_rows()) return table;
  if (rows.empty()) return table.slice(0, 0);
  return take(table, rows, options);
}

Table filter(const Table& table, std::span<const int64_t> rows, const ExecOptions& options) {
  for (size_t i = 0; i < rows.size(); ++i) {
    NIMBUS_CHECK_T(ShapeError, rows[i] >= 0 && rows[i] < table.num_rows(), "filter: row ", rows[i], " (position ", i,
                   ") is outside a table of ", table.num_rows(), " rows");
  }
  return take(table, rows, options);
}

}  // namespace nimbus::analytics
