// group_by's aggregates on a CUDA device, over the groups of group_rows.cu: group g is the rows
// order[begins[g] .. ends[g]), increasing. Each aggregate is one CUB DeviceSegmentedReduce (a fixed
// reduction tree per group, no atomics: the same result every run) over the rows read through
// `order`, then a small kernel per group.
// - count(*): the group's length; count(x): its valid rows.
// - sum: float inputs in float64 (in the tree's order: deterministic, within rounding of the CPU's
//   chunked row-order sum); int32 inputs in int64, exact; int64 inputs as two exact sums of their
//   32-bit halves (high halves signed, low halves unsigned; exact below 2^32 rows, which group_by
//   checks), recombined with a check that the total fits int64 (the CPU's error otherwise).
// - avg: the sum over the count, in float64.
// - min, max: the row with the smallest (largest) key word (NaN above every number, -0.0 tied with
//   0.0) and, among ties, the earliest row, as the CPU picks; then take() of those rows, so the
//   result is the input's type and the picked row's exact bits.
// NULL inputs are skipped; a group with no valid input is NULL (count gives 0).
#include <cub/device/device_segmented_reduce.cuh>

#include <limits>

#include "analytics/cuda/analytics_cuda.h"
#include "analytics/cuda/device_common.cuh"

namespace nimbus::analytics::cuda {

namespace {

using Positions = thrust::counting_iterator<int64_t>;

// The groups' bounds and the rows behind the positions.
struct GroupView {
  int64_t num_groups = 0;
  const int64_t* order = nullptr;
  const int64_t* begins = nullptr;
  const int64_t* ends = nullptr;
  Device device;
};

// out[g] = the reduction of in(p) over the positions p of group g.
template <typename In, typename Out, typename Op, typename T>
void reduce_groups(const GroupView& groups, In in, Out* out, Op op, T initial) {
  const cudaStream_t stream = current_cuda_stream(groups.device);
  run_cub(groups.device, [&](void* temp, size_t& bytes) {
    return cub::DeviceSegmentedReduce::Reduce(temp, bytes, in, out, groups.num_groups, groups.begins, groups.ends, op,
                                              initial, stream);
  });
}

template <typename F>
auto at_positions(const F& f) {
  return thrust::make_transform_iterator(Positions(0), f);
}

struct Plus {
  template <typename T>
  __device__ T operator()(const T& a, const T& b) const {
    return a + b;
  }
};

struct ValidCount {
  const int64_t* order;
  ValidityReader valid;
  __device__ int64_t operator()(int64_t p) const { return valid(order[p]) ? 1 : 0; }
};

// A valid value as Acc, a NULL as 0.
template <typename Reader, typename Acc>
struct ValueAt {
  const int64_t* order;
  Reader values;
  ValidityReader valid;
  __device__ Acc operator()(int64_t p) const {
    const int64_t row = order[p];
    return valid(row) ? static_cast<Acc>(values(row)) : Acc{0};
  }
};

// The high (arithmetic shift) and low 32 bits of an int64: v = high * 2^32 + low.
struct HighHalf {
  const int64_t* order;
  const int64_t* values;
  ValidityReader valid;
  __device__ int64_t operator()(int64_t p) const {
    const int64_t row = order[p];
    return valid(row) ? (values[row] >> 32) : 0;
  }
};
struct LowHalf {
  const int64_t* order;
  const int64_t* values;
  ValidityReader valid;
  __device__ uint64_t operator()(int64_t p) const {
    const int64_t row = order[p];
    return valid(row) ? (static_cast<uint64_t>(values[row]) & 0xffffffffull) : 0;
  }
};

__global__ void group_lengths(int64_t groups, const int64_t* begins, const int64_t* ends, int64_t* out) {
  for (int64_t g = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; g < groups; g += int64_t{gridDim.x} * blockDim.x) {
    out[g] = ends[g] - begins[g];
  }
}

// The int64 total high * 2^32 + low: `top` = high + low / 2^32 needs |top| < 2^31 to fit int64
// (below 2^32 rows, top itself cannot overflow). Writes the total (or for an average the
// float64 total when it does not fit), and overflow[g].
__global__ void combine_halves(int64_t groups, const int64_t* high, const uint64_t* low, int64_t* totals,
                               double* float_totals, uint8_t* overflow) {
  for (int64_t g = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; g < groups; g += int64_t{gridDim.x} * blockDim.x) {
    const int64_t top = high[g] + static_cast<int64_t>(low[g] >> 32);
    const uint64_t bottom = low[g] & 0xffffffffull;
    const bool fits = top >= -(int64_t{1} << 31) && top < (int64_t{1} << 31);
    const auto total = static_cast<int64_t>((static_cast<uint64_t>(top) << 32) | bottom);
    if (totals != nullptr) totals[g] = fits ? total : 0;
    if (float_totals != nullptr) {
      float_totals[g] = fits ? static_cast<double>(total)
                             : static_cast<double>(top) * 4294967296.0 + static_cast<double>(bottom);
    }
    if (overflow != nullptr) overflow[g] = fits ? 0 : 1;
  }
}

struct OverflowAt {
  const uint8_t* overflow;
  __device__ int64_t operator()(int64_t g) const {
    return overflow[g] ? g : std::numeric_limits<int64_t>::max();
  }
};

struct Min {
  __device__ int64_t operator()(int64_t a, int64_t b) const { return a < b ? a : b; }
};

template <typename Sum>
__global__ void divide(int64_t groups, const Sum* sums, const int64_t* counts, double* means) {
  for (int64_t g = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; g < groups; g += int64_t{gridDim.x} * blockDim.x) {
    means[g] = counts[g] > 0 ? static_cast<double>(sums[g]) / static_cast<double>(counts[g]) : 0.0;
  }
}

struct CountPositive {
  const int64_t* counts;
  __device__ bool operator()(int64_t g) const { return counts[g] > 0; }
};

// min/max: a candidate row and its key word; row < 0 is "none" (a NULL, or an empty group).
template <typename Word>
struct Pick {
  Word key;
  int64_t row;
};

template <typename Reader>
struct PickAt {
  using Word = key_word_t<typename Reader::value_type>;
  const int64_t* order;
  Reader values;
  ValidityReader valid;
  __device__ Pick<Word> operator()(int64_t p) const {
    const int64_t row = order[p];
    if (!valid(row)) return {Word{0}, -1};
    return {static_cast<Word>(ordered_word(values(row))), row};
  }
};

// The better of two candidates: the smaller (larger) key, ties to the earlier row. A total order
// on the candidates, so the result does not depend on the reduction tree.
template <typename Word>
struct BetterPick {
  bool want_max;
  __device__ Pick<Word> operator()(const Pick<Word>& a, const Pick<Word>& b) const {
    if (a.row < 0) return b;
    if (b.row < 0) return a;
    if (a.key != b.key) return (want_max ? a.key > b.key : a.key < b.key) ? a : b;
    return a.row < b.row ? a : b;
  }
};

template <typename Word>
__global__ void picked_rows(int64_t groups, const Pick<Word>* picks, int64_t* rows) {
  for (int64_t g = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; g < groups; g += int64_t{gridDim.x} * blockDim.x) {
    rows[g] = picks[g].row;  // -1 is kNullRow: take() gives a NULL there
  }
}

Column int64_column(Buffer values, int64_t groups, Validity validity = {}) {
  return Column(DataType::int64, groups, std::move(values), std::move(validity.bits), Buffer(), 0,
                validity.null_count);
}

// Each group's valid input rows (its length when the input has no nulls).
Buffer valid_counts(const GroupView& groups, const Column* input) {
  Buffer counts = device_int64s(groups.num_groups, groups.device);
  if (input == nullptr || !input->has_nulls()) {
    group_lengths<<<blocks_for(groups.num_groups), kBlockSize, 0, current_cuda_stream(groups.device)>>>(
        groups.num_groups, groups.begins, groups.ends, data_of<int64_t>(counts));
    NIMBUS_CUDA_CHECK_LAUNCH();
  } else {
    reduce_groups(groups, at_positions(ValidCount{groups.order, validity_reader(*input)}), data_of<int64_t>(counts),
                  Plus{}, int64_t{0});
  }
  return counts;
}

// sum or avg (want_mean) of a numeric column.
Column sum_or_mean(const GroupView& groups, const Column& input, bool want_mean, const std::string& label) {
  const int64_t n = groups.num_groups;
  const Device device = groups.device;
  const cudaStream_t stream = current_cuda_stream(device);
  const Buffer counts = valid_counts(groups, &input);
  Validity validity = validity_from(n, CountPositive{data_of<const int64_t>(counts)}, device);
  const ValidityReader valid = validity_reader(input);
  Buffer out = Buffer::allocate(static_cast<size_t>(n) * 8, device);  // int64 or float64
  const auto finish_mean = [&](const auto* sums) {
    divide<<<blocks_for(n), kBlockSize, 0, stream>>>(n, sums, data_of<const int64_t>(counts), data_of<double>(out));
    NIMBUS_CUDA_CHECK_LAUNCH();
  };
  switch (input.type()) {
    case DataType::float32:
    case DataType::float64: {
      const Buffer sums = device_int64s(n, device);  // float64
      with_reader(input, "group_by", [&](auto reader) {
        using Reader = decltype(reader);
        if constexpr (std::is_floating_point_v<typename Reader::value_type>) {
          reduce_groups(groups, at_positions(ValueAt<Reader, double>{groups.order, reader, valid}),
                        data_of<double>(sums), Plus{}, 0.0);
        }
      });
      if (want_mean) finish_mean(data_of<const double>(sums));
      else out = sums;
      return Column(DataType::float64, n, std::move(out), std::move(validity.bits), Buffer(), 0, validity.null_count);
    }
    case DataType::int32: {
      const Buffer sums = device_int64s(n, device);
      const FixedReader<int32_t> values{input.values<int32_t>()};
      reduce_groups(groups, at_positions(ValueAt<FixedReader<int32_t>, int64_t>{groups.order, values, valid}),
                    data_of<int64_t>(sums), Plus{}, int64_t{0});
      if (!want_mean) return int64_column(sums, n, std::move(validity));
      finish_mean(data_of<const int64_t>(sums));
      return Column(DataType::float64, n, std::move(out), std::move(validity.bits), Buffer(), 0, validity.null_count);
    }
    case DataType::int64: {
      const Buffer high = device_int64s(n, device), low = device_int64s(n, device);
      const int64_t* values = input.values<int64_t>();
      reduce_groups(groups, at_positions(HighHalf{groups.order, values, valid}), data_of<int64_t>(high), Plus{},
                    int64_t{0});
      reduce_groups(groups, at_positions(LowHalf{groups.order, values, valid}), data_of<uint64_t>(low), Plus{},
                    uint64_t{0});
      if (want_mean) {
        const Buffer totals = device_int64s(n, device);  // float64
        combine_halves<<<blocks_for(n), kBlockSize, 0, stream>>>(n, data_of<const int64_t>(high),
                                                                 data_of<const uint64_t>(low), nullptr,
                                                                 data_of<double>(totals), nullptr);
        NIMBUS_CUDA_CHECK_LAUNCH();
        finish_mean(data_of<const double>(totals));
        return Column(DataType::float64, n, std::move(out), std::move(validity.bits), Buffer(), 0, validity.null_count);
      }
      const Buffer overflow = Buffer::allocate(static_cast<size_t>(n), device);
      combine_halves<<<blocks_for(n), kBlockSize, 0, stream>>>(n, data_of<const int64_t>(high),
                                                               data_of<const uint64_t>(low), data_of<int64_t>(out),
                                                               nullptr, data_of<uint8_t>(overflow));
      NIMBUS_CUDA_CHECK_LAUNCH();
      // The first group that overflows, as the CPU reports it.
      const Buffer first = device_int64s(1, device);
      const auto flagged = at_positions(OverflowAt{data_of<const uint8_t>(overflow)});
      run_cub(device, [&](void* temp, size_t& bytes) {
        return cub::DeviceReduce::Reduce(temp, bytes, flagged, data_of<int64_t>(first), n, Min{},
                                         std::numeric_limits<int64_t>::max(), stream);
      });
      const int64_t g = read_back(data_of<const int64_t>(first), device);
      NIMBUS_CHECK(g == std::numeric_limits<int64_t>::max(), "group_by: ", label, " overflows int64 in group ", g + 1,
                   " (groups counted from 1 in order of first appearance)");
      return int64_column(std::move(out), n, std::move(validity));
    }
    default: break;
  }
  NIMBUS_THROW(DTypeError, "group_by: ", label, ": ", data_type_name(input.type()), " is not a numeric type");
}

Column min_or_max(const GroupView& groups, const Column& input, bool want_max) {
  const int64_t n = groups.num_groups;
  Buffer rows = device_int64s(n, groups.device);
  with_reader(input, "group_by", [&](auto reader) {
    using Reader = decltype(reader);
    using Word = key_word_t<typename Reader::value_type>;
    const Buffer picks = Buffer::allocate(static_cast<size_t>(n) * sizeof(Pick<Word>), groups.device);
    reduce_groups(groups, at_positions(PickAt<Reader>{groups.order, reader, validity_reader(input)}),
                  data_of<Pick<Word>>(picks), BetterPick<Word>{want_max}, Pick<Word>{Word{0}, -1});
    picked_rows<<<blocks_for(n), kBlockSize, 0, current_cuda_stream(groups.device)>>>(
        n, data_of<const Pick<Word>>(picks), data_of<int64_t>(rows));
    NIMBUS_CUDA_CHECK_LAUNCH();
  });
  return take_rows(input, DeviceRows{std::move(rows), n}, /*may_hold_null_rows=*/true);
}

}  // namespace

Column aggregate(const DeviceGroups& groups, AggregateFunction function, const Column* input,
                 const std::string& label) {
  const Device device = groups.order.device();
  DeviceScope scope(device.index);
  const GroupView view{groups.num_groups, data_of<const int64_t>(groups.order), data_of<const int64_t>(groups.begins),
                       data_of<const int64_t>(groups.ends), device};
  const int64_t n = groups.num_groups;
  switch (function) {
    case AggregateFunction::count_star:
    case AggregateFunction::count: {
      if (n == 0) return int64_column(device_int64s(0, device), 0);
      return int64_column(valid_counts(view, function == AggregateFunction::count ? input : nullptr), n);
    }
    case AggregateFunction::sum:
    case AggregateFunction::avg: {
      NIMBUS_CHECK(input != nullptr, "group_by: ", label, " needs an input column");
      const bool mean = function == AggregateFunction::avg;
      const DataType type = mean ? DataType::float64 : aggregate_result_type(function, input->type());
      if (n == 0) return Column(type, 0, Buffer::allocate(0, device), Buffer(), Buffer(), 0, 0);
      return sum_or_mean(view, *input, mean, label);
    }
    case AggregateFunction::min:
    case AggregateFunction::max: {
      NIMBUS_CHECK(input != nullptr, "group_by: ", label, " needs an input column");
      if (n == 0) return take_rows(*input, DeviceRows{device_int64s(0, device), 0}, false);
      return min_or_max(view, *input, function == AggregateFunction::max);
    }
    default: break;
  }
  NIMBUS_THROW(Error, "group_by: ", label, " is not computed on ", device);
}

}  // namespace nimbus::analytics::cuda
