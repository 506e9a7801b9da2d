#pragma once
// Counters for GET /metrics, in the Prometheus text format. One ModelMetrics per served model
// version, created before the server starts, so the request path only touches atomics.
//
//   nimbus_inference_requests_total{model,version,status="success"|"failure"}
//   nimbus_inference_count_total        examples run (a request of 3 rows counts 3)
//   nimbus_inference_exec_count_total   model executions; below the inference count when batching
//   nimbus_inference_queue_microseconds_total, nimbus_inference_compute_microseconds_total
//   nimbus_batch_size                   histogram of examples per execution
//   nimbus_instance_exec_count_total{model,version,instance}  executions of each instance
//                                       (Note [Model instances] in batcher.h); they sum to the above
//   nimbus_allocator_*{device}          memory of each device in use (serve/allocator_metrics.h)
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/device.h"
#include "runtime/macros.h"
#include "serve/model_metadata.h"

namespace nimbus::serve {

struct NIMBUS_API ModelMetrics {
  static constexpr std::array<int64_t, 9> kBatchBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256};

  std::atomic<uint64_t> success{0}, failure{0};
  std::atomic<uint64_t> inferences{0}, executions{0};
  std::atomic<uint64_t> queue_us{0}, compute_us{0};
  std::array<std::atomic<uint64_t>, kBatchBuckets.size()> batch_buckets{};  // cumulative: <= bound
  std::atomic<uint64_t> batch_sum{0};
  std::atomic<int> instances{1};  // set by the batcher before serving starts
  std::array<std::atomic<uint64_t>, kMaxInstances> instance_executions{};

  // One batch of `rows` examples run by instance `instance` (0-based, below kMaxInstances).
  void record_execution(int64_t rows, uint64_t compute_microseconds, int instance = 0);
};

class NIMBUS_API Metrics {
 public:
  // The metrics of `model` `version`, created on first use (before serving starts).
  ModelMetrics& model(const std::string& model, int64_t version);
  // Reports the allocator of `device` too (once, however often it is named; before serving starts).
  void watch_device(Device device);
  std::string prometheus_text() const;

 private:
  std::map<std::pair<std::string, int64_t>, std::unique_ptr<ModelMetrics>> models_;
  std::vector<Device> devices_;
};

}  // namespace nimbus::serve
