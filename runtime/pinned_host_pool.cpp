// The pinned host memory pool (Note [Pinned host memory] in pinned_host_pool.h).
#include "runtime/pinned_host_pool.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "runtime/error.h"

namespace nimbus {

namespace {

struct PinnedBlock {
  void* ptr = nullptr;
  size_t size = 0;
  std::vector<uint64_t> events;  // recorded by record_stream, not yet seen complete
};

}  // namespace

struct PinnedHostPool::Impl {
  std::unique_ptr<MemoryUpstream> upstream;
  mutable std::mutex mutex;
  std::unordered_map<void*, PinnedBlock> allocated;
  std::vector<PinnedBlock> pending;              // freed, some event not yet complete
  std::multimap<size_t, void*> free_by_size;     // freed and idle, by block size
  AllocatorStats stats;

  explicit Impl(std::unique_ptr<MemoryUpstream> up) : upstream(std::move(up)) {}

  // Drops the completed events of `b`; true when none is left.
  bool settle(PinnedBlock& b) {
    auto done = [&](uint64_t event) {
      if (!upstream->event_completed(event)) return false;
      upstream->release_event(event);
      return true;
    };
    b.events.erase(std::remove_if(b.events.begin(), b.events.end(), done), b.events.end());
    return b.events.empty();
  }

  // Moves pending blocks whose copies have all finished to the free lists.
  void collect_pending() {
    for (size_t i = 0; i < pending.size();) {
      if (settle(pending[i])) {
        free_by_size.emplace(pending[i].size, pending[i].ptr);
        pending[i] = std::move(pending.back());
        pending.pop_back();
      } else {
        ++i;
      }
    }
  }

  void release_free_blocks() {
    for (const auto& [size, ptr] : free_by_size) {
      upstream->deallocate(ptr, size);
      stats.reserved_bytes -= static_cast<int64_t>(size);
    }
    free_by_size.clear();
  }

  void* hand_out(void* ptr, size_t size, bool hit) {
    allocated.emplace(ptr, PinnedBlock{ptr, size, {}});
    stats.allocated_bytes += static_cast<int64_t>(size);
    stats.peak_allocated_bytes = std::max(stats.peak_allocated_bytes, stats.allocated_bytes);
    stats.peak_reserved_bytes = std::max(stats.peak_reserved_bytes, stats.reserved_bytes);
    ++stats.allocations;
    ++(hit ? stats.cache_hits : stats.cache_misses);
    return ptr;
  }
};

PinnedHostPool::PinnedHostPool(std::unique_ptr<MemoryUpstream> upstream)
    : impl_(std::make_unique<Impl>(std::move(upstream))) {}

PinnedHostPool::~PinnedHostPool() {
  std::lock_guard lock(impl_->mutex);
  impl_->collect_pending();
  impl_->release_free_blocks();
}

size_t PinnedHostPool::block_size(size_t bytes) {
  if (bytes <= kMinBlockSize) return kMinBlockSize;
  if (bytes > (std::numeric_limits<size_t>::max() >> 1) + 1) return 0;  // no power of two holds it
  return std::bit_ceil(bytes);
}

void* PinnedHostPool::allocate(size_t bytes, const Stream&) {
  if (bytes == 0) return nullptr;
  const size_t size = block_size(bytes);
  std::lock_guard lock(impl_->mutex);
  Impl& s = *impl_;
  auto oom = [&](const char* why) {
    ++s.stats.ooms;
    NIMBUS_THROW(OutOfMemoryError, s.upstream->describe(), ": out of pinned host memory: tried to allocate ", bytes,
                 " bytes (", format_bytes(bytes), ") with ", format_bytes(s.stats.allocated_bytes), " allocated and ",
                 format_bytes(s.stats.reserved_bytes - s.stats.allocated_bytes), " cached (", why,
                 "). Pinned memory is locked RAM: pin fewer or smaller batches, or copy from ordinary memory.");
  };
  if (size == 0) oom("the request is larger than any memory can hold");
  s.collect_pending();
  if (auto it = s.free_by_size.find(size); it != s.free_by_size.end()) {
    void* ptr = it->second;
    s.free_by_size.erase(it);
    return s.hand_out(ptr, size, true);
  }
  void* ptr = s.upstream->allocate(size);
  if (ptr == nullptr && !s.free_by_size.empty()) {
    ++s.stats.retries;
    s.release_free_blocks();
    ptr = s.upstream->allocate(size);
  }
  if (ptr == nullptr) oom("the system refused to pin more, even after the cache was released");
  s.stats.reserved_bytes += static_cast<int64_t>(size);
  return s.hand_out(ptr, size, false);
}

void PinnedHostPool::deallocate(void* ptr) noexcept {
  if (ptr == nullptr) return;
  std::lock_guard lock(impl_->mutex);
  Impl& s = *impl_;
  const auto it = s.allocated.find(ptr);
  if (it == s.allocated.end()) return;  // not ours: nothing sensible to do in a noexcept path
  PinnedBlock block = std::move(it->second);
  s.allocated.erase(it);
  s.stats.allocated_bytes -= static_cast<int64_t>(block.size);
  try {
    if (s.settle(block)) s.free_by_size.emplace(block.size, block.ptr);
    else s.pending.push_back(std::move(block));
  } catch (...) {
    // An event query failed (a broken device): keep the block out of circulation rather than
    // hand out memory a copy may still be using.
  }
}

void PinnedHostPool::record_stream(void* ptr, const Stream& stream) {
  if (ptr == nullptr) return;
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->allocated.find(ptr);
  NIMBUS_CHECK(it != impl_->allocated.end(), "record_stream: ", ptr, " is not a block of the pinned host pool");
  it->second.events.push_back(impl_->upstream->record_event(stream));
}

void PinnedHostPool::empty_cache() {
  std::lock_guard lock(impl_->mutex);
  impl_->collect_pending();
  impl_->release_free_blocks();
}

AllocatorStats PinnedHostPool::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

void PinnedHostPool::reset_peak_stats() {
  std::lock_guard lock(impl_->mutex);
  impl_->stats.peak_allocated_bytes = impl_->stats.allocated_bytes;
  impl_->stats.peak_reserved_bytes = impl_->stats.reserved_bytes;
}

}  // namespace nimbus
