#pragma once
// Pieces shared by the analytics CUDA kernels (Note [Device operators] in analytics/ops/device_ops.h):
// typed readers of a column's values and validity, the order-preserving key words of the sorts,
// bitmaps written a byte per thread, and CUB calls whose temporary storage comes from our allocator.
//
// Every function here works on the current stream of the column's device, with that device made
// current by the caller (a DeviceScope at each entry point). Reading a count back to the host
// synchronizes that stream, which is also where errors inside earlier kernels surface.
#include <cub/device/device_reduce.cuh>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "analytics/bitmap.h"
#include "analytics/column.h"
#include "kernels/cuda/cuda_kernels.h"

namespace nimbus::analytics::cuda {

using nimbus::cuda::blocks_for;
using nimbus::cuda::current_cuda_stream;
using nimbus::cuda::DeviceScope;
using nimbus::cuda::kBlockSize;

template <typename T>
T* data_of(const Buffer& buffer) {
  return static_cast<T*>(buffer.data());
}

// n int64 entries on the device (uninitialised).
inline Buffer device_int64s(int64_t n, Device device) {
  return Buffer::allocate(static_cast<size_t>(n) * sizeof(int64_t), device);
}

// Runs a CUB device algorithm: call(temp, bytes) once to size its temporary storage, then with
// storage from the device's caching allocator. The storage is released when this returns, which
// the allocator orders after the work queued on the stream.
template <typename Call>
void run_cub(Device device, const Call& call) {
  size_t bytes = 0;
  NIMBUS_CUDA_CHECK(call(static_cast<void*>(nullptr), bytes));
  // Never a null pointer: CUB reads a null temp pointer as a size query and would do nothing.
  const Buffer temp = Buffer::allocate(std::max<size_t>(bytes, 16), device);
  NIMBUS_CUDA_CHECK(call(temp.data(), bytes));
}

// One value from device memory; waits for the stream.
template <typename T>
T read_back(const T* value, Device device) {
  const cudaStream_t stream = current_cuda_stream(device);
  T host{};
  NIMBUS_CUDA_CHECK(cudaMemcpyAsync(&host, value, sizeof(T), cudaMemcpyDeviceToHost, stream));
  NIMBUS_CUDA_CHECK(cudaStreamSynchronize(stream));
  return host;
}

__device__ __forceinline__ bool bit_at(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

// Whether a row is valid: `bits` is null for a column without nulls.
struct ValidityReader {
  const uint8_t* bits = nullptr;
  int64_t offset = 0;
  __device__ bool operator()(int64_t row) const { return bits == nullptr || bit_at(bits, offset + row); }
};

inline ValidityReader validity_reader(const Column& column) {
  return {column.has_nulls() ? static_cast<const uint8_t*>(column.validity().data()) : nullptr, column.offset()};
}

// Typed access to the values of a fixed-width column (T as stored) or a bool column (bits).
template <typename T>
struct FixedReader {
  using value_type = T;
  const T* values = nullptr;  // already at the column's offset
  __device__ T operator()(int64_t row) const { return values[row]; }
};

struct BitReader {
  using value_type = bool;
  const uint8_t* bits = nullptr;
  int64_t offset = 0;
  __device__ bool operator()(int64_t row) const { return bit_at(bits, offset + row); }
};

// Calls f(reader) with the reader for the column's storage; strings are a DTypeError (the device
// functions are not given them: see computed_on_device in analytics/ops/device_dispatch.h).
template <typename F>
void with_reader(const Column& column, const char* op, const F& f) {
  switch (column.type()) {
    case DataType::boolean:
      f(BitReader{static_cast<const uint8_t*>(column.data().data()), column.offset()});
      return;
    case DataType::int32:
    case DataType::date32: f(FixedReader<int32_t>{column.values<int32_t>()}); return;
    case DataType::int64:
    case DataType::timestamp: f(FixedReader<int64_t>{column.values<int64_t>()}); return;
    case DataType::float32: f(FixedReader<float>{column.values<float>()}); return;
    case DataType::float64: f(FixedReader<double>{column.values<double>()}); return;
    case DataType::string: break;
  }
  NIMBUS_THROW(DTypeError, op, ": ", data_type_name(column.type()), " columns are not computed on ", column.device());
}

// Order-preserving key words (the device form of Note [Normalized sort keys] in
// analytics/ops/sort_key_words.h): unsigned integers that order as the CPU orders the values.
// Integers flip their sign bit; floats fold -0.0 into 0.0 and every NaN into the largest word
// (above +inf), then take the IEEE bits with all bits flipped for negatives and the sign bit set
// for positives; bools are 0 and 1. Equal words are exactly the values group_by puts together
// (Note [Key words] in analytics/ops/key_encoding.h).
template <typename T>
using key_word_t = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;

__device__ __forceinline__ uint32_t ordered_word(bool v) { return v ? 1u : 0u; }
__device__ __forceinline__ uint32_t ordered_word(int32_t v) { return static_cast<uint32_t>(v) ^ 0x80000000u; }
__device__ __forceinline__ uint64_t ordered_word(int64_t v) {
  return static_cast<uint64_t>(v) ^ 0x8000000000000000ull;
}
__device__ __forceinline__ uint32_t ordered_word(float v) {
  if (v != v) return 0xffffffffu;        // NaN
  if (v == 0.0f) return 0x80000000u;     // -0.0 and 0.0: the word of +0.0
  const uint32_t bits = __float_as_uint(v);
  return (bits >> 31) ? ~bits : bits | 0x80000000u;
}
__device__ __forceinline__ uint64_t ordered_word(double v) {
  if (v != v) return 0xffffffffffffffffull;
  if (v == 0.0) return 0x8000000000000000ull;
  const auto bits = static_cast<uint64_t>(__double_as_longlong(v));
  return (bits >> 63) ? ~bits : bits | 0x8000000000000000ull;
}

// Writes an Arrow bitmap of n bits, bit i = pred(i), one thread per byte (no two threads share a
// byte, so no atomics). Bits past n are zero.
template <typename Pred>
__global__ void write_bitmap(int64_t n, Pred pred, uint8_t* out) {
  const int64_t bytes = (n + 7) / 8;
  for (int64_t b = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; b < bytes; b += int64_t{gridDim.x} * blockDim.x) {
    unsigned byte = 0;
    for (int j = 0; j < 8; ++j) {
      const int64_t i = b * 8 + j;
      if (i < n && pred(i)) byte |= 1u << j;
    }
    out[b] = static_cast<uint8_t>(byte);
  }
}

struct PopCount {
  __device__ int64_t operator()(uint8_t byte) const { return __popc(byte); }
};

// A validity bitmap from pred(i) for i < n and its null count; no bitmap when nothing is null, as
// the CPU operators leave it (Note [Column layout] in analytics/column.h).
struct Validity {
  Buffer bits;
  int64_t null_count = 0;
};

template <typename Pred>
Validity validity_from(int64_t n, const Pred& pred, Device device) {
  if (n == 0) return {};
  const int64_t bytes = bitmap_bytes(n);
  Buffer bits = Buffer::allocate(static_cast<size_t>(bytes), device);
  const cudaStream_t stream = current_cuda_stream(device);
  write_bitmap<<<blocks_for(bytes), kBlockSize, 0, stream>>>(n, pred, data_of<uint8_t>(bits));
  NIMBUS_CUDA_CHECK_LAUNCH();
  const Buffer total = device_int64s(1, device);
  const auto counts = thrust::make_transform_iterator(data_of<const uint8_t>(bits), PopCount{});
  run_cub(device, [&](void* temp, size_t& temp_bytes) {
    return cub::DeviceReduce::Sum(temp, temp_bytes, counts, data_of<int64_t>(total), bytes, stream);
  });
  const int64_t nulls = n - read_back(data_of<const int64_t>(total), device);
  if (nulls == 0) return {};
  return {std::move(bits), nulls};
}

// out[i] = i for i < n. (A template, so each file that launches it gets its own instance.)
template <typename Index>
__global__ void fill_iota(int64_t n, Index* out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    out[i] = static_cast<Index>(i);
  }
}

// 0, 1, ..., n-1 as int64 row numbers on the device.
inline Buffer iota_rows(int64_t n, Device device) {
  Buffer rows = device_int64s(n, device);
  if (n > 0) {
    fill_iota<<<blocks_for(n), kBlockSize, 0, current_cuda_stream(device)>>>(n, data_of<int64_t>(rows));
    NIMBUS_CUDA_CHECK_LAUNCH();
  }
  return rows;
}

}  // namespace nimbus::analytics::cuda
