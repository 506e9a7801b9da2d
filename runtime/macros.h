#pragma once
// Portability macros shared by host-only and CUDA translation units.

// NIMBUS_HD marks single-source functions: compiled for host and device under nvcc, host only
// otherwise. The elementwise, reduction and optimizer functors are written with it once.
#if defined(__CUDACC__)
#define NIMBUS_HD __host__ __device__
#define NIMBUS_INLINE __host__ __device__ __forceinline__
#else
#define NIMBUS_HD
#define NIMBUS_INLINE inline __attribute__((always_inline))
#endif

// Symbol visibility for the shared libraries. Everything public is exported explicitly.
#define NIMBUS_API __attribute__((visibility("default")))
