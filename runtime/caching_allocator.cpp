// Note [Caching allocator]
// Why: device allocation is slow (cudaMalloc synchronizes the device; malloc of large blocks maps
// and zeroes fresh pages), and a training step asks for the same sizes over and over. So freed
// memory is kept and handed out again, and only this allocator talks to the real source. The logic
// is written once over a MemoryUpstream so the CPU, CUDA and the tests share it; the design follows
// PyTorch's CUDACachingAllocator and RMM's stream-ordered memory resource.
//
// How:
// - Sizes are rounded up to kMinBlockSize. Requests up to kSmallRequestLimit come from the small
//   pool, carved out of kSmallSegmentSize segments, so many small tensors share one upstream
//   allocation; larger ones get their own segment (rounded to kLargeSegmentGranularity) in the
//   large pool. Keeping the two apart stops small blocks from pinning large segments.
// - A segment is a doubly linked list of blocks in address order. Free blocks sit in their pool, a
//   std::set ordered by (stream, size, address): lower_bound is the best fit on a stream. A chosen
//   block is split when the rest is worth keeping (any rest in the small pool, more than
//   kSmallRequestLimit in the large pool, as smaller rests would mostly be wasted there). A freed
//   block merges with free neighbours of its segment, which undoes splitting.
// - Stream order: a block is owned by the stream it was allocated on. Freed, it is reusable at once
//   on that stream (later work there runs after the work that used it). Another stream may take it
//   only after an event recorded on its stream has completed. The event is recorded lazily, the
//   first time another stream looks at the block, not at every free: most blocks are reused on
//   their own stream, and recording an event costs as much as the rest of a CUDA allocate/free
//   pair. An event recorded later on the same stream follows all the work the block saw, so it is
//   as safe, only more patient. Of two events on one stream the later implies the earlier, so
//   merged blocks keep the later one (by sequence number), and a block freed without an event
//   ("unsynced") makes the merged block unsynced. A free block on another stream merges only once
//   it is known to be idle.
// - record_stream(): the block also waits for events recorded at free time on those streams; until
//   they complete it is "pending", outside the pools. Pending blocks are checked at the start of
//   each allocate() and in empty_cache(), never waited for.
// - Exhaustion: when the upstream says no, every fully free segment is returned and the request
//   is tried once more; then OutOfMemoryError says what was asked, allocated and cached.
//
// Limits: one mutex for everything, upstream calls included (simple; fine unless many threads
// allocate in a hot loop). Memory never moves between the pools and a segment is returned only
// when all of it is free, so fragmentation can keep memory reserved. Cross-stream reuse records
// and queries the events of candidate blocks.
#include "runtime/caching_allocator.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/error.h"

namespace nimbus {

namespace {

enum class BlockState : uint8_t {
  free,       // in its pool
  allocated,  // handed out
  pending,    // freed, waiting for events on streams given to record_stream
  lost,       // freed, but its events could not be recorded: never reused (see deallocate)
};

// An event recorded on a block's stream when it was freed. `seq` orders events recorded by this
// allocator, so of two on one stream the later can be kept.
struct FreeEvent {
  uint64_t handle = 0, seq = 0;
};

struct Block {
  char* ptr = nullptr;
  size_t size = 0;
  uint64_t stream = 0;  // handle of the owning stream
  bool small = false;   // which pool
  BlockState state = BlockState::free;
  Block* prev = nullptr;  // neighbours in the same segment, in address order
  Block* next = nullptr;
  std::optional<FreeEvent> event{};        // free blocks: when other streams may use it
  bool unsynced = false;                   // free blocks: freed with no event recorded yet
  std::vector<uint64_t> used_streams{};    // allocated blocks: streams from record_stream
  std::vector<uint64_t> pending_events{};  // pending blocks: events on those streams
};

struct BlockLess {
  bool operator()(const Block* a, const Block* b) const {
    return std::tuple(a->stream, a->size, reinterpret_cast<uintptr_t>(a->ptr)) <
           std::tuple(b->stream, b->size, reinterpret_cast<uintptr_t>(b->ptr));
  }
};
using Pool = std::set<Block*, BlockLess>;

// `n` rounded up to a multiple of `m`, or 0 when that does not fit in size_t.
size_t round_up(size_t n, size_t m) {
  return n > std::numeric_limits<size_t>::max() - (m - 1) ? 0 : (n + m - 1) / m * m;
}

}  // namespace

std::string format_bytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.2f %s", value, kUnits[unit]);
  return text;
}

