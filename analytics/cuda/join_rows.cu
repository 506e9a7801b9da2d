// Join row pairs on a CUDA device, sort-merge on one integer key a side (Note [Joins on a device]
// in analytics/ops/join_device.h), giving the CPU join's pairs in its order (join.h):
// 1. the right rows with a key, in row order (CUB's DeviceSelect::Flagged), are sorted by key with
//    CUB's radix sort, which is stable, so each key's rows stay in increasing row order;
// 2. each left row finds its key's run among the sorted keys with Thrust's vectorized lower_bound
//    and upper_bound: its matches, already in right row order (a NULL key has none);
// 3. semi and anti joins keep the left rows with (without) a match, in order (Flagged again);
// 4. the others scan each left row's output count (its matches, or 1 for a row without any that a
//    left or full join keeps) into offsets (CUB's ExclusiveSum), and every output position finds
//    its left row with Thrust's upper_bound over the offsets: a thread per output row, so a key
//    with many matches does not hold one thread up;
// 5. right and full joins flag the right rows the pairs hold and append the others, in row order
//    (Flagged), with NULL on the left.
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>
#include <cub/device/device_select.cuh>
#include <thrust/binary_search.h>
#include <thrust/system/cuda/execution_policy.h>

#include "analytics/cuda/analytics_cuda.h"
#include "analytics/cuda/device_common.cuh"
#include "analytics/ops/take.h"

namespace nimbus::analytics::cuda {

namespace {

// A key column's values as Key: int32 and date32 are stored as int32, int64 and timestamp as int64;
// an int32 key joined with an int64 one is widened.
template <typename Key, typename Stored>
struct KeyReader {
  const Stored* values = nullptr;  // already at the column's offset
  __device__ Key operator()(int64_t row) const { return static_cast<Key>(values[row]); }
};

bool stored_as_int32(DataType type) { return type == DataType::int32 || type == DataType::date32; }

// Calls f(reader) with the column's KeyReader; other types are a DTypeError (the caller checks:
// keys_match_on_device in analytics/ops/join_device.h).
template <typename Key, typename F>
void with_key_reader(const Column& column, const F& f) {
  switch (column.type()) {
    case DataType::int32:
    case DataType::date32: f(KeyReader<Key, int32_t>{column.values<int32_t>()}); return;
    case DataType::int64:
    case DataType::timestamp:
      if constexpr (sizeof(Key) == sizeof(int64_t)) {
        f(KeyReader<Key, int64_t>{column.values<int64_t>()});
        return;
      }
      break;
    default: break;
  }
  NIMBUS_THROW(DTypeError, "join: ", data_type_name(column.type()), " keys are not matched on ", column.device());
}

// out[i] = the key of row rows[i].
template <typename Key, typename Reader>
__global__ void gather_keys(int64_t n, const int64_t* rows, Reader keys, Key* out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    out[i] = keys(rows[i]);
  }
}

// Turns the run ends of the left keys into match counts: ends - starts, 0 for a NULL key.
__global__ void match_counts(int64_t n, const int64_t* starts, ValidityReader valid, int64_t* ends_to_counts) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    ends_to_counts[i] = valid(i) ? ends_to_counts[i] - starts[i] : 0;
  }
}

// Whether left row i has a match (want_match) or has none (!want_match).
struct MatchFlag {
  const int64_t* counts;
  bool want_match;
  __device__ bool operator()(int64_t i) const { return (counts[i] > 0) == want_match; }
};

// The output rows of left row i (0 past the last row, so that the scan's last entry is the total).
struct OutputCount {
  const int64_t* counts;
  int64_t n;
  bool keep_left;
  __device__ int64_t operator()(int64_t i) const {
    if (i >= n) return 0;
    return counts[i] > 0 ? counts[i] : (keep_left ? 1 : 0);
  }
};

// On entry left[p] is the number of offsets <= p, so output p belongs to left row left[p] - 1;
// writes that row and its right row (kNullRow for a left row without a match).
__global__ void expand_pairs(int64_t total, const int64_t* offsets, const int64_t* starts, const int64_t* counts,
                             const int64_t* sorted_rows, int64_t* left, int64_t* right) {
  for (int64_t p = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; p < total; p += int64_t{gridDim.x} * blockDim.x) {
    const int64_t l = left[p] - 1;
    left[p] = l;
    right[p] = counts[l] > 0 ? sorted_rows[starts[l] + (p - offsets[l])] : kNullRow;
  }
}

