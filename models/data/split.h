#pragma once
// The seeded train/val/test split shared by the row datasets (digits, CSV tables).
//
// Note [Row split]: the rows 0..n-1 are put in the order philox_permutation(n, seed,
// kSplitStream); train is the first floor(n * train_fraction) rows of that order, val the rows up to
// floor(n * (train_fraction + val_fraction)), test the rest. Floors are taken after adding 1e-9, so
// a product that is mathematically whole (10 * (0.7 + 0.2) = 9) is not lost to rounding. Each
// part's row numbers are then sorted, so a part reads the file in file order.
// The 1797 digits with the defaults 0.8 / 0.1 give 1437 / 180 / 180.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::data {

struct SplitFractions {
  double train = 0.8;
  double val = 0.1;  // test gets the rest
};

struct SplitIndices {
  std::vector<int64_t> train, val, test;
};

// Throws ConfigError naming `what` (e.g. "digits") when a fraction is outside [0, 1], they sum
// above 1, or train would be empty.
NIMBUS_API SplitIndices split_rows(int64_t rows, uint64_t seed, SplitFractions fractions, const std::string& what);

}  // namespace nimbus::data