struct CachingAllocator::Impl {
  std::unique_ptr<MemoryUpstream> upstream;
  Device device;
  mutable std::mutex mutex;
  Pool small_pool, large_pool;
  std::unordered_map<void*, Block*> allocated;
  std::vector<Block*> pending;
  std::vector<Block*> lost;
  AllocatorStats stats;
  uint64_t event_seq = 0;

  explicit Impl(std::unique_ptr<MemoryUpstream> up) : upstream(std::move(up)), device(upstream->device()) {}

  Pool& pool_of(const Block* b) { return b->small ? small_pool : large_pool; }
  Stream stream_of(uint64_t handle) const { return Stream{device, handle}; }

  void drop_event(Block* b) noexcept {
    if (b->event) upstream->release_event(b->event->handle);
    b->event.reset();
  }

  // Whether streams other than the block's own may use it now; records the block's event on its
  // stream first if it was freed without one.
  bool free_for_any_stream(Block* b) {
    if (b->unsynced) {
      drop_event(b);
      b->event = FreeEvent{upstream->record_event(stream_of(b->stream)), ++event_seq};
      b->unsynced = false;
    }
    if (b->event && upstream->event_completed(b->event->handle)) drop_event(b);
    return !b->event;
  }

  static bool idle(const Block* b) { return !b->event && !b->unsynced; }

  // Best fit: the smallest free block of at least `size` on `stream`; failing that, the smallest
  // one on another stream whose free event has completed.
  Block* find_free(Pool& pool, size_t size, uint64_t stream) {
    Block probe{.size = size, .stream = stream};
    auto it = pool.lower_bound(&probe);
    if (it != pool.end() && (*it)->stream == stream) return *it;

    Block* best = nullptr;
    for (it = pool.begin(); it != pool.end();) {
      const uint64_t other = (*it)->stream;
      if (other != stream) {
        probe.stream = other;
        probe.size = size;
        for (auto c = pool.lower_bound(&probe); c != pool.end() && (*c)->stream == other; ++c) {
          if (best && (*c)->size >= best->size) break;
          if (free_for_any_stream(*c)) {
            best = *c;
            break;
          }
        }
      }
      if (other == std::numeric_limits<uint64_t>::max()) break;
      probe.stream = other + 1;  // skip to the next stream
      probe.size = 0;
      it = pool.lower_bound(&probe);
    }
    return best;
  }

  bool worth_splitting(const Block* b, size_t remaining) const {
    return b->small ? remaining >= kMinBlockSize : remaining > kSmallRequestLimit;
  }

  // Hands out the first `size` bytes of the free block `b` on `stream`, returning the rest to
  // its pool when worth keeping. The rest keeps the block's stream and event.
  void take(Block* b, size_t size, uint64_t stream) {
    std::unique_ptr<Block> rest;
    if (worth_splitting(b, b->size - size)) rest = std::make_unique<Block>();  // may throw: first
    pool_of(b).erase(b);
    if (rest) {
      *rest = Block{.ptr = b->ptr + size, .size = b->size - size, .stream = b->stream, .small = b->small,
                    .prev = b, .next = b->next, .event = std::exchange(b->event, std::nullopt),
                    .unsynced = b->unsynced};
      if (b->next) b->next->prev = rest.get();
      b->next = rest.get();
      b->size = size;
      pool_of(b).insert(rest.release());
    }
    drop_event(b);
    b->unsynced = false;
    b->stream = stream;
    b->state = BlockState::allocated;
  }

  bool mergeable(const Block* b, const Block* neighbour) const {
    return neighbour && neighbour->state == BlockState::free && (neighbour->stream == b->stream || idle(neighbour));
  }

  // `b` (not in a pool) swallows its free neighbour `n`, keeping the later event.
  void absorb(Block* b, Block* n) noexcept {
    pool_of(n).erase(n);
    if (n == b->prev) {
      b->ptr = n->ptr;
      b->prev = n->prev;
      if (b->prev) b->prev->next = b;
    } else {
      b->next = n->next;
      if (b->next) b->next->prev = b;
    }
    b->size += n->size;
    if (n->event && (!b->event || n->event->seq > b->event->seq)) std::swap(b->event, n->event);
    b->unsynced = b->unsynced || n->unsynced;  // n is on b's stream whenever it is unsynced
    drop_event(n);
    delete n;
  }

