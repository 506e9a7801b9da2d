#pragma once
// Parallel loops over index ranges with OpenMP.
//
// The range is cut into at most one contiguous piece per thread, never smaller than `grain`
// elements, so small inputs stay on one thread and each piece is a fixed function of (n, threads):
// results are deterministic for a fixed thread count.
#include <algorithm>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace nimbus {

// Elements below which a loop is not worth splitting across threads.
inline constexpr int64_t kDefaultGrain = 32768;

inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// Calls body(begin, end) over pieces of [0, n).
template <typename Body>
void parallel_for(int64_t n, int64_t grain, const Body& body) {
  if (n <= 0) return;
  const int64_t pieces = std::min<int64_t>(max_threads(), (n + grain - 1) / std::max<int64_t>(grain, 1));
  if (pieces <= 1) {
    body(int64_t{0}, n);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(static_cast<int>(pieces)) schedule(static, 1)
#endif
  for (int64_t piece = 0; piece < pieces; ++piece) {
    const int64_t begin = n * piece / pieces, end = n * (piece + 1) / pieces;
    body(begin, end);
  }
}

}  // namespace nimbus
