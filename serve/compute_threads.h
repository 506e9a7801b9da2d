#pragma once
// How many threads compute, and where.
//
// Note [Thread budget]: a server runs two kinds of threads. HTTP workers (--http-threads) each hold
// one client connection: they parse a request, hand its rows to the model's batcher, sleep until
// the batch has run, and write the answer; they never run the model, so they cost the CPU only
// while parsing and serializing. Compute runs on the batcher threads, one per model version,
// through OpenMP (our loops and OpenBLAS share its pool) with --threads threads each, the cores by
// default. Batchers of the same device take turns (one device lock, batcher.h), so however many
// models are served the compute threads never exceed --threads: nothing multiplies HTTP workers
// by compute threads. Larger --http-threads therefore only allows more connections at once, not
// more CPU load; it should be at least the number of client connections, or the extra ones wait
// for a worker to close its connection.
#include "runtime/macros.h"

namespace nimbus::serve {

// The threads a batch runs with by default: OpenMP's count, i.e. the cores, or OMP_NUM_THREADS.
NIMBUS_API int default_compute_threads();
// Sets the threads the calling thread's parallel regions (OpenMP loops and BLAS) use; `threads` <=
// 0 leaves the default. Affects only the calling thread.
NIMBUS_API void set_compute_threads(int threads);

}  // namespace nimbus::serve
