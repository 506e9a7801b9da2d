// The analytics operators on cuda:0 against the CPU (Note [Device operators] in
// analytics/ops/device_ops.h): take, filter, sort, top_k and group_by over random tables copied
// with Table::to, at 0, 1, odd and more than 2^16 rows, with duplicates, negative numbers, NaN,
// -0.0 and infinities, nulls, and slices at odd offsets. Results must be the CPU's exactly (rows,
// order, values and nulls, floats by their bits), except float sums and averages, which add in
// another fixed order: within 1e-12 (float64 input) or 1e-5 (float32 input) of the sum of the
// magnitudes. Skipped without a CUDA device. Filter: --gtest_filter='AnalyticsParity*'.
#include <gtest/gtest.h>

#if NIMBUS_TEST_ANALYTICS
#include <cmath>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "analytics/column_builder.h"
#include "analytics/ops/filter.h"
#include "analytics/ops/device_ops.h"
#include "analytics/ops/group_by.h"
#include "analytics/ops/join.h"
#include "analytics/ops/sort.h"
#include "analytics/ops/take.h"
#include "analytics/table.h"
#include "gpu/parity_harness.h"

namespace nimbus::analytics {
namespace {

using gpu_parity::gpu;

const std::vector<int64_t> kSizes = {0, 1, 7, 1000, 70001};

// Values with ties and the float cases that order specially, among random ones.
double special_double(std::mt19937_64& rng) {
  static const double kPool[] = {-1.5, -0.0, 0.0, 2.25, 7.0, -3.0,
                                 std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::quiet_NaN()};
  if (rng() % 3 == 0) return kPool[rng() % std::size(kPool)];
  return std::normal_distribution<double>(0.0, 100.0)(rng);
}

// Columns of every type the device computes, a string column (which goes through the host), and
// `f64_abs` = |f64| for the float sums' tolerance.
Table random_table(int64_t rows, bool with_nulls, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ColumnBuilder i32(DataType::int32), i64(DataType::int64), wide(DataType::int64), f64(DataType::float64),
      f64_abs(DataType::float64), f32(DataType::float32), f32_abs(DataType::float64), b(DataType::boolean),
      d(DataType::date32), s(DataType::string);
  const auto null_here = [&]() { return with_nulls && rng() % 8 == 0; };
  for (int64_t r = 0; r < rows; ++r) {
    if (null_here()) i32.append_null();
    else i32.append_int32(static_cast<int32_t>(rng() % 41) - 20);
    if (null_here()) i64.append_null();
    else i64.append_int64(static_cast<int64_t>(rng() % (int64_t{1} << 41)) - (int64_t{1} << 40));
    if (null_here()) wide.append_null();
    else wide.append_int64(rng() % 4 == 0 ? static_cast<int64_t>(rng() % 5) : static_cast<int64_t>(rng()));
    if (null_here()) {
      f64.append_null();
      f64_abs.append_null();
    } else {
      const double v = special_double(rng);
      f64.append_float64(v);
      f64_abs.append_float64(std::fabs(v));
    }
    if (null_here()) {
      f32.append_null();
      f32_abs.append_null();
    } else {
      const auto v = static_cast<float>(special_double(rng));
      f32.append_float32(v);
      f32_abs.append_float64(std::fabs(static_cast<double>(v)));
    }
    if (null_here()) b.append_null();
    else b.append_bool(rng() % 3 == 0);
    if (null_here()) d.append_null();
    else d.append_date32(static_cast<int32_t>(rng() % 11) - 5);
    if (null_here()) s.append_null();
    else s.append_string("k" + std::to_string(rng() % 13));
  }
  return Table({"i32", "i64", "wide", "f64", "f64_abs", "f32", "f32_abs", "b", "d", "s"},
               {i32.finish(), i64.finish(), wide.finish(), f64.finish(), f64_abs.finish(), f32.finish(),
                f32_abs.finish(), b.finish(), d.finish(), s.finish()});
}

// The tables every operator runs on: each size with and without nulls, and a slice at an odd
// offset (the device copy keeps offset % 8).
struct Case {
  std::string name;
  Table table;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  uint64_t seed = 1;
  for (const int64_t rows : kSizes) {
    for (const bool nulls : {false, true}) {
      out.push_back({std::to_string(rows) + (nulls ? " rows with nulls" : " rows"), random_table(rows, nulls, seed++)});
    }
  }
  const Table big = random_table(1003, true, 99);
  out.push_back({"slice at offset 13", big.slice(13, 977)});
  return out;
}

std::string first_difference(const Column& cpu, const Column& device_result) {
  const Column back = device_result.to(Device::cpu());
  if (cpu.type() != back.type()) return "types differ";
  if (cpu.length() != back.length()) {
    return "lengths " + std::to_string(cpu.length()) + " and " + std::to_string(back.length());
  }
  for (int64_t i = 0; i < cpu.length(); ++i) {
    if (!cpu.slice(i, 1).equals(back.slice(i, 1))) {
      std::string text = "row " + std::to_string(i) + ": cpu ";
      text.append(cpu.value_text(i)).append(", gpu ").append(back.value_text(i));
      return text;
    }
  }
  return "null counts " + std::to_string(cpu.null_count()) + " and " + std::to_string(back.null_count());
}

void expect_same_column(const Column& cpu, const Column& device_result, const std::string& what) {
  EXPECT_EQ(device_result.device(), gpu()) << what;
  EXPECT_TRUE(device_result.to(Device::cpu()).equals(cpu)) << what << ": " << first_difference(cpu, device_result);
}

void expect_same_table(const Table& cpu, const Table& device_result, const std::string& what) {
  ASSERT_EQ(cpu.names(), device_result.names()) << what;
  ASSERT_EQ(cpu.num_rows(), device_result.num_rows()) << what;
  for (int64_t c = 0; c < cpu.num_columns(); ++c) {
    expect_same_column(cpu.column(c), device_result.column(c), what + ", column " + cpu.names()[c]);
  }
}

// Float sums and means: the same nulls, and values within rtol * scale (the sum, or mean, of the
// magnitudes); NaN must meet NaN and infinities must be equal.
void expect_close_column(const Column& cpu, const Column& device_result, const Column& scale, double rtol,
                         const std::string& what) {
  const Column back = device_result.to(Device::cpu());
  ASSERT_EQ(back.type(), DataType::float64) << what;
  ASSERT_EQ(cpu.length(), back.length()) << what;
  int64_t bad = 0;
  std::ostringstream first;
  for (int64_t i = 0; i < cpu.length(); ++i) {
    bool ok = cpu.is_valid(i) == back.is_valid(i);
    if (ok && cpu.is_valid(i)) {
      const double c = cpu.value<double>(i), g = back.value<double>(i);
      if (std::isnan(c) || std::isnan(g)) ok = std::isnan(c) && std::isnan(g);
      else if (std::isinf(c) || std::isinf(g)) ok = c == g;
      else ok = std::fabs(c - g) <= rtol * std::fabs(scale.value<double>(i)) + 1e-300;  // a mean scale may be negative
    }
    if (!ok && bad++ < 5) first << "\n  row " << i << ": cpu " << cpu.value_text(i) << " gpu " << back.value_text(i);
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << cpu.length() << " rows differ" << first.str();
}

// Row numbers with repeats, every row of a short table, and kNullRow here and there.
std::vector<int64_t> random_indices(int64_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> out;
  const int64_t count = rows == 0 ? 3 : rows + rows / 3;
  for (int64_t i = 0; i < count; ++i) {
    out.push_back(rows == 0 || rng() % 10 == 0 ? kNullRow : static_cast<int64_t>(rng() % rows));
  }
  return out;
}

// Runs without a device too: loading the CUDA module (which a machine without a driver also does)
// registers its analytics operators.
TEST(AnalyticsParity, CudaModuleRegistersTheOperators) {
  if (find_backend(DeviceType::cuda) == nullptr) {
    GTEST_SKIP() << "the CUDA module did not load: " << cuda_backend_status();
  }
  const AnalyticsDeviceOps* ops = analytics_device_ops(DeviceType::cuda);
  ASSERT_NE(ops, nullptr);
  EXPECT_TRUE(ops->take && ops->selected_rows && ops->sort_rows && ops->group_rows && ops->aggregate &&
              ops->join_rows);
}

TEST(AnalyticsParity, TakeMatchesCpu) {
  NIMBUS_REQUIRE_GPU();
  uint64_t seed = 7;
  for (const Case& c : cases()) {
    const Table on_gpu = c.table.to(gpu());
    const std::vector<int64_t> indices = random_indices(c.table.num_rows(), seed++);
    expect_same_table(take(c.table, indices), take(on_gpu, indices), "take, " + c.name);
    // Without kNullRow: results without a bitmap unless the column has nulls.
    std::vector<int64_t> rows;
    for (const int64_t i : indices) {
      if (i != kNullRow) rows.push_back(i);
    }
    expect_same_table(take(c.table, rows), take(on_gpu, rows), "take without null rows, " + c.name);
    for (int64_t col = 0; col < c.table.num_columns(); ++col) {
      expect_same_column(take(c.table.column(col), indices), take(on_gpu.column(col), indices),
                         "take of column " + c.table.names()[static_cast<size_t>(col)] + ", " + c.name);
    }
  }
}

TEST(AnalyticsParity, TakeChecksIndicesOnTheHost) {
  NIMBUS_REQUIRE_GPU();
  const Table on_gpu = random_table(10, false, 3).to(gpu());
  const std::vector<int64_t> bad = {0, 10};
  EXPECT_THROW(take(on_gpu, bad), ShapeError);
  EXPECT_THROW(take(on_gpu.column("i32"), bad), ShapeError);
}

TEST(AnalyticsParity, FilterMatchesCpu) {
  NIMBUS_REQUIRE_GPU();
  for (const Case& c : cases()) {
    const Table on_gpu = c.table.to(gpu());
    // The bool column itself (nulls do not select), and the all-true and all-false selections.
    const Column selection = c.table.column("b");
    expect_same_table(filter(c.table, selection), filter(on_gpu, selection.to(gpu())), "filter, " + c.name);
    expect_same_table(filter(c.table, selection), filter(on_gpu, selection), "filter by a host selection, " + c.name);
    EXPECT_EQ(selected_rows(selection), selected_rows(selection.to(gpu()))) << c.name;
    for (const bool value : {true, false}) {
      ColumnBuilder constant(DataType::boolean);
      for (int64_t r = 0; r < c.table.num_rows(); ++r) constant.append_bool(value);
      const Column all = constant.finish();
      expect_same_table(filter(c.table, all), filter(on_gpu, all.to(gpu())),
                        std::string("filter, all ") + (value ? "true, " : "false, ") + c.name);
    }
    std::vector<int64_t> rows;
    for (int64_t r = c.table.num_rows() - 1; r >= 0; r -= 3) rows.push_back(r);
    expect_same_table(filter(c.table, rows), filter(on_gpu, rows), "filter by row numbers, " + c.name);
  }
}

std::string describe(const std::vector<SortKey>& keys) {
  std::string text;
  for (const SortKey& key : keys) {
    text.append(key.column).append(key.descending ? " DESC" : " ASC");
    text.append(key.nulls == NullOrder::first ? " NULLS FIRST, " : " NULLS LAST, ");
  }
  return text;
}

TEST(AnalyticsParity, SortMatchesCpu) {
  NIMBUS_REQUIRE_GPU();
  std::vector<std::vector<SortKey>> key_sets = {{}};
  for (const char* column : {"i32", "i64", "wide", "f64", "f32", "b", "d", "s"}) {
    for (const bool descending : {false, true}) {
      for (const NullOrder nulls : {NullOrder::last, NullOrder::first}) {
        key_sets.push_back({{column, descending, nulls}});
      }
    }
  }
  key_sets.push_back({{"b"}, {"i32", true}, {"f64"}});
  key_sets.push_back({{"d", false, NullOrder::first}, {"f32", true, NullOrder::last}});
  key_sets.push_back({{"f64", true, NullOrder::first}, {"i64"}});
  key_sets.push_back({{"i32"}, {"i32", true}});
  key_sets.push_back({{"s"}, {"i32"}});  // a string key: sorted on the host, gathered on the device
  for (const Case& c : cases()) {
    const Table on_gpu = c.table.to(gpu());
    for (const std::vector<SortKey>& keys : key_sets) {
      const std::string what = "sort by " + describe(keys) + c.name;
      EXPECT_EQ(sort_indices(c.table, keys), sort_indices(on_gpu, keys)) << what;
      expect_same_table(sort(c.table, keys), sort(on_gpu, keys), what);
      for (const int64_t k : {int64_t{0}, int64_t{5}, c.table.num_rows() + 1}) {
        EXPECT_EQ(top_k_indices(c.table, keys, k), top_k_indices(on_gpu, keys, k)) << "top " << k << ", " << what;
      }
      expect_same_table(top_k(c.table, keys, 5), top_k(on_gpu, keys, 5), "top 5, " + what);
    }
  }
}

// Every aggregate the device computes, named after its column; float sums and means also get the
// sums and means of the magnitudes for their tolerance.
std::vector<Aggregate> device_aggregates() {
  std::vector<Aggregate> out = {{AggregateFunction::count_star, "", "count_star"}};
  for (const char* input : {"i32", "i64", "wide", "f64", "f32", "b", "d", "s"}) {
    const std::string name(input);
    out.push_back({AggregateFunction::count, name, "count_" + name});
  }
  for (const char* input : {"i32", "i64", "f64", "f32", "f64_abs", "f32_abs"}) {
    const std::string name(input);
    out.push_back({AggregateFunction::sum, name, "sum_" + name});
    out.push_back({AggregateFunction::avg, name, "avg_" + name});
  }
  out.push_back({AggregateFunction::avg, "wide", "avg_wide"});  // totals beyond int64: avg does not overflow
  for (const char* input : {"i32", "i64", "wide", "f64", "f32", "b", "d"}) {
    const std::string name(input);
    out.push_back({AggregateFunction::min, name, "min_" + name});
    out.push_back({AggregateFunction::max, name, "max_" + name});
  }
  return out;
}

void expect_same_groups(const Table& cpu, const Table& device_result, const std::string& what) {
  ASSERT_EQ(cpu.names(), device_result.names()) << what;
  ASSERT_EQ(cpu.num_rows(), device_result.num_rows()) << what;
  for (int64_t c = 0; c < cpu.num_columns(); ++c) {
    const std::string& name = cpu.names()[static_cast<size_t>(c)];
    const std::string column_what = what + ", column " + name;
    const bool float_total = name == "sum_f64" || name == "avg_f64" || name == "sum_f32" || name == "avg_f32";
    if (float_total) {
      const bool f32 = name.find("f32") != std::string::npos;
      const std::string scale = name.substr(0, 4) + (f32 ? "f32_abs" : "f64_abs");
      expect_close_column(cpu.column(c), device_result.column(c), cpu.column(scale), f32 ? 1e-5 : 1e-12, column_what);
    } else if (name.rfind("avg_", 0) == 0 || name.rfind("sum_f", 0) == 0) {
      // Means of integers and sums of magnitudes: close to themselves.
      expect_close_column(cpu.column(c), device_result.column(c), cpu.column(c).to(Device::cpu()), 1e-12,
                          column_what);
    } else {
      expect_same_column(cpu.column(c), device_result.column(c), column_what);
    }
  }
}

TEST(AnalyticsParity, GroupByMatchesCpu) {
  NIMBUS_REQUIRE_GPU();
  const std::vector<std::vector<std::string>> key_sets = {
      {},    {"i32"}, {"i64"},        {"wide"},     {"f64"},      {"f32"},
      {"b"}, {"d"},   {"i32", "b"},   {"f64", "d"}, {"b", "f32"}, {"wide", "i32", "f64"},
  };
  const std::vector<Aggregate> aggregates = device_aggregates();
  for (const Case& c : cases()) {
    const Table on_gpu = c.table.to(gpu());
    for (const std::vector<std::string>& keys : key_sets) {
      std::string what = "group_by";
      for (const std::string& key : keys) what.append(" ").append(key);
      what.append(", ").append(c.name);
      // The scale columns are the CPU's, so sums of magnitudes are compared with themselves here
      // (absolute values add without cancellation).
      expect_same_groups(group_by(c.table, keys, aggregates), group_by(on_gpu, keys, aggregates), what);
    }
  }
}

// A string key, a DISTINCT aggregate and a median are not computed on the device: the table goes
// to the host and the result comes back to the device.
TEST(AnalyticsParity, GroupByFallsBackToTheHost) {
  NIMBUS_REQUIRE_GPU();
  const Table table = random_table(1000, true, 5);
  const Table on_gpu = table.to(gpu());
  const std::vector<Aggregate> aggregates = {{AggregateFunction::count_star, "", "n"},
                                             {AggregateFunction::median, "f64", "median"},
                                             {AggregateFunction::count, "i32", "distinct_i32", true}};
  expect_same_table(group_by(table, {"s"}, aggregates), group_by(on_gpu, {"s"}, aggregates), "fallback by s");
  expect_same_table(group_by(table, {"i32"}, aggregates), group_by(on_gpu, {"i32"}, aggregates), "fallback by i32");
}

TEST(AnalyticsParity, GroupBySumOverflowIsAnError) {
  NIMBUS_REQUIRE_GPU();
  ColumnBuilder keys(DataType::int32), values(DataType::int64);
  // Group 1 (key 5) returns to int64's range; group 2 (key 6) leaves it.
  const int64_t big = std::numeric_limits<int64_t>::max() - 10;
  for (const auto& [key, value] : std::vector<std::pair<int32_t, int64_t>>{{5, big}, {6, big}, {5, big}, {6, big},
                                                                           {5, -big}, {5, -big}}) {
    keys.append_int32(key);
    values.append_int64(value);
  }
  const Table table({"k", "v"}, {keys.finish(), values.finish()});
  const std::vector<Aggregate> sum = {{AggregateFunction::sum, "v", "total"}};
  EXPECT_THROW(group_by(table, {"k"}, sum), Error);
  try {
    group_by(table.to(gpu()), {"k"}, sum);
    ADD_FAILURE() << "no overflow error on the device";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("overflows int64 in group 2"), std::string::npos) << error.what();
  }
  // Without group 2 the totals come back into range: exact on both.
  const Table in_range = filter(table, std::vector<int64_t>{0, 2, 4, 5});
  expect_same_table(group_by(in_range, {"k"}, sum), group_by(in_range.to(gpu()), {"k"}, sum), "in range");
  const std::vector<Aggregate> mean = {{AggregateFunction::avg, "v", "mean"}};
  expect_same_table(group_by(table, {"k"}, mean), group_by(table.to(gpu()), {"k"}, mean), "avg beyond int64");
}

// Note [Joins on a device] in analytics/ops/join_device.h: one integer key matched on the device,
// other keys on the host, rows gathered on the device; the result must be the CPU join's, row for
// row, and stay on the device (analytics_join_parity_test.cpp covers the device match in depth).
TEST(AnalyticsParity, JoinMatchesCpu) {
  NIMBUS_REQUIRE_GPU();
  const std::vector<std::vector<std::string>> key_sets = {{"i32"}, {"i64"}, {"wide"}, {"f64"}, {"s"}, {"i32", "b"}};
  const Table right_source = random_table(700, true, 41);
  const Table right_on_gpu = right_source.to(gpu());
  for (const Case& c : cases()) {
    const Table left_on_gpu = c.table.to(gpu());
    for (const std::vector<std::string>& keys : key_sets) {
      for (const JoinKind kind : {JoinKind::inner, JoinKind::left, JoinKind::right, JoinKind::full, JoinKind::semi,
                                  JoinKind::anti}) {
        std::string what = std::string(join_kind_name(kind)).append(" join on ").append(keys[0]);
        what.append(keys.size() > 1 ? " and more, " : ", ").append(c.name);
        const Table on_gpu = join(left_on_gpu, right_on_gpu, keys, keys, kind);
        for (const Column& column : on_gpu.columns()) ASSERT_TRUE(column.device() == gpu()) << what;
        expect_same_table(join(c.table, right_source, keys, keys, kind), on_gpu, what);
      }
    }
  }
  EXPECT_THROW(join(right_source, right_on_gpu, {"i32"}, {"i32"}, JoinKind::inner), DeviceError);
}

TEST(AnalyticsParity, ColumnsOnTwoDevicesAreAnError) {
  NIMBUS_REQUIRE_GPU();
  const Table table = random_table(10, false, 11);
  const Table mixed({"a", "b"}, {table.column("i32"), table.column("i64").to(gpu())});
  EXPECT_THROW(sort(mixed, {{"a"}}), DeviceError);
  EXPECT_THROW(take(mixed, std::vector<int64_t>{0}), DeviceError);
  EXPECT_THROW(group_by(mixed, {"a"}, {}), DeviceError);
}

}  // namespace
}  // namespace nimbus::analytics
#endif