  void insert_free(Block* b) {
    b->state = BlockState::free;
    if (mergeable(b, b->prev)) absorb(b, b->prev);
    if (mergeable(b, b->next)) absorb(b, b->next);
    pool_of(b).insert(b);
  }

  // Moves pending blocks whose record_stream events have all completed into their pools.
  void process_pending() {
    for (size_t i = 0; i < pending.size();) {
      Block* b = pending[i];
      auto& events = b->pending_events;
      for (size_t j = 0; j < events.size();) {
        if (upstream->event_completed(events[j])) {
          upstream->release_event(events[j]);
          events[j] = events.back();
          events.pop_back();
        } else {
          ++j;
        }
      }
      if (events.empty()) {
        pending[i] = pending.back();
        pending.pop_back();
        insert_free(b);
      } else {
        ++i;
      }
    }
  }

  // Returns every segment whose blocks are all free to the upstream.
  void release_free_segments() {
    std::vector<Block*> heads;
    for (Pool* pool : {&small_pool, &large_pool})
      for (Block* b : *pool)
        if (!b->prev) heads.push_back(b);
    for (Block* head : heads) {
      size_t bytes = 0;
      bool all_free = true;
      for (Block* b = head; b && all_free; b = b->next) {
        all_free = b->state == BlockState::free;
        bytes += b->size;
      }
      if (!all_free) continue;
      void* const segment = head->ptr;
      for (Block* b = head; b;) {
        Block* const next = b->next;
        pool_of(b).erase(b);
        drop_event(b);
        delete b;
        b = next;
      }
      upstream->deallocate(segment, bytes);
      stats.reserved_bytes -= static_cast<int64_t>(bytes);
    }
  }

  [[noreturn]] void throw_out_of_memory(size_t bytes, const char* note) {
    ++stats.ooms;
    const std::string detail = upstream->out_of_memory_detail();
    NIMBUS_THROW(OutOfMemoryError, upstream->describe(), ": out of memory: tried to allocate ", bytes,
                 " bytes (", format_bytes(bytes), ") with ", format_bytes(stats.allocated_bytes),
                 " allocated and ", format_bytes(stats.reserved_bytes - stats.allocated_bytes),
                 " cached but free (", format_bytes(stats.reserved_bytes), " reserved; ", note, ")",
                 detail.empty() ? "" : "; ", detail,
                 ". Try freeing tensors you no longer need, a smaller batch size, or empty_cache() "
                 "before the step that needs the memory.");
  }

  // A new segment for a block of `size` bytes, put into its pool as one free block.
  Block* new_segment(size_t size, bool small, uint64_t stream, size_t request) {
    const size_t bytes = small ? kSmallSegmentSize : round_up(size, kLargeSegmentGranularity);
    if (bytes == 0) throw_out_of_memory(request, "the request is larger than any memory can hold");
    auto block = std::make_unique<Block>();
    void* ptr = upstream->allocate(bytes);
    if (!ptr) {
      ++stats.retries;
      release_free_segments();
      ptr = upstream->allocate(bytes);
    }
    if (!ptr) throw_out_of_memory(request, "the free cache was released and the allocation retried");
    *block = Block{.ptr = static_cast<char*>(ptr), .size = bytes, .stream = stream, .small = small};
    stats.reserved_bytes += static_cast<int64_t>(bytes);
    stats.peak_reserved_bytes = std::max(stats.peak_reserved_bytes, stats.reserved_bytes);
    pool_of(block.get()).insert(block.get());
    return block.release();
  }

  void* allocate(size_t bytes, const Stream& stream) {
    NIMBUS_CHECK_T(DeviceError, stream.device == device, upstream->describe(),
                   " allocator: cannot allocate in the order of a stream on ", stream.device);
    std::lock_guard lock(mutex);
    process_pending();
    const size_t size = bytes < kMinBlockSize ? kMinBlockSize : round_up(bytes, kMinBlockSize);
    if (size == 0) throw_out_of_memory(bytes, "the request is larger than any memory can hold");
    const bool small = size <= kSmallRequestLimit;
    Block* b = find_free(small ? small_pool : large_pool, size, stream.handle);
    const bool hit = b != nullptr;
    if (!hit) b = new_segment(size, small, stream.handle, bytes);
    take(b, size, stream.handle);
    allocated.emplace(b->ptr, b);
    ++(hit ? stats.cache_hits : stats.cache_misses);
    ++stats.allocations;
    stats.allocated_bytes += static_cast<int64_t>(b->size);
    stats.peak_allocated_bytes = std::max(stats.peak_allocated_bytes, stats.allocated_bytes);
    return b->ptr;
  }