// matched[right[p]] = 1 for every paired right row (threads writing the same byte write the same value).
__global__ void flag_matched(int64_t n, const int64_t* right, uint8_t* matched) {
  for (int64_t p = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; p < n; p += int64_t{gridDim.x} * blockDim.x) {
    const int64_t r = right[p];
    if (r >= 0) matched[r] = 1;
  }
}

struct Unmatched {
  const uint8_t* matched;
  __device__ bool operator()(int64_t r) const { return matched[r] == 0; }
};

__global__ void fill_null_rows(int64_t n, int64_t* out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    out[i] = kNullRow;
  }
}

// Per left row: where its key's run starts among the sorted right rows, and its length.
struct Matches {
  Buffer starts;       // left rows entries
  Buffer counts;       // left rows entries; 0 for a NULL key
  Buffer sorted_rows;  // the right rows with a key, sorted by key, rows increasing within a key
};

// Steps 1 and 2 of the file comment.
template <typename Key>
Matches match_keys(const Column& left, const Column& right, Device device) {
  const cudaStream_t stream = current_cuda_stream(device);
  const int64_t n_left = left.length(), n_right = right.length();
  const thrust::counting_iterator<int64_t> row_numbers(0);

  // The right rows with a key, in row order.
  Buffer build_rows;
  int64_t n_build = n_right;
  if (!right.has_nulls()) {
    build_rows = iota_rows(n_right, device);
  } else {
    build_rows = device_int64s(n_right, device);
    const Buffer count = device_int64s(1, device);
    const auto valid = thrust::make_transform_iterator(row_numbers, validity_reader(right));
    run_cub(device, [&](void* temp, size_t& bytes) {
      return cub::DeviceSelect::Flagged(temp, bytes, row_numbers, valid, data_of<int64_t>(build_rows),
                                        data_of<int64_t>(count), n_right, stream);
    });
    n_build = read_back(data_of<const int64_t>(count), device);
  }

  // Sorted by key, stably.
  const Buffer build_keys = Buffer::allocate(static_cast<size_t>(n_build) * sizeof(Key), device);
  const Buffer sorted_keys = Buffer::allocate(static_cast<size_t>(n_build) * sizeof(Key), device);
  Matches matches;
  matches.sorted_rows = device_int64s(n_build, device);
  if (n_build > 0) {
    with_key_reader<Key>(right, [&](auto reader) {
      gather_keys<<<blocks_for(n_build), kBlockSize, 0, stream>>>(n_build, data_of<const int64_t>(build_rows), reader,
                                                                  data_of<Key>(build_keys));
      NIMBUS_CUDA_CHECK_LAUNCH();
    });
    run_cub(device, [&](void* temp, size_t& bytes) {
      return cub::DeviceRadixSort::SortPairs(temp, bytes, data_of<const Key>(build_keys), data_of<Key>(sorted_keys),
                                             data_of<const int64_t>(build_rows), data_of<int64_t>(matches.sorted_rows),
                                             n_build, 0, static_cast<int>(8 * sizeof(Key)), stream);
    });
  }

  // Each left key's run among them.
  matches.starts = device_int64s(n_left, device);
  matches.counts = device_int64s(n_left, device);
  if (n_left > 0) {
    const Key* keys_begin = data_of<const Key>(sorted_keys);
    const Key* keys_end = keys_begin + n_build;
    with_key_reader<Key>(left, [&](auto reader) {
      const auto probe = thrust::make_transform_iterator(row_numbers, reader);
      const auto policy = thrust::cuda::par_nosync.on(stream);
      thrust::lower_bound(policy, keys_begin, keys_end, probe, probe + n_left, data_of<int64_t>(matches.starts));
      thrust::upper_bound(policy, keys_begin, keys_end, probe, probe + n_left, data_of<int64_t>(matches.counts));
    });
    match_counts<<<blocks_for(n_left), kBlockSize, 0, stream>>>(n_left, data_of<const int64_t>(matches.starts),
                                                                validity_reader(left),
                                                                data_of<int64_t>(matches.counts));
    NIMBUS_CUDA_CHECK_LAUNCH();
  }
  return matches;
}

// Step 3: the left rows with (without) a match.
DeviceRows filter_left(const Matches& matches, int64_t n_left, bool want_match, Device device) {
  const cudaStream_t stream = current_cuda_stream(device);
  Buffer rows = device_int64s(n_left, device);
  if (n_left == 0) return {std::move(rows), 0};
  const Buffer count = device_int64s(1, device);
  const thrust::counting_iterator<int64_t> row_numbers(0);
  const auto flags = thrust::make_transform_iterator(row_numbers, MatchFlag{data_of<const int64_t>(matches.counts),
                                                                            want_match});
  run_cub(device, [&](void* temp, size_t& bytes) {
    return cub::DeviceSelect::Flagged(temp, bytes, row_numbers, flags, data_of<int64_t>(rows), data_of<int64_t>(count),
                                      n_left, stream);
  });
  return {std::move(rows), read_back(data_of<const int64_t>(count), device)};
}

