#pragma once
// The CPU memory source: 64-byte aligned blocks from the system, cached by the shared
// caching logic so hot loops do not hit malloc.
#include "runtime/allocator.h"

namespace nimbus {

// Alignment of every CPU allocation: one cache line, and enough for AVX-512 loads.
inline constexpr size_t kCpuAlignment = 64;

NIMBUS_API Allocator& cpu_allocator();

}  // namespace nimbus
