#include "analytics/ops/sort.h"

#include <algorithm>
#include <numeric>

#include "analytics/ops/column_lookup.h"
#include "analytics/ops/device_dispatch.h"
#include "analytics/ops/radix_sort.h"
#include "analytics/ops/take.h"

namespace nimbus::analytics {

namespace {

detail::SortKeyWords key_words(const Table& table, const std::vector<SortKey>& keys, const char* op, int threads) {
  std::vector<Column> columns;
  for (const SortKey& key : keys) columns.push_back(detail::find_column(table, key.column, op, "sort key column"));
  detail::SortKeyWords words = detail::normalize_sort_keys(columns, keys, threads);
  words.rows = table.num_rows();  // also right when there are no keys
  return words;
}

// The sorted order of a table on a device, left there (Note [Device operators] in device_ops.h).
// String keys are sorted on the host and the order copied to the device.
DeviceRows device_sorted_rows(const Table& table, const std::vector<SortKey>& keys, Device device, const char* op) {
  std::vector<Column> columns;
  bool all_on_device = true;
  for (const SortKey& key : keys) {
    columns.push_back(detail::find_column(table, key.column, op, "sort key column"));
    all_on_device = all_on_device && detail::computed_on_device(columns.back().type());
  }
  if (!all_on_device) return detail::upload_rows(sort_indices(table.to(Device::cpu()), keys), device);
  return detail::device_ops(device, op).sort_rows(columns, keys, device, table.num_rows());
}

}  // namespace

std::vector<int64_t> sort_indices(const Table& table, const std::vector<SortKey>& keys, const ExecOptions& options) {
  const Device device = detail::table_device(table, "sort");
  if (!device.is_cpu()) return detail::download_rows(device_sorted_rows(table, keys, device, "sort"));
  return detail::radix_sort_rows(key_words(table, keys, "sort", options.threads), options.threads);
}

Table sort(const Table& table, const std::vector<SortKey>& keys, const ExecOptions& options) {
  const Device device = detail::table_device(table, "sort");
  if (!device.is_cpu()) return detail::take_on_device(table, device_sorted_rows(table, keys, device, "sort"), false);
  return take(table, sort_indices(table, keys, options), options);
}

std::vector<int64_t> top_k_indices(const Table& table, const std::vector<SortKey>& keys, int64_t k,
                                   const ExecOptions& options) {
  NIMBUS_CHECK_T(ShapeError, k >= 0, "top_k: k must not be negative, got ", k);
  const Device device = detail::table_device(table, "top_k");
  if (!device.is_cpu()) {  // the first k rows of the stable sort are the top k
    DeviceRows rows = device_sorted_rows(table, keys, device, "top_k");
    rows.count = std::min(k, rows.count);
    return detail::download_rows(rows);
  }
  const detail::SortKeyWords words = key_words(table, keys, "top_k", options.threads);
  std::vector<int64_t> rows(static_cast<size_t>(table.num_rows()));
  std::iota(rows.begin(), rows.end(), int64_t{0});
  // Ties broken by row number: a total order, so the k smallest are those of the stable sort.
  const auto before = [&](int64_t a, int64_t b) { return words.less(a, b) || (!words.less(b, a) && a < b); };
  const auto keep = static_cast<ptrdiff_t>(std::min<int64_t>(k, table.num_rows()));
  std::partial_sort(rows.begin(), rows.begin() + keep, rows.end(), before);
  rows.resize(static_cast<size_t>(keep));
  return rows;
}

Table top_k(const Table& table, const std::vector<SortKey>& keys, int64_t k, const ExecOptions& options) {
  const Device device = detail::table_device(table, "top_k");
  if (!device.is_cpu()) {
    NIMBUS_CHECK_T(ShapeError, k >= 0, "top_k: k must not be negative, got ", k);
    DeviceRows rows = device_sorted_rows(table, keys, device, "top_k");
    rows.count = std::min(k, rows.count);
    return detail::take_on_device(table, rows, false);
  }
  return take(table, top_k_indices(table, keys, k, options), options);
}

}  // namespace nimbus::analytics
