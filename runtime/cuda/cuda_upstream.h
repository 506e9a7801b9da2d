#pragma once
// Device memory for the caching allocator: segments from cudaMalloc, stream order from CUDA events.
#include <memory>

#include "runtime/caching_allocator.h"

namespace nimbus::cuda {

std::unique_ptr<MemoryUpstream> make_device_upstream(int device_index);

}  // namespace nimbus::cuda
