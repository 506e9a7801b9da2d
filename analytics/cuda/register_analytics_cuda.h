#pragma once
// Registers the CUDA analytics operators (analytics/ops/device_ops.h) for DeviceType::cuda; called
// by the CUDA module's register_kernels() (kernels/cuda/register_cuda.cpp) when it loads. Built
// into the module only (runtime/cuda/CMakeLists.txt), where an empty stand-in serves builds
// without the analytics library.
namespace nimbus::cuda {

void register_analytics_ops();

}  // namespace nimbus::cuda

namespace nimbus::analytics::mapreduce {

// The Mars map/reduce entries on CUDA (analytics/cuda/mapreduce_mars*.cu), registered from
// mapreduce_mars.cu; register_analytics_ops calls it.
void register_mars_cuda();

}  // namespace nimbus::analytics::mapreduce
