#pragma once
// Note [Pinned host memory]
// Page-locked ("pinned") host memory is what a GPU's copy engines read and write directly, so a
// copy from or to it can run asynchronously on a stream while the host goes on (a copy from
// ordinary, pageable memory is staged through a driver buffer and the host waits). Pinning is
// expensive (the pages are mapped and locked: about a millisecond per few MB), so blocks are
// pinned once and kept, as PyTorch's CachingHostAllocator keeps them.
//
// Reuse follows a different rule from device memory. The host touches its memory at once, not in
// the order of a stream, so a freed pinned block may be handed out again only when every copy
// that used it has finished: each asynchronous copy declares its use with record_stream(), which
// records an event on the copy's stream right after the copy was queued, and a freed block waits
// among the pending ones until all its events have completed. Sizes are rounded up to a power of
// two (at least 512 B) and free blocks are kept per size, so a block is reused only whole.
//
// The pool is written over a MemoryUpstream (caching_allocator.h) whose device() is the CPU: the
// CUDA backend supplies cudaHostAlloc and CUDA events; tests supply a simulated one.
#include <cstddef>
#include <memory>

#include "runtime/allocator.h"
#include "runtime/caching_allocator.h"

namespace nimbus {

class NIMBUS_API PinnedHostPool final : public Allocator {
 public:
  static constexpr size_t kMinBlockSize = 512;

  explicit PinnedHostPool(std::unique_ptr<MemoryUpstream> upstream);
  // Returns cached blocks to the upstream; blocks still handed out stay with their users.
  ~PinnedHostPool() override;
  PinnedHostPool(const PinnedHostPool&) = delete;
  PinnedHostPool& operator=(const PinnedHostPool&) = delete;

  // `stream` is ignored: the host uses pinned memory in program order.
  void* allocate(size_t bytes, const Stream& stream) override;
  void deallocate(void* ptr) noexcept override;
  // Records an event on `stream` now: call it right after queuing work that reads or writes
  // `ptr` there. The block is not reused before every such event has completed.
  void record_stream(void* ptr, const Stream& stream) override;
  void empty_cache() override;
  AllocatorStats stats() const override;
  void reset_peak_stats() override;
  Device device() const override { return Device::cpu(); }

  // The block size a request of `bytes` takes (a power of two, at least kMinBlockSize).
  static size_t block_size(size_t bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nimbus
