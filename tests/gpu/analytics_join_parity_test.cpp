// Joins matched on cuda:0 against the CPU join (Note [Joins on a device] in
// analytics/ops/join_device.h): one int32, int64, date32 or timestamp key a side, every join kind,
// random keys with NULLs and duplicates on both sides, int32 against int64 (with int64 keys that
// agree with an int32 key in their low bits), empty sides, nothing matching, all NULL keys, one key
// with thousands of matches, unique right keys, slices at odd offsets and more than 2^16 rows.
// join_rows must give the CPU's pairs exactly, in its order, and join the CPU's table, on the
// device; a counting wrapper around the registered join_rows shows the device made the pairs.
// Other keys, and a device table without join_rows, keep matching on the host. Skipped without a
// CUDA device. Filter: --gtest_filter='AnalyticsJoinParity*'.
#include <gtest/gtest.h>

#if NIMBUS_TEST_ANALYTICS
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "analytics/column_builder.h"
#include "analytics/ops/device_ops.h"
#include "analytics/ops/join.h"
#include "analytics/table.h"
#include "gpu/parity_harness.h"

namespace nimbus::analytics {
namespace {

using gpu_parity::gpu;

constexpr JoinKind kKinds[] = {JoinKind::inner, JoinKind::left, JoinKind::right,
                               JoinKind::full,  JoinKind::semi, JoinKind::anti};

// Counts the calls of the CUDA table's join_rows while it lives (or takes join_rows away, with
// `remove`), restoring the table after.
class JoinRowsProbe {
 public:
  explicit JoinRowsProbe(bool remove = false) {
    const AnalyticsDeviceOps* ops = analytics_device_ops(DeviceType::cuda);
    EXPECT_NE(ops, nullptr);
    if (ops == nullptr) return;
    saved_ = *ops;
    real_ = ops->join_rows;
    calls_ = 0;
    AnalyticsDeviceOps probed = *ops;
    probed.join_rows = remove ? nullptr : &counted;
    register_analytics_device_ops(DeviceType::cuda, probed);
    installed_ = true;
  }
  ~JoinRowsProbe() {
    if (installed_) register_analytics_device_ops(DeviceType::cuda, saved_);
  }
  JoinRowsProbe(const JoinRowsProbe&) = delete;
  JoinRowsProbe& operator=(const JoinRowsProbe&) = delete;

  static int64_t calls() { return calls_; }

 private:
  static DeviceJoinRows counted(const Column& left, const Column& right, JoinKind kind) {
    ++calls_;
    return real_(left, right, kind);
  }