// Steps 4 and 5.
DeviceJoinRows pair_rows(const Matches& matches, int64_t n_left, int64_t n_right, JoinKind kind, Device device) {
  const cudaStream_t stream = current_cuda_stream(device);
  const bool keep_left = kind == JoinKind::left || kind == JoinKind::full;
  const bool keep_right = kind == JoinKind::right || kind == JoinKind::full;
  const thrust::counting_iterator<int64_t> row_numbers(0);
  const int64_t* counts = data_of<const int64_t>(matches.counts);

  // offsets[i] = where left row i's output starts; offsets[n_left] = the pairs in all.
  const Buffer offsets = device_int64s(n_left + 1, device);
  const auto out_counts = thrust::make_transform_iterator(row_numbers, OutputCount{counts, n_left, keep_left});
  run_cub(device, [&](void* temp, size_t& bytes) {
    return cub::DeviceScan::ExclusiveSum(temp, bytes, out_counts, data_of<int64_t>(offsets), n_left + 1, stream);
  });
  const int64_t paired = read_back(data_of<const int64_t>(offsets) + n_left, device);

  // Room for every right row after the pairs: DeviceRows may be longer than its count.
  const int64_t room = paired + (keep_right ? n_right : 0);
  DeviceJoinRows out{{device_int64s(room, device), paired}, {device_int64s(room, device), paired}};
  int64_t* left = data_of<int64_t>(out.left.rows);
  int64_t* right = data_of<int64_t>(out.right.rows);
  if (paired > 0) {
    const int64_t* offsets_begin = data_of<const int64_t>(offsets);
    thrust::upper_bound(thrust::cuda::par_nosync.on(stream), offsets_begin, offsets_begin + n_left, row_numbers,
                        row_numbers + paired, left);
    expand_pairs<<<blocks_for(paired), kBlockSize, 0, stream>>>(paired, offsets_begin,
                                                                data_of<const int64_t>(matches.starts), counts,
                                                                data_of<const int64_t>(matches.sorted_rows), left,
                                                                right);
    NIMBUS_CUDA_CHECK_LAUNCH();
  }
  if (!keep_right || n_right == 0) return out;

  const Buffer matched = Buffer::allocate(static_cast<size_t>(n_right), device);
  NIMBUS_CUDA_CHECK(cudaMemsetAsync(matched.data(), 0, static_cast<size_t>(n_right), stream));
  if (paired > 0) {
    flag_matched<<<blocks_for(paired), kBlockSize, 0, stream>>>(paired, right, data_of<uint8_t>(matched));
    NIMBUS_CUDA_CHECK_LAUNCH();
  }
  const Buffer count = device_int64s(1, device);
  const auto unmatched = thrust::make_transform_iterator(row_numbers, Unmatched{data_of<const uint8_t>(matched)});
  run_cub(device, [&](void* temp, size_t& bytes) {
    return cub::DeviceSelect::Flagged(temp, bytes, row_numbers, unmatched, right + paired, data_of<int64_t>(count),
                                      n_right, stream);
  });
  const int64_t extra = read_back(data_of<const int64_t>(count), device);
  if (extra > 0) {
    fill_null_rows<<<blocks_for(extra), kBlockSize, 0, stream>>>(extra, left + paired);
    NIMBUS_CUDA_CHECK_LAUNCH();
  }
  out.left.count = out.right.count = paired + extra;
  return out;
}

}  // namespace

DeviceJoinRows join_rows(const Column& left_key, const Column& right_key, JoinKind kind) {
  const Device device = left_key.device();
  NIMBUS_CHECK_T(DeviceError, right_key.device() == device, "join: the left key is on ", device,
                 " but the right one on ", right_key.device());
  DeviceScope scope(device.index);
  // Two 32-bit keys sort and search as 32 bits; any 64-bit key widens both sides.
  const bool narrow = stored_as_int32(left_key.type()) && stored_as_int32(right_key.type());
  const Matches matches = narrow ? match_keys<int32_t>(left_key, right_key, device)
                                 : match_keys<int64_t>(left_key, right_key, device);
  if (kind == JoinKind::semi || kind == JoinKind::anti) {
    return {filter_left(matches, left_key.length(), kind == JoinKind::semi, device), {device_int64s(0, device), 0}};
  }
  return pair_rows(matches, left_key.length(), right_key.length(), kind, device);
}

}  // namespace nimbus::analytics::cuda
