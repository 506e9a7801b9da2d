#pragma once
// A Buffer is a ref-counted block of device memory: the storage shared by tensors and analytics
// columns. Copying a Buffer copies the handle, never the bytes; the memory goes back to its
// allocator (or to the owner's deleter for wrapped memory) when the last handle is gone.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "runtime/device.h"
#include "runtime/stream.h"

namespace nimbus {

class Allocator;

class NIMBUS_API Buffer {
 public:
  Buffer() = default;  // empty: no memory, zero bytes

  // Allocates from the device's allocator, ordered on `stream` (default: the current stream).
  static Buffer allocate(size_t nbytes, Device device);
  static Buffer allocate(size_t nbytes, const Stream& stream);
  // Allocates page-locked host memory from the pinned pool (Note [Pinned host memory]): a CPU
  // buffer that copies to and from a GPU can use asynchronously. Throws DeviceError without one.
  static Buffer allocate_pinned(size_t nbytes);
  // Adopts memory owned elsewhere (an Arrow array, a mapped file); `release` runs when the last
  // handle goes away.
  static Buffer wrap(void* data, size_t nbytes, Device device, std::function<void(void*)> release);

  void* data() const { return block_ ? block_->data : nullptr; }
  size_t nbytes() const { return block_ ? block_->nbytes : 0; }
  Device device() const { return block_ ? block_->device : Device::cpu(); }
  // The stream the memory was allocated on (the stream its reuse is ordered by).
  Stream stream() const { return block_ ? block_->stream : default_stream(Device::cpu()); }
  bool defined() const { return block_ != nullptr; }
  // Whether the memory is page-locked host memory from the pinned pool.
  bool pinned() const { return block_ && block_->pinned; }
  long use_count() const { return block_.use_count(); }
  // Declares use on another stream (see Allocator::record_stream).
  void record_stream(const Stream& stream) const;

  // Counts in-place writes through any tensor that views this buffer, so autograd can tell that a
  // tensor saved for backward was changed after it was saved.
  uint64_t version() const { return block_ ? block_->version.load(std::memory_order_relaxed) : 0; }
  void bump_version() const {
    if (block_) block_->version.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  static Buffer allocate_from(Allocator& allocator, size_t nbytes, const Stream& stream);

  struct Block {
    void* data = nullptr;
    size_t nbytes = 0;
    Device device;
    Stream stream;
    std::function<void(void*)> release;  // returns the memory to its owner
    Allocator* allocator = nullptr;      // null for wrapped memory
    bool pinned = false;
    std::atomic<uint64_t> version{0};
    ~Block();
  };
  std::shared_ptr<Block> block_;
};

}  // namespace nimbus
