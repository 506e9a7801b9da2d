#pragma once
// How many threads compute, and where.
//
// Note [Thread budget]: a server runs two kinds of threads. HTTP workers (--http-threads) each hold
// one client connection: they parse a request, hand its rows to the model's batcher, sleep until
// the batch has run, and write the answer. Compute runs as the instances of the batchers (one per
// instance of each model version, Note [Model instances] in batcher.h), through OpenMP (our loops
// and OpenBLAS share its pool): on an instance's thread, or, for a lone request of a few rows, on
// one thread of the HTTP worker that claimed an idle instance (Note [Running on the receiving
// thread]), within that instance's share of the budget either way. A device's compute threads are one budget, --threads (the cores by
// default): an instance of a model with N instances runs with --threads / N threads (at least 1)
// and holds them while its batch runs (Note [Compute budget] in compute_budget.h), so however many
// models and instances are served, at most --threads threads compute on a device at a time:
// nothing multiplies HTTP workers or instances by compute threads. Larger --http-threads therefore
// only allows more connections at once, not more CPU load; it should be at least the number of
// client connections, or the extra ones wait for a worker to close its connection.
#include "runtime/macros.h"

namespace nimbus::serve {

// The threads a batch runs with by default: OpenMP's count, i.e. the cores, or OMP_NUM_THREADS.
NIMBUS_API int default_compute_threads();
// Sets the threads the calling thread's parallel regions (OpenMP loops and BLAS) use; `threads` <=
// 0 leaves the default. Affects only the calling thread.
NIMBUS_API void set_compute_threads(int threads);
// The threads each of `instances` instances runs with when a device's budget is `budget` threads
// (<= 0: default_compute_threads()): budget / instances, at least 1.
NIMBUS_API int threads_per_instance(int budget, int instances);

}  // namespace nimbus::serve
