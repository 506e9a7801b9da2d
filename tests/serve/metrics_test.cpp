#include "serve/metrics.h"

#include <gtest/gtest.h>

#include <sstream>

#include "runtime/tensor.h"
#include "serve/allocator_metrics.h"

namespace nimbus::serve {

namespace {

// The value of the one sample line `series` (name and labels), or -1 when absent or repeated.
double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  double value = -1;
  int found = 0;
  while (std::getline(lines, line))
    if (line.starts_with(series + " ")) {
      value = std::stod(line.substr(series.size() + 1));
      ++found;
    }
  return found == 1 ? value : -1;
}

}  // namespace

TEST(AllocatorMetrics, EveryStatisticIsASeriesPerDeviceWithItsType) {
  AllocatorStats cpu;
  cpu.allocated_bytes = 1024;
  cpu.reserved_bytes = 2097152;
  cpu.peak_allocated_bytes = 4096;
  cpu.peak_reserved_bytes = 4194304;
  cpu.allocations = 7;
  cpu.cache_hits = 5;
  cpu.cache_misses = 2;
  AllocatorStats gpu;
  gpu.ooms = 3;
  gpu.retries = 4;
  const std::string text = allocator_metrics_text({{"cpu", cpu}, {"cuda:0", gpu}});
  EXPECT_EQ(sample(text, R"(nimbus_allocator_allocated_bytes{device="cpu"})"), 1024);
  EXPECT_EQ(sample(text, R"(nimbus_allocator_reserved_bytes{device="cpu"})"), 2097152);
  EXPECT_EQ(sample(text, R"(nimbus_allocator_peak_allocated_bytes{device="cpu"})"), 4096);
  EXPECT_EQ(sample(text, R"(nimbus_allocator_peak_reserved_bytes{device="cpu"})"), 4194304);
  EXPECT_EQ(sample(text, R"(nimbus_allocator_allocations_total{device="cpu"})"), 7);
  EXPECT_EQ(sample(text, R"(nimbus_allocator_cache_hits_total{device="cpu"})"), 5);
  EXPECT_EQ(sample(text, R"(nimbus_allocator_cache_misses_total{device="cpu"})"), 2);
  EXPECT_EQ(sample(text, R"(nimbus_allocator_ooms_total{device="cuda:0"})"), 3);
  EXPECT_EQ(sample(text, R"(nimbus_allocator_retries_total{device="cuda:0"})"), 4);
  EXPECT_EQ(sample(text, R"(nimbus_allocator_allocated_bytes{device="cuda:0"})"), 0);
  EXPECT_NE(text.find("# TYPE nimbus_allocator_reserved_bytes gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE nimbus_allocator_ooms_total counter\n"), std::string::npos);
  EXPECT_EQ(allocator_metrics_text({}), "");
}

TEST(Metrics, ReportTheAllocatorOfEachWatchedDeviceOnce) {
  Metrics metrics;
  metrics.model("digits", 1).record_execution(4, 100);
  EXPECT_EQ(metrics.prometheus_text().find("nimbus_allocator_"), std::string::npos) << "no device watched yet";
  metrics.watch_device(Device::cpu());
  metrics.watch_device(Device::cpu());
  // A live tensor is memory the CPU allocator has handed out: the gauge must show at least it.
  const Tensor held = zeros({1024}, DType::f32);
  const std::string text = metrics.prometheus_text();
  EXPECT_GE(sample(text, R"(nimbus_allocator_allocated_bytes{device="cpu"})"), 4096) << text;
  EXPECT_GE(sample(text, R"(nimbus_allocator_reserved_bytes{device="cpu"})"),
            sample(text, R"(nimbus_allocator_allocated_bytes{device="cpu"})"));
  EXPECT_GE(sample(text, R"(nimbus_allocator_allocations_total{device="cpu"})"), 1);
  EXPECT_GE(sample(text, R"(nimbus_allocator_ooms_total{device="cpu"})"), 0);
  // The request counters are still there beside them.
  EXPECT_EQ(sample(text, R"(nimbus_inference_count_total{model="digits",version="1"})"), 4);
}

TEST(Metrics, ExecutionsAreCountedPerInstanceBesideTheTotal) {
  Metrics metrics;
  ModelMetrics& digits = metrics.model("digits", 2);
  digits.instances = 2;
  digits.record_execution(4, 100, 0);
  digits.record_execution(3, 100, 1);
  digits.record_execution(1, 100, 1);
  const std::string text = metrics.prometheus_text();
  EXPECT_EQ(sample(text, R"(nimbus_instance_exec_count_total{model="digits",version="2",instance="0"})"), 1) << text;
  EXPECT_EQ(sample(text, R"(nimbus_instance_exec_count_total{model="digits",version="2",instance="1"})"), 2) << text;
  EXPECT_EQ(sample(text, R"(nimbus_instance_exec_count_total{model="digits",version="2",instance="2"})"), -1) << text;
  EXPECT_NE(text.find("# TYPE nimbus_instance_exec_count_total counter\n"), std::string::npos);
  // The totals keep their names and labels (dashboards and tests sum them).
  EXPECT_EQ(sample(text, R"(nimbus_inference_exec_count_total{model="digits",version="2"})"), 3) << text;
  EXPECT_EQ(sample(text, R"(nimbus_inference_count_total{model="digits",version="2"})"), 8) << text;
}

}  // namespace nimbus::serve
