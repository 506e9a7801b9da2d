#pragma once
// The compute threads of one device, shared by every model instance that runs there.
//
// Note [Compute budget]: a device has a budget of --threads compute threads (the cores by
// default). An instance of a model with N instances runs its batches with threads / N threads
// (at least 1, threads_per_instance in compute_threads.h) and holds that many threads of the
// budget while a batch runs; a batch that does not find them free waits. So however many models
// and instances are served, at most --threads threads compute on a device at a time:
// instances x threads per instance <= the budget <= the cores. With one instance (the default)
// a batch takes the whole budget, and batches on the device take turns, as before instances.
// Waiters are served in arrival order: an instance asking for the whole budget is not starved
// by smaller ones that keep arriving.
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "runtime/macros.h"

namespace nimbus::serve {

class NIMBUS_API ComputeBudget {
 public:
  // `threads` >= 1: the threads that may compute at once on the device.
  explicit ComputeBudget(int threads);
  ComputeBudget(const ComputeBudget&) = delete;
  ComputeBudget& operator=(const ComputeBudget&) = delete;

  int threads() const { return threads_; }

  // Threads held for one batch; given back when destroyed.
  class NIMBUS_API Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    int threads() const { return threads_; }

   private:
    friend class ComputeBudget;
    Lease(ComputeBudget* budget, int threads) : budget_(budget), threads_(threads) {}
    ComputeBudget* budget_ = nullptr;
    int threads_ = 0;
  };

  // Waits, in arrival order, until `threads` threads are free (more than the budget counts as the
  // whole budget) and holds them until the lease is destroyed.
  Lease acquire(int threads);
  // Threads not held now (tests and diagnostics).
  int free_threads() const;

 private:
  void release(int threads);

  const int threads_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int free_;
  uint64_t next_ticket_ = 0, serving_ticket_ = 0;  // arrival order of the waiters
};

}  // namespace nimbus::serve
