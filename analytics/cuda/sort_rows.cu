// sort on a CUDA device: a stable LSD sort of row numbers, one key column at a time from the last
// key to the first. Each column is one CUB radix sort of (key word, row) pairs, the key words being
// the CPU's order made unsigned (ordered_word in device_common.cuh; descending flips them), then,
// when the column has nulls, one more 1-bit pass on its null flags, which outrank its values.
// Every pass is stable, so rows that tie on all keys keep their input order: the CPU's result.
#include <cub/device/device_radix_sort.cuh>

#include "analytics/cuda/analytics_cuda.h"
#include "analytics/cuda/device_common.cuh"

namespace nimbus::analytics::cuda {

namespace {

// out[i] = the key word of row order[i] (0 for a NULL: nulls tie on their values and are placed by
// their flags), XORed with `flip` to reverse the order.
template <typename Reader, typename Word>
__global__ void key_words(int64_t n, const int64_t* order, Reader values, ValidityReader valid, Word flip, Word* out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t row = order[i];
    out[i] = valid(row) ? static_cast<Word>(ordered_word(values(row)) ^ flip) : Word{0};
  }
}

// out[i] = `null_flag` for a NULL at row order[i], the other flag for a value.
__global__ void null_flags(int64_t n, const int64_t* order, ValidityReader valid, uint8_t null_flag, uint8_t* out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    out[i] = valid(order[i]) ? static_cast<uint8_t>(1 - null_flag) : null_flag;
  }
}

// `order` reordered by `words` (bits [0, end_bit)), stably.
template <typename Word>
Buffer sort_pairs(const Buffer& words, const Buffer& order, int64_t n, int end_bit, Device device) {
  const cudaStream_t stream = current_cuda_stream(device);
  const Buffer sorted_words = Buffer::allocate(static_cast<size_t>(n) * sizeof(Word), device);
  Buffer sorted_order = device_int64s(n, device);
  run_cub(device, [&](void* temp, size_t& bytes) {
    return cub::DeviceRadixSort::SortPairs(temp, bytes, data_of<const Word>(words), data_of<Word>(sorted_words),
                                           data_of<const int64_t>(order), data_of<int64_t>(sorted_order), n, 0,
                                           end_bit, stream);
  });
  return sorted_order;
}

}  // namespace

Buffer sort_by_column(const Column& column, Buffer order, int64_t n, bool descending, NullOrder nulls) {
  const Device device = column.device();
  const cudaStream_t stream = current_cuda_stream(device);
  const ValidityReader valid = validity_reader(column);
  with_reader(column, "sort", [&](auto reader) {
    using T = typename decltype(reader)::value_type;
    using Word = key_word_t<T>;
    // A bool's word is one bit: flipping that bit alone keeps its sort to one pass.
    constexpr bool kOneBit = std::is_same_v<T, bool>;
    const Word flip = !descending ? Word{0} : (kOneBit ? Word{1} : static_cast<Word>(~Word{0}));
    const Buffer words = Buffer::allocate(static_cast<size_t>(n) * sizeof(Word), device);
    key_words<<<blocks_for(n), kBlockSize, 0, stream>>>(n, data_of<const int64_t>(order), reader, valid, flip,
                                                         data_of<Word>(words));
    NIMBUS_CUDA_CHECK_LAUNCH();
    order = sort_pairs<Word>(words, order, n, kOneBit ? 1 : static_cast<int>(8 * sizeof(Word)), device);
  });
  if (column.has_nulls()) {
    const Buffer flags = Buffer::allocate(static_cast<size_t>(n), device);
    const auto null_flag = static_cast<uint8_t>(nulls == NullOrder::first ? 0 : 1);
    null_flags<<<blocks_for(n), kBlockSize, 0, stream>>>(n, data_of<const int64_t>(order), valid, null_flag,
                                                         data_of<uint8_t>(flags));
    NIMBUS_CUDA_CHECK_LAUNCH();
    order = sort_pairs<uint8_t>(flags, order, n, 1, device);
  }
  return order;
}

DeviceRows sort_rows(const std::vector<Column>& columns, const std::vector<SortKey>& keys, Device device,
                     int64_t rows) {
  DeviceScope scope(device.index);
  Buffer order = iota_rows(rows, device);
  if (rows > 1) {
    for (size_t k = columns.size(); k-- > 0;) {
      order = sort_by_column(columns[k], std::move(order), rows, keys[k].descending, keys[k].nulls);
    }
  }
  return {std::move(order), rows};
}

}  // namespace nimbus::analytics::cuda
