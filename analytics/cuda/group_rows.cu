// Groups for group_by on a CUDA device, sort-based:
// 1. the rows are sorted stably by every key (sort_by_column, ascending, NULLs last), so equal keys
//    are adjacent and each run keeps its rows in increasing order;
// 2. a position starts a run when any key word or null flag differs from the position before
//    (key words are equal exactly when group_by puts values together: -0.0 with 0.0, NaN with NaN);
// 3. the run starts come from CUB's DeviceSelect::Flagged; a run's first row is its smallest, by
//    stability, so sorting the runs by first row numbers the groups by first appearance, as the
//    CPU numbers them (Note [Partitioned grouping] in analytics/ops/group_index.h).
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_select.cuh>

#include <bit>

#include "analytics/cuda/analytics_cuda.h"
#include "analytics/cuda/device_common.cuh"

namespace nimbus::analytics::cuda {

namespace {

__global__ void first_is_head(int64_t n, uint8_t* heads) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    heads[i] = i == 0 ? 1 : 0;
  }
}

// heads[i] = 1 where the key of row order[i] differs from that of row order[i - 1]. Each thread
// writes only its own positions, so the key columns are marked one kernel after another.
template <typename Reader>
__global__ void mark_key_changes(int64_t n, const int64_t* order, Reader values, ValidityReader valid,
                                 uint8_t* heads) {
  for (int64_t i = 1 + blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t row = order[i], before = order[i - 1];
    const bool a = valid(row), b = valid(before);
    if (a != b || (a && ordered_word(values(row)) != ordered_word(values(before)))) heads[i] = 1;
  }
}

// Per run s: where it ends and its first row.
__global__ void run_bounds(int64_t runs, int64_t n, const int64_t* starts, const int64_t* order, int64_t* ends,
                           uint64_t* first_rows) {
  for (int64_t s = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; s < runs; s += int64_t{gridDim.x} * blockDim.x) {
    ends[s] = s + 1 < runs ? starts[s + 1] : n;
    first_rows[s] = static_cast<uint64_t>(order[starts[s]]);
  }
}

// Group g is run run_of_group[g].
__global__ void group_bounds(int64_t groups, const int64_t* run_of_group, const int64_t* starts, const int64_t* ends,
                             int64_t* begins_out, int64_t* ends_out) {
  for (int64_t g = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; g < groups; g += int64_t{gridDim.x} * blockDim.x) {
    begins_out[g] = starts[run_of_group[g]];
    ends_out[g] = ends[run_of_group[g]];
  }
}

// The global aggregate's one group: every row, [0, n), first row 0 (as the CPU's single_group).
__global__ void one_group(int64_t n, int64_t* begins, int64_t* ends, int64_t* first_rows) {
  begins[0] = 0;
  ends[0] = n;
  first_rows[0] = 0;
}

}  // namespace

DeviceGroups group_rows(const std::vector<Column>& keys, Device device, int64_t n) {
  DeviceScope scope(device.index);
  const cudaStream_t stream = current_cuda_stream(device);
  DeviceGroups groups;
  groups.order = iota_rows(n, device);
  if (keys.empty()) {
    groups.num_groups = 1;
    groups.begins = device_int64s(1, device);
    groups.ends = device_int64s(1, device);
    groups.first_rows = device_int64s(1, device);
    one_group<<<1, 1, 0, stream>>>(n, data_of<int64_t>(groups.begins), data_of<int64_t>(groups.ends),
                                   data_of<int64_t>(groups.first_rows));
    NIMBUS_CUDA_CHECK_LAUNCH();
    return groups;
  }
  if (n == 0) {
    groups.begins = groups.ends = groups.first_rows = device_int64s(0, device);
    return groups;
  }

  for (size_t k = keys.size(); k-- > 0;) {
    groups.order = sort_by_column(keys[k], std::move(groups.order), n, false, NullOrder::last);
  }
  const int64_t* order = data_of<const int64_t>(groups.order);

  const Buffer heads = Buffer::allocate(static_cast<size_t>(n), device);
  first_is_head<<<blocks_for(n), kBlockSize, 0, stream>>>(n, data_of<uint8_t>(heads));
  NIMBUS_CUDA_CHECK_LAUNCH();
  for (const Column& key : keys) {
    with_reader(key, "group_by", [&](auto reader) {
      mark_key_changes<<<blocks_for(n), kBlockSize, 0, stream>>>(n, order, reader, validity_reader(key),
                                                                 data_of<uint8_t>(heads));
      NIMBUS_CUDA_CHECK_LAUNCH();
    });
  }

  const Buffer starts = device_int64s(n, device);
  const Buffer count = device_int64s(1, device);
  const thrust::counting_iterator<int64_t> positions(0);
  run_cub(device, [&](void* temp, size_t& bytes) {
    return cub::DeviceSelect::Flagged(temp, bytes, positions, data_of<const uint8_t>(heads), data_of<int64_t>(starts),
                                      data_of<int64_t>(count), n, stream);
  });
  const int64_t runs = read_back(data_of<const int64_t>(count), device);

  const Buffer run_ends = device_int64s(runs, device);
  const Buffer run_first = device_int64s(runs, device);
  run_bounds<<<blocks_for(runs), kBlockSize, 0, stream>>>(runs, n, data_of<const int64_t>(starts), order,
                                                          data_of<int64_t>(run_ends), data_of<uint64_t>(run_first));
  NIMBUS_CUDA_CHECK_LAUNCH();

  // First rows are distinct and below n, so their low bit_width(n - 1) bits order them.
  const Buffer run_ids = iota_rows(runs, device);
  const Buffer run_of_group = device_int64s(runs, device);
  groups.first_rows = device_int64s(runs, device);
  const int end_bit = std::max(1, static_cast<int>(std::bit_width(static_cast<uint64_t>(n - 1))));
  run_cub(device, [&](void* temp, size_t& bytes) {
    return cub::DeviceRadixSort::SortPairs(temp, bytes, data_of<const uint64_t>(run_first),
                                           data_of<uint64_t>(groups.first_rows), data_of<const int64_t>(run_ids),
                                           data_of<int64_t>(run_of_group), runs, 0, end_bit, stream);
  });

  groups.num_groups = runs;
  groups.begins = device_int64s(runs, device);
  groups.ends = device_int64s(runs, device);
  group_bounds<<<blocks_for(runs), kBlockSize, 0, stream>>>(runs, data_of<const int64_t>(run_of_group),
                                                            data_of<const int64_t>(starts),
                                                            data_of<const int64_t>(run_ends),
                                                            data_of<int64_t>(groups.begins),
                                                            data_of<int64_t>(groups.ends));
  NIMBUS_CUDA_CHECK_LAUNCH();
  return groups;
}

}  // namespace nimbus::analytics::cuda
