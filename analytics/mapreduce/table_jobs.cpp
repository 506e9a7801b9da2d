#include "analytics/mapreduce/table_jobs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <random>

#include "analytics/column_builder.h"
#include "analytics/mapreduce/mars_table_jobs.h"
#include "runtime/error.h"

namespace nimbus::analytics::mapreduce {

namespace {

// A numeric column's values as doubles (NaN where NULL): the jobs read them row by row.
std::vector<double> numeric_values(const Table& table, const std::string& name, const char* job) {
  const Column& c = table.column(name);
  NIMBUS_CHECK_T(ConfigError, is_numeric(c.type()), job, ": column '", name, "' is ", data_type_name(c.type()),
                 "; it takes int32, int64, float32 or float64");
  std::vector<double> out(static_cast<size_t>(c.length()));
  for (int64_t i = 0; i < c.length(); ++i) {
    double v = std::numeric_limits<double>::quiet_NaN();
    if (c.is_valid(i)) {
      switch (c.type()) {
        case DataType::int32: v = c.values<int32_t>()[i]; break;
        case DataType::int64: v = static_cast<double>(c.values<int64_t>()[i]); break;
        case DataType::float32: v = c.values<float>()[i]; break;
        default: v = c.values<double>()[i]; break;
      }
    }
    out[static_cast<size_t>(i)] = v;
  }
  return out;
}

struct HistogramJob {
  using Key = int64_t;
  using Accumulator = int64_t;
  const std::vector<double>* values;
  double lo, width;
  int64_t buckets;

  void map(const RowRecord& r, Emitter<HistogramJob>& out) const {
    const double v = (*values)[static_cast<size_t>(r.row)];
    if (std::isnan(v)) return;
    const auto b = width > 0 ? static_cast<int64_t>((v - lo) / width) : 0;
    out.emit(std::clamp<int64_t>(b, 0, buckets - 1), int64_t{1});
  }
  void combine(int64_t& into, int64_t v) const { into += v; }
  void merge(int64_t& into, int64_t from) const { into += from; }
};

// Per cluster: the sum of its rows' features and their count.
struct ClusterSum {
  std::vector<double> sum;
  int64_t count = 0;
};

struct AssignJob {
  using Key = int64_t;
  using Accumulator = ClusterSum;
  const std::vector<std::vector<double>>* features;  // per feature, per row
  const std::vector<std::vector<double>>* centroids;  // per cluster, per feature

  void map(const RowRecord& r, Emitter<AssignJob>& out) const {
    const size_t f = features->size();
    int64_t best = 0;
    double best_d = std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < centroids->size(); ++c) {
      double d = 0;
      for (size_t j = 0; j < f; ++j) {
        const double diff = (*features)[j][static_cast<size_t>(r.row)] - (*centroids)[c][j];
        d += diff * diff;
      }
      if (d < best_d) {
        best_d = d;
        best = static_cast<int64_t>(c);
      }
    }
    out.emit(best, r.row);
  }
  void combine(ClusterSum& into, int64_t row) const {
    if (into.sum.empty()) into.sum.assign(features->size(), 0.0);
    for (size_t j = 0; j < features->size(); ++j) into.sum[j] += (*features)[j][static_cast<size_t>(row)];
    ++into.count;
  }
  void merge(ClusterSum& into, ClusterSum&& from) const {
    if (into.sum.empty()) into.sum.assign(features->size(), 0.0);
    for (size_t j = 0; j < from.sum.size(); ++j) into.sum[j] += from.sum[j];
    into.count += from.count;
  }
};

void check_engine(const TableJobEngine& engine, const char* job) {
  NIMBUS_CHECK_T(ConfigError, engine.strategy == Strategy::mars || engine.device.is_cpu(), job,
                 ": the phoenix strategy runs on the CPU, not on ", engine.device.str(),
                 "; use the mars strategy on a device");
}

}  // namespace

