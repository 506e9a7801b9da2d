#pragma once
// Tables for the table jobs' Mars tests, and the job runs compared across strategies and devices:
// shared by the host tests (tests/analytics) and the GPU tests (tests/gpu).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "analytics/column_builder.h"
#include "analytics/mapreduce/table_jobs.h"

namespace nimbus::analytics::mapreduce::mars_table_parity {

// One numeric column of each type, random values with NULLs at `null_rate` (and NaNs in the
// floating columns, which the histogram skips like NULLs).
inline Table random_table(int64_t rows, double null_rate, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  ColumnBuilder i32(DataType::int32), i64(DataType::int64), f32(DataType::float32), f64(DataType::float64);
  for (int64_t r = 0; r < rows; ++r) {
    const auto maybe_null = [&](ColumnBuilder& b, auto append) {
      if (unit(rng) < null_rate) b.append_null();
      else append(b);
    };
    maybe_null(i32, [&](ColumnBuilder& b) { b.append_int32(static_cast<int32_t>(rng() % 2001) - 1000); });
    maybe_null(i64, [&](ColumnBuilder& b) { b.append_int64(static_cast<int64_t>(rng() >> 4) - (int64_t{1} << 59)); });
    maybe_null(f32, [&](ColumnBuilder& b) { b.append_float32(static_cast<float>(unit(rng) * 3.0 - 1.0)); });
    maybe_null(f64, [&](ColumnBuilder& b) {
      b.append_float64(unit(rng) < 0.01 ? std::nan("") : std::exp(unit(rng) * 20.0) * (unit(rng) < 0.5 ? -1 : 1));
    });
  }
  return Table({"i32", "i64", "f32", "f64"}, {i32.finish(), i64.finish(), f32.finish(), f64.finish()});
}

// `rows` points in `dims` dimensions around `centers` well separated blobs, not on a grid (so the
// summation order shows in the last bits); feature j is column "x<j>".
inline Table blobs(int64_t rows, int64_t dims, int64_t centers, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<ColumnBuilder> columns(static_cast<size_t>(dims), ColumnBuilder(DataType::float64));
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t c = r % centers;
    for (int64_t j = 0; j < dims; ++j)
      columns[static_cast<size_t>(j)].append_float64(static_cast<double>(((c + j) % centers) * 50 + j) + noise(rng));
  }
  std::vector<std::string> names;
  std::vector<Column> finished;
  for (int64_t j = 0; j < dims; ++j) {
    names.push_back(std::string("x").append(std::to_string(j)));
    finished.push_back(columns[static_cast<size_t>(j)].finish());
  }
  return Table(names, finished);
}

inline std::vector<std::string> feature_names(int64_t dims) {
  std::vector<std::string> names;
  for (int64_t j = 0; j < dims; ++j) names.push_back(std::string("x").append(std::to_string(j)));
  return names;
}

// Every cell of `table`, doubles to the last bit, row by row.
inline std::vector<std::string> cells(const Table& table) {
  std::vector<std::string> out;
  char buffer[64];
  for (int64_t r = 0; r < table.num_rows(); ++r)
    for (int64_t c = 0; c < table.num_columns(); ++c) {
      const Column& column = table.column(c);
      if (column.type() == DataType::int64) {
        out.push_back(std::to_string(column.value<int64_t>(r)));
      } else {
        std::snprintf(buffer, sizeof buffer, "%.17g", column.value<double>(r));
        out.emplace_back(buffer);
      }
    }
  return out;
}

// Mars task sizes (rows) and hash widths the comparisons run with: one row per task, a few, the
// default; 0 hash bits forces every key to collide, so the exact fallback runs.
struct MarsRun {
  int64_t chunk_rows;
  int hash_bits;
};
inline constexpr MarsRun kSweep[] = {{1, 64}, {7, 0}, {256, 64}};

inline TableJobEngine engine(Strategy strategy, Device device, int64_t chunk_rows = 256, int hash_bits = 64) {
  TableJobEngine e;
  e.strategy = strategy;
  e.device = device;
  e.mars.chunk_rows = chunk_rows;
  e.mars.hash_bits = hash_bits;
  return e;
}

inline Table histogram_with(const Table& table, const std::string& column, int64_t buckets, const TableJobEngine& e) {
  return histogram(table, column, buckets, MapReduceOptions{}, e);
}

// Every column's histogram for each bucket count: Mars on `device`, with each run of kSweep, equal
// cell for cell to the `reference` engine's.
inline void expect_histograms_match(const Table& t, const std::vector<int64_t>& bucket_counts,
                                    const TableJobEngine& reference, Device device, const std::string& what) {
  for (int64_t c = 0; c < t.num_columns(); ++c) {
    const std::string& column = t.names()[static_cast<size_t>(c)];
    for (const int64_t buckets : bucket_counts) {
      const auto expected = cells(histogram_with(t, column, buckets, reference));
      for (const auto& [chunk, bits] : kSweep)
        EXPECT_EQ(cells(histogram_with(t, column, buckets, engine(Strategy::mars, device, chunk, bits))), expected)
            << what << ": column " << column << ", " << buckets << " buckets, chunk " << chunk << ", " << bits
            << " hash bits";
    }
  }
}

inline KMeansResult k_means_with(const Table& table, int64_t dims, int64_t k, uint64_t seed, const TableJobEngine& e) {
  KMeansOptions options;
  options.k = k;
  options.seed = seed;
  options.engine = e;
  return k_means(table, feature_names(dims), options);
}

// "<dims> features, k <k>, chunk <chunk>, <bits> hash bits": what a k-means comparison ran.
inline std::string k_means_run(int64_t dims, int64_t k, int64_t chunk, int bits) {
  std::string what = std::to_string(dims);
  what.append(" features, k ").append(std::to_string(k)).append(", chunk ").append(std::to_string(chunk));
  return what.append(", ").append(std::to_string(bits)).append(" hash bits");
}

// Two k-means results: the same iterations and cluster sizes, centroids equal up to the order in
// which each cluster's rows were summed.
inline void expect_same_k_means(const KMeansResult& got, const KMeansResult& expected, const std::string& what) {
  EXPECT_EQ(got.iterations, expected.iterations) << what;
  ASSERT_EQ(got.centroids.num_rows(), expected.centroids.num_rows()) << what;
  ASSERT_EQ(got.centroids.num_columns(), expected.centroids.num_columns()) << what;
  for (int64_t r = 0; r < expected.centroids.num_rows(); ++r) {
    EXPECT_EQ(got.centroids.column("cluster").value<int64_t>(r), r) << what;
    EXPECT_EQ(got.centroids.column("size").value<int64_t>(r), expected.centroids.column("size").value<int64_t>(r))
        << what << ": cluster " << r;
    for (int64_t c = 2; c < expected.centroids.num_columns(); ++c) {
      const double want = expected.centroids.column(c).value<double>(r);
      EXPECT_NEAR(got.centroids.column(c).value<double>(r), want, 1e-12 * (1.0 + std::abs(want)))
          << what << ": cluster " << r << ", feature " << c - 2;
    }
  }
}

}  // namespace nimbus::analytics::mapreduce::mars_table_parity
