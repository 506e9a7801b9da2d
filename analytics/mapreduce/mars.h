#pragma once
// The Mars execution strategy for text and table jobs (Note [Mars strategy] in mars_phases.h):
// the entry points the jobs call, their results, and the registry through which a device library
// provides the strategy for its device type (as analytics/ops/device_ops.h does for operators).
// Nothing here includes Thrust, so callers build whether or not the Thrust headers were found.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/mapreduce/mars_table.h"
#include "analytics/mapreduce/mars_text.h"
#include "analytics/mapreduce/words.h"
#include "runtime/device.h"

namespace nimbus::analytics::mapreduce {

// Which engine runs a text job: Phoenix (per-piece hash-table combiners, map_reduce.h; CPU only)
// or Mars (count, prefix sum, emit, sort, reduce; the same code on the host and on a GPU).
enum class Strategy : uint8_t { phoenix, mars };

// "phoenix", "mars"; ConfigError listing them for anything else.
NIMBUS_API Strategy parse_strategy(std::string_view name);

struct MarsOptions {
  // Bytes of text one map task reads (a GPU thread, a host loop iteration). A word or line belongs
  // to the task holding its first byte and may run past the task's end.
  int64_t chunk_bytes = 256;
  // Bits of the key hash the shuffle sorts by. Below 64 only in tests: it forces collisions, so
  // the exact fallback (Note [Mars strategy]) runs.
  int hash_bits = 64;
  // Rows one map task of a table job reads.
  int64_t chunk_rows = 256;
};

// What a Mars job gives for one block: its distinct keys in no particular order, and their values.
// A job with a combine() has one value per key (values[i] is keys[i]'s); a job without one has
// value lists, keys[i] owning the next group_sizes[i] entries of `values` in order.
template <typename Key, typename Value>
struct MarsOutput {
  std::vector<Key> keys;
  std::vector<Value> values;
  std::vector<int64_t> group_sizes;
};

// Word count: words as byte ranges of the block (before lower-casing, on a device) and counts.
using MarsWordCounts = MarsOutput<TextRange, int64_t>;
// Grep: input file indices and their matching lines.
using MarsGrepCounts = MarsOutput<int64_t, int64_t>;
// Inverted index: words as byte ranges, each with its ascending, distinct line numbers.
using MarsPostings = MarsOutput<TextRange, int64_t>;

// Histogram: bucket numbers and their row counts (buckets without rows absent).
using MarsBucketCounts = MarsOutput<int64_t, int64_t>;
// A k-means step: cluster numbers and their rows' feature sums and counts (empty clusters absent).
using MarsClusterSums = MarsOutput<int64_t, MarsClusterSum>;

// The table jobs' inputs, in host memory: MarsHistogramJob's and MarsKMeansAssignJob's
// (mars_jobs.h) fields, with the arrays' lengths.
struct MarsHistogramInput {
  const double* values = nullptr;  // one per row, NaN where NULL
  int64_t rows = 0;
  double lo = 0, width = 0;
  int64_t buckets = 1;
};
struct MarsKMeansInput {
  const double* features = nullptr;   // rows * feature_count, feature by feature
  const double* centroids = nullptr;  // k * feature_count, cluster by cluster
  int64_t rows = 0, feature_count = 0, k = 0;
  int64_t sum_begin = 0, sum_count = 0;  // the features summed, at most kMarsSummedFeatures
};

// Whether this build holds the host instantiation (it needs the Thrust headers at build time).
NIMBUS_API bool mars_host_available();
// The built-in jobs over one block on the host (Thrust's OpenMP system). `text` is lower-cased in
// place under alnum_lower. ConfigError when !mars_host_available().
NIMBUS_API MarsWordCounts mars_host_word_count(std::string& text, WordRule rule, const MarsOptions& options = {});
NIMBUS_API MarsGrepCounts mars_host_grep_count(std::string& text, int64_t document, std::string_view pattern,
                                               const MarsOptions& options = {});
NIMBUS_API MarsPostings mars_host_inverted_index(std::string& text, int64_t first_line, WordRule rule,
                                                 const MarsOptions& options = {});
NIMBUS_API MarsBucketCounts mars_host_bucket_counts(const MarsHistogramInput& input, const MarsOptions& options = {});
NIMBUS_API MarsClusterSums mars_host_cluster_sums(const MarsKMeansInput& input, const MarsOptions& options = {});

// What a device library registers for its device type: the same jobs over one block in host
// memory (copied to `device` and left unchanged).
struct MarsDeviceOps {
  MarsWordCounts (*word_count)(std::string_view text, WordRule rule, Device device, const MarsOptions& options) =
      nullptr;
  MarsGrepCounts (*grep_count)(std::string_view text, int64_t document, std::string_view pattern, Device device,
                               const MarsOptions& options) = nullptr;
  MarsPostings (*inverted_index)(std::string_view text, int64_t first_line, WordRule rule, Device device,
                                 const MarsOptions& options) = nullptr;
  // The table jobs: the inputs copied to `device`.
  MarsBucketCounts (*bucket_counts)(const MarsHistogramInput& input, Device device, const MarsOptions& options) =
      nullptr;
  MarsClusterSums (*cluster_sums)(const MarsKMeansInput& input, Device device, const MarsOptions& options) = nullptr;
};

// Installs the entries for a device type (replacing any before it).
NIMBUS_API void register_mars_device_ops(DeviceType type, const MarsDeviceOps& ops);
// The entries registered for the type, or nullptr.
NIMBUS_API const MarsDeviceOps* mars_device_ops(DeviceType type);

// The built-in jobs over one block on `device` with the Mars strategy: the host instantiation on
// the CPU, the registered device entry elsewhere (the device's library is loaded first). Errors
// say what is missing: the host path in a build without Thrust, a device type without a
// registration. `first_line` is the number, in its file, of the block's first line.
NIMBUS_API MarsWordCounts mars_word_count_block(std::string& text, WordRule rule, Device device,
                                                const MarsOptions& options = {});
NIMBUS_API MarsGrepCounts mars_grep_count_block(std::string& text, int64_t document, std::string_view pattern,
                                                Device device, const MarsOptions& options = {});
NIMBUS_API MarsPostings mars_inverted_index_block(std::string& text, int64_t first_line, WordRule rule, Device device,
                                                  const MarsOptions& options = {});
// The table jobs over a whole table on `device`, dispatched the same way.
NIMBUS_API MarsBucketCounts mars_bucket_counts(const MarsHistogramInput& input, Device device,
                                               const MarsOptions& options = {});
NIMBUS_API MarsClusterSums mars_cluster_sums(const MarsKMeansInput& input, Device device,
                                             const MarsOptions& options = {});

}  // namespace nimbus::analytics::mapreduce
