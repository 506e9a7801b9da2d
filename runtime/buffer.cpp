#include "runtime/buffer.h"

#include "runtime/allocator.h"
#include "runtime/backend.h"

namespace nimbus {

Buffer::Block::~Block() {
  if (release) release(data);
}

Buffer Buffer::allocate(size_t nbytes, Device device) { return allocate(nbytes, current_stream(device)); }

Buffer Buffer::allocate_from(Allocator& allocator, size_t nbytes, const Stream& stream) {
  Buffer buffer;
  buffer.block_ = std::make_shared<Block>();
  buffer.block_->data = allocator.allocate(nbytes, stream);
  buffer.block_->nbytes = nbytes;
  buffer.block_->device = stream.device;
  buffer.block_->stream = stream;
  buffer.block_->release = [&allocator](void* p) { allocator.deallocate(p); };
  buffer.block_->allocator = &allocator;
  return buffer;
}

Buffer Buffer::allocate(size_t nbytes, const Stream& stream) {
  return allocate_from(allocator_for(stream.device), nbytes, stream);
}

Buffer Buffer::allocate_pinned(size_t nbytes) {
  Buffer buffer = allocate_from(pinned_host_allocator(), nbytes, default_stream(Device::cpu()));
  buffer.block_->pinned = true;
  return buffer;
}

Buffer Buffer::wrap(void* data, size_t nbytes, Device device, std::function<void(void*)> release) {
  Buffer buffer;
  buffer.block_ = std::make_shared<Block>();
  buffer.block_->data = data;
  buffer.block_->nbytes = nbytes;
  buffer.block_->device = device;
  buffer.block_->stream = default_stream(device);
  buffer.block_->release = std::move(release);
  return buffer;
}

void Buffer::record_stream(const Stream& stream) const {
  if (block_ && block_->allocator && block_->data && stream != block_->stream)
    block_->allocator->record_stream(block_->data, stream);
}

}  // namespace nimbus
