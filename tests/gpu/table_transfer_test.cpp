// Tables moved to a GPU and back: every type, nulls, a slice at an odd offset. Skipped without a
// CUDA device (and not built without the analytics library).
#include <gtest/gtest.h>

#if NIMBUS_TEST_ANALYTICS
#include "analytics/column_builder.h"
#include "analytics/table.h"
#include "runtime/backend.h"
#include "runtime/device.h"

namespace nimbus::analytics {
namespace {

TEST(GpuTableTransfer, RoundTripKeepsEveryValue) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: " << cuda_backend_status();
  ColumnBuilder ints(DataType::int64), strings(DataType::string), flags(DataType::boolean);
  for (int i = 0; i < 1000; ++i) {
    if (i % 9 == 4) {
      ints.append_null();
      strings.append_null();
      flags.append_null();
      continue;
    }
    ints.append_int64(i * 1000003LL);
    strings.append_string(std::string(static_cast<size_t>(i % 7), 'a'));
    flags.append_bool(i % 2 == 0);
  }
  const Table table({"i", "s", "b"}, {ints.finish(), strings.finish(), flags.finish()});
  for (const Table& source : {table, table.slice(13, 500)}) {
    const Table on_gpu = source.to(Device::cuda(0));
    EXPECT_EQ(on_gpu.column("i").device(), Device::cuda(0));
    EXPECT_EQ(on_gpu.column("s").null_count(), source.column("s").null_count());
    EXPECT_TRUE(on_gpu.to(Device::cpu()).equals(source));
  }
}

}  // namespace
}  // namespace nimbus::analytics
#endif