  static inline int64_t calls_ = 0;
  static inline DeviceJoinRows (*real_)(const Column&, const Column&, JoinKind) = nullptr;
  AnalyticsDeviceOps saved_;
  bool installed_ = false;
};

// How a side's keys are drawn.
struct KeySpec {
  DataType type = DataType::int64;
  int64_t rows = 0;
  int64_t low = 0;        // keys from [low, low + distinct)
  int64_t distinct = 1;   // at most rows: unique keys (a shuffled run) when `unique`
  int null_percent = 0;   // 100: every key NULL
  bool unique = false;
  bool high_bits = false;  // int64 only: a third of the keys get 2^32 added (equal to an int32 key in the low bits)
};

Column random_keys(const KeySpec& spec, std::mt19937_64& rng) {
  std::vector<int64_t> values(static_cast<size_t>(spec.rows));
  for (int64_t i = 0; i < spec.rows; ++i) {
    values[static_cast<size_t>(i)] =
        spec.low + (spec.unique ? i : static_cast<int64_t>(rng() % static_cast<uint64_t>(spec.distinct)));
  }
  if (spec.unique) std::shuffle(values.begin(), values.end(), rng);
  ColumnBuilder builder(spec.type);
  for (int64_t v : values) {
    if (spec.null_percent > 0 && static_cast<int>(rng() % 100) < spec.null_percent) {
      builder.append_null();
      continue;
    }
    switch (spec.type) {
      case DataType::int32: builder.append_int32(static_cast<int32_t>(v)); break;
      case DataType::date32: builder.append_date32(static_cast<int32_t>(v)); break;
      case DataType::timestamp: builder.append_timestamp(v); break;
      default:
        if (spec.high_bits && rng() % 3 == 0) v += int64_t{1} << 32;
        builder.append_int64(v);
        break;
    }
  }
  return builder.finish();
}

// A side of a join: its key `k`, the row number, a float and a string (gathered through the host).
Table side(const KeySpec& spec, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ColumnBuilder row(DataType::int64), f(DataType::float64), s(DataType::string);
  for (int64_t r = 0; r < spec.rows; ++r) {
    row.append_int64(r);
    if (rng() % 7 == 0) f.append_null();
    else f.append_float64(static_cast<double>(rng() % 1000) / 8.0);
    s.append_string(std::string("s").append(std::to_string(rng() % 17)));
  }
  return Table({"k", "row", "f", "s"}, {random_keys(spec, rng), row.finish(), f.finish(), s.finish()});
}

struct Scenario {
  std::string name;
  Table left;
  Table right;
};

std::vector<Scenario> scenarios() {
  std::vector<Scenario> out;
  uint64_t seed = 1;
  const auto add = [&](const std::string& name, const KeySpec& l, const KeySpec& r) {
    out.push_back({name, side(l, seed), side(r, seed + 1)});
    seed += 2;
  };
  using DT = DataType;
  add("int32, duplicates and NULLs on both sides", {DT::int32, 1000, -20, 41, 10}, {DT::int32, 700, -25, 41, 10});
  add("int64, duplicates and NULLs on both sides", {DT::int64, 1000, -20, 41, 10}, {DT::int64, 700, -25, 41, 10});
  add("int64, more than 2^16 rows", {DT::int64, 70001, -1000, 5000, 5}, {DT::int64, 20000, -900, 5000, 5});
  add("int32 with int64 keys of high bits", {DT::int32, 1000, -10, 30, 10},
      {DT::int64, 800, -10, 30, 10, false, true});
  add("int64 of high bits with int32", {DT::int64, 800, -10, 30, 10, false, true}, {DT::int32, 1000, -10, 30, 10});
  add("date32", {DT::date32, 1000, -5, 11, 10}, {DT::date32, 500, -3, 11, 10});
  add("timestamp", {DT::timestamp, 1000, -5, 11, 10}, {DT::timestamp, 500, -3, 11, 10});
  add("empty left", {DT::int64, 0, 0, 5}, {DT::int64, 300, 0, 5, 10});
  add("empty right", {DT::int32, 300, 0, 5, 10}, {DT::int32, 0, 0, 5});
  add("both empty", {DT::int64, 0, 0, 1}, {DT::int32, 0, 0, 1});
  add("nothing matches", {DT::int64, 500, 0, 100, 10}, {DT::int64, 400, 1000, 100, 10});
  add("every left key NULL", {DT::int32, 300, 0, 5, 100}, {DT::int32, 200, 0, 5});
  add("every right key NULL", {DT::int64, 300, 0, 5}, {DT::int64, 200, 0, 5, 100});
  add("one key with thousands of matches", {DT::int64, 600, 7, 2, 5}, {DT::int64, 5000, 7, 2, 5});
  add("unique right keys", {DT::int64, 5000, 0, 4000, 5}, {DT::int64, 3000, 0, 3000, 5, true});
  add("unique keys on both sides", {DT::int32, 3000, 0, 3000, 0, true}, {DT::int32, 3000, 1500, 3000, 0, true});
  // Slices at odd offsets: values and validity read from the offset.
  const Table big_left = side({DT::int32, 1003, -8, 17, 15}, 901), big_right = side({DT::int64, 999, -8, 17, 15}, 902);
  out.push_back({"slices at offsets 13 and 5", big_left.slice(13, 977), big_right.slice(5, 990)});
  return out;
}

std::string first_difference(const Column& cpu, const Column& back) {
  if (cpu.type() != back.type()) return "types differ";
  if (cpu.length() != back.length()) {
    return "lengths " + std::to_string(cpu.length()) + " and " + std::to_string(back.length());
  }
  for (int64_t i = 0; i < cpu.length(); ++i) {
    if (!cpu.slice(i, 1).equals(back.slice(i, 1))) {
      return "row " + std::to_string(i) + ": cpu " + cpu.value_text(i) + ", gpu " + back.value_text(i);
    }
  }
  return "null counts " + std::to_string(cpu.null_count()) + " and " + std::to_string(back.null_count());
}

void expect_same_table(const Table& cpu, const Table& on_gpu, const std::string& what) {
  ASSERT_EQ(cpu.names(), on_gpu.names()) << what;
  ASSERT_EQ(cpu.num_rows(), on_gpu.num_rows()) << what;
  for (int64_t c = 0; c < cpu.num_columns(); ++c) {
    const Column& device_column = on_gpu.column(c);
    EXPECT_EQ(device_column.device(), gpu()) << what;
    const Column back = device_column.to(Device::cpu());
    EXPECT_TRUE(back.equals(cpu.column(c))) << what << ", column " << cpu.names()[static_cast<size_t>(c)] << ": "
                                            << first_difference(cpu.column(c), back);
  }
}

// join_rows and join of the scenario on the device equal the CPU's; `device_calls` calls of
// join_rows on the device are expected (2 when the device matches the keys, 0 when the host does).
void expect_join_matches_cpu(const Scenario& s, const std::vector<std::string>& keys, JoinKind kind,
                             int64_t device_calls) {
  const std::string what = std::string(join_kind_name(kind)) + " join, " + s.name;
  const Table left_on_gpu = s.left.to(gpu()), right_on_gpu = s.right.to(gpu());
  const int64_t before = JoinRowsProbe::calls();
  const JoinRows expected = join_rows(s.left, s.right, keys, keys, kind);
  const JoinRows got = join_rows(left_on_gpu, right_on_gpu, keys, keys, kind);
  EXPECT_EQ(got.left, expected.left) << what;
  EXPECT_EQ(got.right, expected.right) << what;
  expect_same_table(join(s.left, s.right, keys, keys, kind), join(left_on_gpu, right_on_gpu, keys, keys, kind), what);
  EXPECT_EQ(JoinRowsProbe::calls() - before, device_calls) << what;
}

// Runs without a device too: loading the CUDA module registers join_rows.
TEST(AnalyticsJoinParity, CudaModuleRegistersJoinRows) {
  if (find_backend(DeviceType::cuda) == nullptr) {
    GTEST_SKIP() << "the CUDA module did not load: " << cuda_backend_status();
  }
  const AnalyticsDeviceOps* ops = analytics_device_ops(DeviceType::cuda);
  ASSERT_NE(ops, nullptr);
  EXPECT_NE(ops->join_rows, nullptr);
}

TEST(AnalyticsJoinParity, IntegerKeysAreMatchedOnTheDevice) {
  NIMBUS_REQUIRE_GPU();
  find_backend(DeviceType::cuda);  // the CUDA module registers its table when it loads
  const JoinRowsProbe probe;
  for (const Scenario& s : scenarios()) {
    for (const JoinKind kind : kKinds) expect_join_matches_cpu(s, {"k"}, kind, 2);
  }
}

// A device whose table has no join_rows matches on the host, with the same result.
TEST(AnalyticsJoinParity, WithoutJoinRowsKeysAreMatchedOnTheHost) {
  NIMBUS_REQUIRE_GPU();
  find_backend(DeviceType::cuda);
  const std::vector<Scenario> all = scenarios();
  {
    const JoinRowsProbe removed(/*remove=*/true);
    for (const JoinKind kind : kKinds) expect_join_matches_cpu(all[0], {"k"}, kind, 0);
  }
  EXPECT_NE(analytics_device_ops(DeviceType::cuda)->join_rows, nullptr);  // restored
}

// Float, string and several keys keep today's host match.
TEST(AnalyticsJoinParity, OtherKeysAreMatchedOnTheHost) {
  NIMBUS_REQUIRE_GPU();
  find_backend(DeviceType::cuda);
  const JoinRowsProbe probe;
  const std::vector<Scenario> all = scenarios();
  for (const JoinKind kind : kKinds) {
    expect_join_matches_cpu(all[0], {"f"}, kind, 0);
    expect_join_matches_cpu(all[0], {"s"}, kind, 0);
    expect_join_matches_cpu(all[0], {"k", "s"}, kind, 0);
  }
}

}  // namespace
}  // namespace nimbus::analytics
#endif
