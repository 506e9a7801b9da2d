#include "analytics/ops/filter.h"

#include "analytics/ops/device_dispatch.h"
#include "analytics/ops/take.h"

namespace nimbus::analytics {

namespace {

void check_selection_type(const Column& selection) {
  NIMBUS_CHECK_T(DTypeError, selection.type() == DataType::boolean, "filter: the selection must be a bool column, not ",
                 data_type_name(selection.type()));
}

}  // namespace

std::vector<int64_t> selected_rows(const Column& selection) {
  check_selection_type(selection);
  if (!selection.device().is_cpu()) {  // Note [Device operators] in device_ops.h
    return detail::download_rows(detail::device_ops(selection.device(), "filter").selected_rows(selection));
  }
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
  // On a device the selection is made there and the rows never visit the host. The work happens
  // where the table is; a selection elsewhere is moved there first.
  const Device device = table.columns().empty() ? selection.device() : detail::table_device(table, "filter");
  if (!device.is_cpu()) {
    check_selection_type(selection);
    const DeviceRows rows = detail::device_ops(device, "filter").selected_rows(selection.to(device));
    if (rows.count == table.num_rows()) return table;
    if (rows.count == 0) return table.slice(0, 0);
    return detail::take_on_device(table, rows, /*may_hold_null_rows=*/false);
  }
  const std::vector<int64_t> rows = selected_rows(selection.to(device));
  if (static_cast<int64_t>(rows.size()) == table.num_rows()) return table;
  if (rows.empty()) return table.slice(0, 0);
  return take(table, rows, options);
}

Table filter(const Table& table, std::span<const int64_t> rows, const ExecOptions& options) {
  // Every row in order (a WHERE that keeps every row) is the table itself, as in the selection
  // overload: no copy.
  bool every_row = static_cast<int64_t>(rows.size()) == table.num_rows();
  for (size_t i = 0; i < rows.size(); ++i) {
    NIMBUS_CHECK_T(ShapeError, rows[i] >= 0 && rows[i] < table.num_rows(), "filter: row ", rows[i], " (position ", i,
                   ") is outside a table of ", table.num_rows(), " rows");
    every_row = every_row && rows[i] == static_cast<int64_t>(i);
  }
  if (every_row) return table;
  return take(table, rows, options);
}

}  // namespace nimbus::analytics
