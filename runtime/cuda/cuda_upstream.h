#pragma once
// Memory sources of the CUDA backend: device memory for the caching allocator (segments from
// cudaMalloc, stream order from CUDA events) and page-locked host memory for the pinned pool.
#include <memory>

#include "runtime/caching_allocator.h"

namespace nimbus::cuda {

std::unique_ptr<MemoryUpstream> make_device_upstream(int device_index);
// cudaHostAlloc'd memory; events on the streams of any device (pinned_upstream.cpp).
std::unique_ptr<MemoryUpstream> make_pinned_host_upstream();

}  // namespace nimbus::cuda