Table histogram(const Table& table, const std::string& column, int64_t buckets, const MapReduceOptions& options,
                const TableJobEngine& engine) {
  NIMBUS_CHECK_T(ConfigError, buckets > 0, "histogram: buckets must be positive, got ", buckets);
  check_engine(engine, "histogram");
  const std::vector<double> values = numeric_values(table, column, "histogram");
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values)
    if (!std::isnan(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (lo > hi) lo = hi = 0;  // no values: empty buckets over [0, 0]
  const HistogramJob job{&values, lo, (hi - lo) / static_cast<double>(buckets), buckets};
  JobResult<HistogramJob> counts;
  if (engine.strategy == Strategy::mars) {
    const std::vector<int64_t> per_bucket =
        mars_histogram_counts(values, lo, job.width, buckets, engine.device, engine.mars);
    for (int64_t b = 0; b < buckets; ++b)
      if (per_bucket[static_cast<size_t>(b)] > 0) counts.emplace(b, per_bucket[static_cast<size_t>(b)]);
  } else {
    counts = run_table_job(job, table, options);
  }
  ColumnBuilder bucket(DataType::int64), lower(DataType::float64), upper(DataType::float64), n(DataType::int64);
  for (int64_t b = 0; b < buckets; ++b) {
    const auto it = counts.find(b);
    bucket.append_int64(b);
    lower.append_float64(lo + job.width * static_cast<double>(b));
    upper.append_float64(b + 1 == buckets ? hi : lo + job.width * static_cast<double>(b + 1));
    n.append_int64(it == counts.end() ? 0 : it->second);
  }
  return Table({"bucket", "lower", "upper", "count"}, {bucket.finish(), lower.finish(), upper.finish(), n.finish()});
}

KMeansResult k_means(const Table& table, const std::vector<std::string>& features, const KMeansOptions& o) {
  NIMBUS_CHECK_T(ConfigError, !features.empty(), "k_means: no feature columns given");
  check_engine(o.engine, "k_means");
  NIMBUS_CHECK_T(ConfigError, o.k > 0 && o.k <= table.num_rows(), "k_means: k = ", o.k, " needs between 1 and ",
                 table.num_rows(), " (the rows) clusters");
  std::vector<std::vector<double>> x;
  for (const std::string& f : features) {
    x.push_back(numeric_values(table, f, "k_means"));
    NIMBUS_CHECK_T(ConfigError, table.column(f).null_count() == 0, "k_means: column '", f, "' has ",
                   table.column(f).null_count(), " NULLs; filter or fill them first");
  }
  // Initial centroids: the first k rows of a seeded permutation.
  std::vector<int64_t> order(static_cast<size_t>(table.num_rows()));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::mt19937_64 rng(o.seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<std::vector<double>> centroids(static_cast<size_t>(o.k), std::vector<double>(features.size()));
  for (int64_t c = 0; c < o.k; ++c)
    for (size_t j = 0; j < features.size(); ++j) centroids[static_cast<size_t>(c)][j] = x[j][static_cast<size_t>(order[static_cast<size_t>(c)])];

  KMeansResult result;
  std::vector<int64_t> sizes(static_cast<size_t>(o.k), 0);
  const bool mars = o.engine.strategy == Strategy::mars;
  const std::optional<MarsKMeansSteps> mars_steps =
      mars ? std::optional<MarsKMeansSteps>(std::in_place, x, o.engine.device, o.engine.mars) : std::nullopt;
  for (int64_t it = 0; it < std::max<int64_t>(o.iterations, 1); ++it) {
    const AssignJob job{&x, &centroids};
    JobResult<AssignJob> sums;
    if (mars) {
      // Mars's totals in Phoenix's form, so both strategies share the update below.
      const ClusterTotals totals = mars_steps->step(centroids);
      const auto f = static_cast<int64_t>(features.size());
      for (int64_t c = 0; c < o.k; ++c) {
        if (totals.counts[static_cast<size_t>(c)] == 0) continue;
        ClusterSum& s = sums[c];
        s.count = totals.counts[static_cast<size_t>(c)];
        s.sum.assign(totals.sums.begin() + c * f, totals.sums.begin() + (c + 1) * f);
      }
    } else {
      sums = run_table_job(job, table, o.run);
    }
    bool moved = false;
    for (int64_t c = 0; c < o.k; ++c) {
      const auto found = sums.find(c);
      sizes[static_cast<size_t>(c)] = found == sums.end() ? 0 : found->second.count;
      if (found == sums.end() || found->second.count == 0) continue;
      for (size_t j = 0; j < features.size(); ++j) {
        const double mean = found->second.sum[j] / static_cast<double>(found->second.count);
        moved = moved || mean != centroids[static_cast<size_t>(c)][j];
        centroids[static_cast<size_t>(c)][j] = mean;
      }
    }
    result.iterations = it + 1;
    if (!moved) break;
  }
  std::vector<std::string> names = {"cluster", "size"};
  ColumnBuilder cluster(DataType::int64), size(DataType::int64);
  std::vector<ColumnBuilder> means(features.size(), ColumnBuilder(DataType::float64));
  for (int64_t c = 0; c < o.k; ++c) {
    cluster.append_int64(c);
    size.append_int64(sizes[static_cast<size_t>(c)]);
    for (size_t j = 0; j < features.size(); ++j) means[j].append_float64(centroids[static_cast<size_t>(c)][j]);
  }
  std::vector<Column> columns = {cluster.finish(), size.finish()};
  for (size_t j = 0; j < features.size(); ++j) {
    names.push_back(features[j]);
    columns.push_back(means[j].finish());
  }
  result.centroids = Table(names, columns);
  return result;
}

}  // namespace nimbus::analytics::mapreduce
