// The rows a bool selection keeps, on a CUDA device: CUB's DeviceSelect::Flagged over the row
// numbers, which keeps them in increasing order, with each row's flag read from the bitmaps
// (value AND valid: a NULL does not select its row, as SQL's WHERE).
#include <cub/device/device_select.cuh>

#include "analytics/cuda/analytics_cuda.h"
#include "analytics/cuda/device_common.cuh"

namespace nimbus::analytics::cuda {

namespace {

struct SelectedFlag {
  BitReader value;
  ValidityReader valid;
  __device__ bool operator()(int64_t row) const { return value(row) && valid(row); }
};

}  // namespace

DeviceRows selected_rows(const Column& selection) {
  NIMBUS_CHECK_T(DTypeError, selection.type() == DataType::boolean, "filter: the selection must be a bool column, not ",
                 data_type_name(selection.type()));
  const Device device = selection.device();
  DeviceScope scope(device.index);
  const cudaStream_t stream = current_cuda_stream(device);
  const int64_t n = selection.length();
  Buffer out = device_int64s(n, device);
  if (n == 0) return {std::move(out), 0};
  const Buffer count = device_int64s(1, device);
  const SelectedFlag flag{BitReader{static_cast<const uint8_t*>(selection.data().data()), selection.offset()},
                          validity_reader(selection)};
  const thrust::counting_iterator<int64_t> row_numbers(0);
  const auto flags = thrust::make_transform_iterator(row_numbers, flag);
  run_cub(device, [&](void* temp, size_t& bytes) {
    return cub::DeviceSelect::Flagged(temp, bytes, row_numbers, flags, data_of<int64_t>(out), data_of<int64_t>(count),
                                      n, stream);
  });
  return {std::move(out), read_back(data_of<const int64_t>(count), device)};
}

}  // namespace nimbus::analytics::cuda
