#include "serve/compute_threads.h"

#include <algorithm>

#include "runtime/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace nimbus::serve {

int default_compute_threads() { return max_threads(); }

void set_compute_threads(int threads) {
#ifdef _OPENMP
  // libgomp keeps this setting per thread for threads outside a parallel region, and OpenBLAS's
  // OpenMP build reads it on every call: the batcher thread's batches use exactly this many.
  if (threads > 0) omp_set_num_threads(threads);
#else
  (void)threads;
#endif
}

int threads_per_instance(int budget, int instances) {
  const int threads = budget > 0 ? budget : default_compute_threads();
  return std::max(1, threads / std::max(1, instances));
}

}  // namespace nimbus::serve
