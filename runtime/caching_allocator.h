#pragma once
// The caching allocator shared by every device: pools, best-fit with splitting and merging,
// stream-ordered reuse, release-and-retry on exhaustion, statistics. It is written once over a
// MemoryUpstream (the few hooks that really allocate and order work), so the CPU plugs in
// aligned_alloc, the CUDA backend cudaMalloc and cudaEvent, and tests a simulated device.
// See Note [Caching allocator] in caching_allocator.cpp.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/allocator.h"
#include "runtime/device.h"
#include "runtime/macros.h"
#include "runtime/stream.h"

namespace nimbus {

// The hooks a memory source supplies. All are called with the allocator's lock held, so an
// upstream needs no locking of its own for calls coming from one allocator.
class NIMBUS_API MemoryUpstream {
 public:
  virtual ~MemoryUpstream() = default;

  // A new segment of `bytes` (a multiple of CachingAllocator::kMinBlockSize), or nullptr when the
  // source is out of memory: exhaustion is an answer, not an exception, so the allocator can
  // release its cache and retry. May throw for other failures.
  virtual void* allocate(size_t bytes) = 0;
  // Returns a segment from allocate(). Work queued on a stream before the segment's blocks were
  // freed may still be running; the upstream must wait for it first (cudaFree does).
  virtual void deallocate(void* ptr, size_t bytes) noexcept = 0;

  // Stream ordering. Streams are identified by Stream::handle. An upstream whose streams are
  // synchronous (the CPU) keeps these defaults: events are complete as soon as recorded.
  // record_event returns a handle that the allocator later passes to event_completed (any number
  // of times) and then exactly once to release_event.
  virtual uint64_t record_event(const Stream& /*stream*/) { return 0; }
  virtual bool event_completed(uint64_t /*event*/) { return true; }
  virtual void release_event(uint64_t /*event*/) noexcept {}

  virtual Device device() const = 0;
  // Names the memory in messages, e.g. "cpu" or "cuda:0".
  virtual std::string describe() const = 0;
  // Extra facts for the out-of-memory message (e.g. the device's free and total memory), or "".
  virtual std::string out_of_memory_detail() { return {}; }
};

// An Allocator that keeps freed blocks for reuse instead of returning them to the upstream.
// Thread-safe. Byte statistics count rounded block sizes (what is actually held), not requests.
class NIMBUS_API CachingAllocator final : public Allocator {
 public:
  // Every block size is a multiple of this; it is also the alignment of every pointer returned
  // (given segments from the upstream at least this aligned).
  static constexpr size_t kMinBlockSize = 512;
  // Requests up to this size come from the small pool...
  static constexpr size_t kSmallRequestLimit = size_t{1} << 20;  // 1 MiB
  // ...which carves them out of segments of this size,
  static constexpr size_t kSmallSegmentSize = size_t{2} << 20;  // 2 MiB
  // while larger requests get their own segment, rounded up to a multiple of this.
  static constexpr size_t kLargeSegmentGranularity = size_t{2} << 20;  // 2 MiB

  explicit CachingAllocator(std::unique_ptr<MemoryUpstream> upstream);
  // Returns cached segments to the upstream. Memory still handed out is not freed (callers may
  // still use it), so allocators that outlive their users are usually never destroyed.
  ~CachingAllocator() override;
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  void* allocate(size_t bytes, const Stream& stream) override;
  void deallocate(void* ptr) noexcept override;
  // Throws Error for a pointer this allocator did not hand out; ignores nullptr.
  void record_stream(void* ptr, const Stream& stream) override;
  void empty_cache() override;
  AllocatorStats stats() const override;
  void reset_peak_stats() override;
  Device device() const override;

  MemoryUpstream& upstream() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "512 B", "1.50 KiB", "1.00 PiB": byte counts as people read them (binary units).
NIMBUS_API std::string format_bytes(uint64_t bytes);

}  // namespace nimbus
