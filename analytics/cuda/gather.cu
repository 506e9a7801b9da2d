// take on a CUDA device: fixed-width values gathered a row per thread, bool values and validity
// written a byte (8 rows) per thread so that no two threads share a byte of a bitmap.
#include "analytics/cuda/analytics_cuda.h"
#include "analytics/cuda/device_common.cuh"

namespace nimbus::analytics::cuda {

namespace {

// to[i] = from[rows[i]]; a NULL row (negative) gets T{}, as on the CPU.
template <typename T>
__global__ void gather_fixed(int64_t n, const int64_t* rows, const T* from, T* to) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t row = rows[i];
    to[i] = row < 0 ? T{} : from[row];
  }
}

struct GatheredBit {
  const int64_t* rows;
  BitReader source;
  __device__ bool operator()(int64_t i) const {
    const int64_t row = rows[i];
    return row >= 0 && source(row);
  }
};

struct GatheredValid {
  const int64_t* rows;
  ValidityReader valid;
  __device__ bool operator()(int64_t i) const {
    const int64_t row = rows[i];
    return row >= 0 && valid(row);
  }
};

}  // namespace

Column take_rows(const Column& column, const DeviceRows& rows, bool may_hold_null_rows) {
  const Device device = column.device();
  DeviceScope scope(device.index);
  const cudaStream_t stream = current_cuda_stream(device);
  const int64_t n = rows.count;
  const int64_t* row_numbers = data_of<const int64_t>(rows.rows);

  Validity validity;
  if (column.has_nulls() || may_hold_null_rows) {
    validity = validity_from(n, GatheredValid{row_numbers, validity_reader(column)}, device);
  }
  Buffer data;
  with_reader(column, "take", [&](auto reader) {
    using T = typename decltype(reader)::value_type;
    if constexpr (std::is_same_v<T, bool>) {
      data = Buffer::allocate(static_cast<size_t>(bitmap_bytes(n)), device);
      if (n == 0) return;
      write_bitmap<<<blocks_for(bitmap_bytes(n)), kBlockSize, 0, stream>>>(n, GatheredBit{row_numbers, reader},
                                                                             data_of<uint8_t>(data));
      NIMBUS_CUDA_CHECK_LAUNCH();
    } else {
      data = Buffer::allocate(static_cast<size_t>(n) * sizeof(T), device);
      if (n == 0) return;
      gather_fixed<T><<<blocks_for(n), kBlockSize, 0, stream>>>(n, row_numbers, reader.values, data_of<T>(data));
      NIMBUS_CUDA_CHECK_LAUNCH();
    }
  });
  return Column(column.type(), n, std::move(data), std::move(validity.bits), Buffer(), 0, validity.null_count);
}

}  // namespace nimbus::analytics::cuda
