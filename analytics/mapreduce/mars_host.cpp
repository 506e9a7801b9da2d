// The Mars strategy's host instantiation (Note [Mars strategy] in mars_phases.h): the same
// template as the GPU's, run by Thrust's OpenMP system, so CI tests its logic without a GPU.
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
  void to_host(T* dst, const T* src, int64_t n) {
    std::copy(src, src + n, dst);
  }
};

}  // namespace

bool mars_host_available() { return true; }

MarsWordCounts mars_host_word_count(std::string& text, WordRule rule, const MarsOptions& options) {
  HostArrays arrays;
  return mars::word_count(thrust::omp::par, arrays, text.data(), static_cast<int64_t>(text.size()), rule, options);
}

#else

bool mars_host_available() { return false; }

MarsWordCounts mars_host_word_count(std::string&, WordRule, const MarsOptions&) {
  NIMBUS_THROW(ConfigError,
               "the Mars strategy on the CPU is not in this build: it is compiled with the Thrust headers, which "
               "were not found when nimbus was configured (they come with the CUDA toolkit); use --strategy phoenix");
}

#endif

}  // namespace nimbus::analytics::mapreduce
