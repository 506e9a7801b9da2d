// The Mars strategy's host instantiation (Note [Mars strategy] in mars_phases.h): the same
// templates as the GPU's, run by Thrust's OpenMP system, so CI tests their logic without a GPU.
// Built only when CMake found the Thrust headers (NIMBUS_HAVE_THRUST); otherwise the entry points
// say the strategy is not in this build.
#include <memory>

#include "analytics/mapreduce/mars.h"
#include "runtime/error.h"

#if NIMBUS_HAVE_THRUST
#include <thrust/system/omp/execution_policy.h>

#include <algorithm>

#include "analytics/mapreduce/mars_phases.h"
#endif

namespace nimbus::analytics::mapreduce {

#if NIMBUS_HAVE_THRUST

namespace {

// Scratch arrays in host memory, left uninitialised (every phase writes before it reads).
struct HostArrays {
  template <typename T>
  struct Array {
    std::unique_ptr<T[]> values;
    T* data() const { return values.get(); }
  };
  template <typename T>
  Array<T> make(int64_t n) {
    return {std::unique_ptr<T[]>(new T[static_cast<size_t>(std::max<int64_t>(n, 1))])};
  }
  template <typename T>
  Array<T> from_host(const T* src, int64_t n) {
    Array<T> copy = make<T>(n);
    std::copy(src, src + n, copy.data());
    return copy;
  }
  template <typename T>
  void to_host(T* dst, const T* src, int64_t n) {
    std::copy(src, src + n, dst);
  }
};

int64_t size_of(const std::string& text) { return static_cast<int64_t>(text.size()); }

}  // namespace

bool mars_host_available() { return true; }

MarsWordCounts mars_host_word_count(std::string& text, WordRule rule, const MarsOptions& options) {
  HostArrays arrays;
  return mars::word_count(thrust::omp::par, arrays, text.data(), size_of(text), rule, options);
}

MarsGrepCounts mars_host_grep_count(std::string& text, int64_t document, std::string_view pattern,
                                    const MarsOptions& options) {
  HostArrays arrays;
  return mars::grep_count(thrust::omp::par, arrays, text.data(), size_of(text), document, pattern, options);
}

MarsPostings mars_host_inverted_index(std::string& text, int64_t first_line, WordRule rule, const MarsOptions& options) {
  HostArrays arrays;
  return mars::inverted_index(thrust::omp::par, arrays, text.data(), size_of(text), first_line, rule, options);
}

// The table jobs read the caller's arrays where they are: host memory is the OpenMP system's.
MarsBucketCounts mars_host_bucket_counts(const MarsHistogramInput& input, const MarsOptions& options) {
  HostArrays arrays;
  return mars::bucket_counts(thrust::omp::par, arrays, input.values, input, options);
}

MarsClusterSums mars_host_cluster_sums(const MarsKMeansInput& input, const MarsOptions& options) {
  HostArrays arrays;
  return mars::cluster_sums(thrust::omp::par, arrays, input.features, input.centroids, input, options);
}

#else

namespace {

[[noreturn]] void not_built() {
  NIMBUS_THROW(ConfigError,
               "the Mars strategy on the CPU is not in this build: it is compiled with the Thrust headers, which "
               "were not found when nimbus was configured (they come with the CUDA toolkit); use --strategy phoenix");
}

}  // namespace

bool mars_host_available() { return false; }

MarsWordCounts mars_host_word_count(std::string&, WordRule, const MarsOptions&) { not_built(); }
MarsGrepCounts mars_host_grep_count(std::string&, int64_t, std::string_view, const MarsOptions&) { not_built(); }
MarsPostings mars_host_inverted_index(std::string&, int64_t, WordRule, const MarsOptions&) { not_built(); }
MarsBucketCounts mars_host_bucket_counts(const MarsHistogramInput&, const MarsOptions&) { not_built(); }
MarsClusterSums mars_host_cluster_sums(const MarsKMeansInput&, const MarsOptions&) { not_built(); }

#endif

}  // namespace nimbus::analytics::mapreduce