  void deallocate(void* ptr) noexcept {
    std::lock_guard lock(mutex);
    const auto it = allocated.find(ptr);
    if (it == allocated.end()) return;  // not ours (or freed twice): nothing safe to do
    Block* const b = it->second;
    allocated.erase(it);
    stats.allocated_bytes -= static_cast<int64_t>(b->size);
    b->unsynced = true;  // its own stream's event is recorded only if another stream wants it
    try {
      while (!b->used_streams.empty()) {
        b->pending_events.push_back(upstream->record_event(stream_of(b->used_streams.back())));
        b->used_streams.pop_back();
      }
    } catch (...) {
      // Nothing can tell when the streams are done with the block, so it is never reused: a leak
      // is better than handing out memory that a kernel may still be writing.
      drop_event(b);
      for (uint64_t event : b->pending_events) upstream->release_event(event);
      b->state = BlockState::lost;
      lost.push_back(b);
      return;
    }
    if (b->pending_events.empty()) {
      insert_free(b);
    } else {
      b->state = BlockState::pending;
      pending.push_back(b);
    }
  }

  void record_stream(void* ptr, const Stream& stream) {
    std::lock_guard lock(mutex);
    const auto it = allocated.find(ptr);
    NIMBUS_CHECK(it != allocated.end(), upstream->describe(), " allocator: record_stream: ", ptr,
                 " is not a live allocation of this allocator");
    NIMBUS_CHECK_T(DeviceError, stream.device == device, upstream->describe(),
                   " allocator: record_stream: the stream is on ", stream.device);
    Block* const b = it->second;
    if (stream.handle == b->stream) return;
    for (uint64_t s : b->used_streams)
      if (s == stream.handle) return;
    b->used_streams.push_back(stream.handle);
  }

  ~Impl() {
    try {
      release_free_segments();
    } catch (...) {  // only bad_alloc of the list of segments: the cache leaks
    }
    // What is left belongs to segments still in use: their memory stays with its users, only the
    // bookkeeping goes.
    for (Pool* pool : {&small_pool, &large_pool})
      for (Block* b : *pool) {
        drop_event(b);
        delete b;
      }
    for (Block* b : pending) {
      for (uint64_t event : b->pending_events) upstream->release_event(event);
      drop_event(b);
      delete b;
    }
    for (auto& [ptr, b] : allocated) delete b;
    for (Block* b : lost) delete b;
  }
};

CachingAllocator::CachingAllocator(std::unique_ptr<MemoryUpstream> upstream) {
  NIMBUS_CHECK(upstream != nullptr, "CachingAllocator: the upstream is null");
  impl_ = std::make_unique<Impl>(std::move(upstream));
}

CachingAllocator::~CachingAllocator() = default;

// Zero bytes and null pointers never reach the lock.
void* CachingAllocator::allocate(size_t bytes, const Stream& stream) {
  return bytes == 0 ? nullptr : impl_->allocate(bytes, stream);
}
void CachingAllocator::deallocate(void* ptr) noexcept {
  if (ptr != nullptr) impl_->deallocate(ptr);
}
void CachingAllocator::record_stream(void* ptr, const Stream& stream) {
  if (ptr != nullptr) impl_->record_stream(ptr, stream);
}

void CachingAllocator::empty_cache() {
  std::lock_guard lock(impl_->mutex);
  impl_->process_pending();
  impl_->release_free_segments();
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

void CachingAllocator::reset_peak_stats() {
  std::lock_guard lock(impl_->mutex);
  impl_->stats.peak_allocated_bytes = impl_->stats.allocated_bytes;
  impl_->stats.peak_reserved_bytes = impl_->stats.reserved_bytes;
}

Device CachingAllocator::device() const { return impl_->device; }

MemoryUpstream& CachingAllocator::upstream() const { return *impl_->upstream; }

}  // namespace nimbus
