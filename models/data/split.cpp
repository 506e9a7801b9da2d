#include "models/data/split.h"

#include <algorithm>
#include <cmath>

#include "models/data/permutation.h"
#include "runtime/error.h"

namespace nimbus::data {

namespace {

// floor(rows * fraction), with the tolerance of Note [Row split].
int64_t rows_below(int64_t rows, double fraction) {
  const auto count = static_cast<int64_t>(std::floor(static_cast<double>(rows) * fraction + 1e-9));
  return std::clamp<int64_t>(count, 0, rows);
}

std::vector<int64_t> sorted_part(const std::vector<int64_t>& order, int64_t begin, int64_t end) {
  std::vector<int64_t> part(order.begin() + begin, order.begin() + end);
  std::sort(part.begin(), part.end());
  return part;
}

}  // namespace

SplitIndices split_rows(int64_t rows, uint64_t seed, SplitFractions fractions, const std::string& what) {
  const auto valid = [](double f) { return std::isfinite(f) && f >= 0 && f <= 1; };
  NIMBUS_CHECK_T(ConfigError, valid(fractions.train), what, ": train_fraction ", fractions.train,
                 " must be in [0, 1]");
  NIMBUS_CHECK_T(ConfigError, valid(fractions.val), what, ": val_fraction ", fractions.val, " must be in [0, 1]");
  NIMBUS_CHECK_T(ConfigError, fractions.train + fractions.val <= 1 + 1e-9, what, ": train_fraction ",
                 fractions.train, " + val_fraction ", fractions.val, " exceed 1");
  const int64_t train_end = rows_below(rows, fractions.train);
  const int64_t val_end = std::max(train_end, rows_below(rows, fractions.train + fractions.val));
  NIMBUS_CHECK_T(ConfigError, train_end > 0, what, ": train_fraction ", fractions.train, " of ", rows,
                 " rows leaves no training rows");
  const std::vector<int64_t> order = philox_permutation(rows, seed, kSplitStream);
  return {sorted_part(order, 0, train_end), sorted_part(order, train_end, val_end),
          sorted_part(order, val_end, rows)};
}

}  // namespace nimbus::data
