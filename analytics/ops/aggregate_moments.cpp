// var_samp, var_pop, stddev_samp, stddev_pop and corr, with Welford's running updates (as DuckDB):
// the mean and the sum of squared deviations are updated per value, which stays accurate when the
// mean is large next to the spread, where sum(x^2) - sum(x)^2/n would cancel. Chunks' moments are
// merged with Chan et al.'s pairwise formulas (as DuckDB combines its threads' states).
#include <cmath>

#include "analytics/ops/aggregate_kernels.h"
#include "analytics/ops/column_buffers.h"

namespace nimbus::analytics::detail {

namespace {

struct Moments {
  int64_t count = 0;
  double mean = 0;
  double m2 = 0;  // sum of squared deviations from the mean

  void add(double x) {
    ++count;
    const double delta = x - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (x - mean);
  }

  void merge(const Moments& other) {
    if (other.count == 0) return;
    if (count == 0) {
      *this = other;
      return;
    }
    const auto a = static_cast<double>(count), b = static_cast<double>(other.count), n = a + b;
    const double delta = other.mean - mean;
    mean += delta * b / n;
    m2 += other.m2 + delta * delta * a * b / n;
    count += other.count;
  }
};

struct CoMoments {
  int64_t count = 0;
  double mean_x = 0, mean_y = 0;
  double m2_x = 0, m2_y = 0, c_xy = 0;

  void add(double y, double x) {
    ++count;
    const auto n = static_cast<double>(count);
    const double dx = x - mean_x;
    const double dy = y - mean_y;
    mean_x += dx / n;
    mean_y += dy / n;
    m2_x += dx * (x - mean_x);
    m2_y += dy * (y - mean_y);
    c_xy += dx * (y - mean_y);
  }

  void merge(const CoMoments& other) {
    if (other.count == 0) return;
    if (count == 0) {
      *this = other;
      return;
    }
    const auto a = static_cast<double>(count), b = static_cast<double>(other.count), n = a + b;
    const double dx = other.mean_x - mean_x, dy = other.mean_y - mean_y;
    const double weight = a * b / n;
    mean_x += dx * b / n;
    mean_y += dy * b / n;
    m2_x += other.m2_x + dx * dx * weight;
    m2_y += other.m2_y + dy * dy * weight;
    c_xy += other.c_xy + dx * dy * weight;
    count += other.count;
  }
};

template <typename F>
void with_doubles(const Column& column, const F& f) {
  with_numeric_values(column, [&](const auto* values) {
    f([values](int64_t row) { return static_cast<double>(values[row]); });
  });
}

}  // namespace

Column aggregate_variance(const GroupedRows& rows, const Column& input, AggregateFunction function) {
  std::vector<Moments> moments;
  with_doubles(input, [&](const auto& value) {
    with_validity(input, [&](const auto& valid) {
      moments = accumulate<Moments>(
          rows, Moments{},
          [&](Moments& m, int64_t row) {
            if (valid(row)) m.add(value(row));
          },
          [](Moments& into, const Moments& from) { into.merge(from); });
    });
  });
  const bool sample = function == AggregateFunction::var_samp || function == AggregateFunction::stddev_samp;
  const bool root = function == AggregateFunction::stddev_samp || function == AggregateFunction::stddev_pop;
  std::vector<double> out(moments.size(), 0.0);
  std::vector<uint8_t> valid(moments.size(), 0);
  for (size_t g = 0; g < moments.size(); ++g) {
    const int64_t n = moments[g].count;
    if (n == 0 || (sample && n < 2)) continue;
    const double variance = moments[g].m2 / static_cast<double>(sample ? n - 1 : n);
    out[g] = root ? std::sqrt(variance) : variance;
    valid[g] = 1;
  }
  return fixed_column(DataType::float64, out, valid);
}

Column aggregate_corr(const GroupedRows& rows, const Column& y, const Column& x) {
  std::vector<CoMoments> moments;
  with_doubles(y, [&](const auto& y_value) {
    with_doubles(x, [&](const auto& x_value) {
      moments = accumulate<CoMoments>(
          rows, CoMoments{},
          [&](CoMoments& m, int64_t row) {
            if (y.is_valid(row) && x.is_valid(row)) m.add(y_value(row), x_value(row));
          },
          [](CoMoments& into, const CoMoments& from) { into.merge(from); });
    });
  });
  std::vector<double> out(moments.size(), 0.0);
  std::vector<uint8_t> valid(moments.size(), 0);
  for (size_t g = 0; g < moments.size(); ++g) {
    const CoMoments& m = moments[g];
    if (m.count < 2) continue;
    // covar_pop / (stddev_pop(x) * stddev_pop(y)); the counts cancel but are kept to follow
    // DuckDB's arithmetic.
    const auto n = static_cast<double>(m.count);
    const double denominator = std::sqrt(m.m2_x / n) * std::sqrt(m.m2_y / n);
    if (denominator == 0) continue;
    out[g] = (m.c_xy / n) / denominator;
    valid[g] = 1;
  }
  return fixed_column(DataType::float64, out, valid);
}

}  // namespace nimbus::analytics::detail
