// The Mars strategy's dispatch: the host instantiation on the CPU, a device library's registered
// entries elsewhere (the registry mirrors analytics/ops/device_ops.cpp).
#include "analytics/mapreduce/mars.h"

#include <array>
#include <mutex>

#include "runtime/backend.h"
#include "runtime/error.h"

namespace nimbus::analytics::mapreduce {

namespace {

struct Registry {
  std::mutex mutex;
  std::array<MarsDeviceOps, kNumDeviceTypes> tables{};
  std::array<bool, kNumDeviceTypes> registered{};
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

Strategy parse_strategy(std::string_view name) {
  if (name == "phoenix") return Strategy::phoenix;
  if (name == "mars") return Strategy::mars;
  NIMBUS_THROW(ConfigError, "unknown map/reduce strategy '", name, "'; the strategies are phoenix and mars");
}

void register_mars_device_ops(DeviceType type, const MarsDeviceOps& ops) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.tables[static_cast<size_t>(type)] = ops;
  r.registered[static_cast<size_t>(type)] = true;
}

const MarsDeviceOps* mars_device_ops(DeviceType type) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  // Registered once, when the device library loads, and never removed: the address stays valid.
  return r.registered[static_cast<size_t>(type)] ? &r.tables[static_cast<size_t>(type)] : nullptr;
}

namespace {

// The registered entries for a device (its library loaded first), checked to hold `entry`.
const MarsDeviceOps& device_ops(Device device, bool (*has_entry)(const MarsDeviceOps&), std::string_view job) {
  backend_for(device);  // loads the device's library (which registers its entries); DeviceError if absent
  const MarsDeviceOps* ops = mars_device_ops(device.type);
  NIMBUS_CHECK_T(DeviceError, ops != nullptr && has_entry(*ops), job, " with the Mars strategy is not available on ",
                 device.str(), ": the device library loaded but registered no such map/reduce entry");
  return *ops;
}

}  // namespace

MarsWordCounts mars_word_count_block(std::string& text, WordRule rule, Device device, const MarsOptions& options) {
  if (device.is_cpu()) return mars_host_word_count(text, rule, options);
  const auto has = [](const MarsDeviceOps& ops) { return ops.word_count != nullptr; };
  return device_ops(device, has, "word count").word_count(text, rule, device, options);
}

MarsGrepCounts mars_grep_count_block(std::string& text, int64_t document, std::string_view pattern, Device device,
                                     const MarsOptions& options) {
  if (device.is_cpu()) return mars_host_grep_count(text, document, pattern, options);
  const auto has = [](const MarsDeviceOps& ops) { return ops.grep_count != nullptr; };
  return device_ops(device, has, "grep").grep_count(text, document, pattern, device, options);
}

MarsPostings mars_inverted_index_block(std::string& text, int64_t first_line, WordRule rule, Device device,
                                       const MarsOptions& options) {
  if (device.is_cpu()) return mars_host_inverted_index(text, first_line, rule, options);
  const auto has = [](const MarsDeviceOps& ops) { return ops.inverted_index != nullptr; };
  return device_ops(device, has, "inverted index").inverted_index(text, first_line, rule, device, options);
}

MarsBucketCounts mars_bucket_counts(const MarsHistogramInput& input, Device device, const MarsOptions& options) {
  if (device.is_cpu()) return mars_host_bucket_counts(input, options);
  const auto has = [](const MarsDeviceOps& ops) { return ops.bucket_counts != nullptr; };
  return device_ops(device, has, "histogram").bucket_counts(input, device, options);
}

MarsClusterSums mars_cluster_sums(const MarsKMeansInput& input, Device device, const MarsOptions& options) {
  // The job reads the summed features unchecked, on a device too.
  NIMBUS_CHECK_T(ConfigError,
                 input.sum_begin >= 0 && input.sum_count >= 0 && input.sum_count <= kMarsSummedFeatures &&
                     input.sum_begin + input.sum_count <= input.feature_count,
                 "k-means: features [", input.sum_begin, ", ", input.sum_begin + input.sum_count, ") of ",
                 input.feature_count, " cannot be summed in one Mars value of ", kMarsSummedFeatures);
  if (device.is_cpu()) return mars_host_cluster_sums(input, options);
  const auto has = [](const MarsDeviceOps& ops) { return ops.cluster_sums != nullptr; };
  return device_ops(device, has, "k-means").cluster_sums(input, device, options);
}

}  // namespace nimbus::analytics::mapreduce
