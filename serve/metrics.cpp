#include "serve/metrics.h"

#include <algorithm>

#include "serve/allocator_metrics.h"

namespace nimbus::serve {

void ModelMetrics::record_execution(int64_t rows, uint64_t compute_microseconds, int instance) {
  executions.fetch_add(1, std::memory_order_relaxed);
  instance_executions[static_cast<size_t>(std::clamp(instance, 0, kMaxInstances - 1))].fetch_add(1, std::memory_order_relaxed);
  inferences.fetch_add(static_cast<uint64_t>(rows), std::memory_order_relaxed);
  compute_us.fetch_add(compute_microseconds, std::memory_order_relaxed);
  batch_sum.fetch_add(static_cast<uint64_t>(rows), std::memory_order_relaxed);
  for (size_t b = 0; b < kBatchBuckets.size(); ++b)
    if (rows <= kBatchBuckets[b]) batch_buckets[b].fetch_add(1, std::memory_order_relaxed);
}

ModelMetrics& Metrics::model(const std::string& model, int64_t version) {
  std::unique_ptr<ModelMetrics>& slot = models_[{model, version}];
  if (!slot) slot = std::make_unique<ModelMetrics>();
  return *slot;
}

void Metrics::watch_device(Device device) {
  if (std::find(devices_.begin(), devices_.end(), device) == devices_.end()) devices_.push_back(device);
}

namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

std::string Metrics::prometheus_text() const {
  // Model names are restricted to [A-Za-z0-9_.-] (serve/model_names.h): no label escaping needed.
  auto labels = [](const std::pair<std::string, int64_t>& key) {
    return std::string("model=\"").append(key.first).append("\",version=\"").append(std::to_string(key.second)).append("\"");
  };
  auto counter = [&](const char* name, const char* help, std::atomic<uint64_t> ModelMetrics::*field) {
    std::string out;
    family(out, name, "counter", help);
    for (const auto& [key, m] : models_)
      out.append(name).append("{").append(labels(key)).append("} ").append(std::to_string(((*m).*field).load())).append("\n");
    return out;
  };
  std::string out;
  family(out, "nimbus_inference_requests_total", "counter", "Infer requests answered, by outcome.");
  for (const auto& [key, m] : models_) {
    out.append("nimbus_inference_requests_total{").append(labels(key)).append(",status=\"success\"} ").append(std::to_string(m->success.load())).append("\n");
    out.append("nimbus_inference_requests_total{").append(labels(key)).append(",status=\"failure\"} ").append(std::to_string(m->failure.load())).append("\n");
  }
  out += counter("nimbus_inference_count_total", "Examples run (a request of N rows counts N).", &ModelMetrics::inferences);
  out += counter("nimbus_inference_exec_count_total", "Model executions (batches run).", &ModelMetrics::executions);
  out += counter("nimbus_inference_queue_microseconds_total", "Time requests waited in the batching queue.", &ModelMetrics::queue_us);
  out += counter("nimbus_inference_compute_microseconds_total", "Time spent running the model.", &ModelMetrics::compute_us);
  family(out, "nimbus_batch_size", "histogram", "Examples per model execution.");
  for (const auto& [key, m] : models_) {
    for (size_t b = 0; b < ModelMetrics::kBatchBuckets.size(); ++b)
      out.append("nimbus_batch_size_bucket{").append(labels(key)).append(",le=\"").append(std::to_string(ModelMetrics::kBatchBuckets[b])).append("\"} ").append(
          std::to_string(m->batch_buckets[b].load())).append("\n");
    out.append("nimbus_batch_size_bucket{").append(labels(key)).append(",le=\"+Inf\"} ").append(std::to_string(m->executions.load())).append("\n");
    out.append("nimbus_batch_size_sum{").append(labels(key)).append("} ").append(std::to_string(m->batch_sum.load())).append("\n");
    out.append("nimbus_batch_size_count{").append(labels(key)).append("} ").append(std::to_string(m->executions.load())).append("\n");
  }
  // A family of its own, so that summing nimbus_inference_exec_count_total still counts each
  // execution once.
  family(out, "nimbus_instance_exec_count_total", "counter", "Model executions by instance (Note [Model instances]).");
  for (const auto& [key, m] : models_)
    for (int i = 0; i < std::clamp(m->instances.load(), 1, kMaxInstances); ++i)
      out.append("nimbus_instance_exec_count_total{").append(labels(key)).append(",instance=\"").append(std::to_string(i)).append("\"} ").append(
          std::to_string(m->instance_executions[static_cast<size_t>(i)].load())).append("\n");
  out += allocator_metrics_text(read_allocator_stats(devices_));
  return out;
}

}  // namespace nimbus::serve
