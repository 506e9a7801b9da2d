#pragma once
// The handwritten digits of examples/data/digits.csv.gz (UCI "Optical Recognition of Handwritten
// Digits", 1797 images of 8x8 pixels).
//
// File: CSV without a header (gzip or plain), one image per line: 64 pixel values, integers
// 0..16 row by row, then the label, an integer 0..9. It is read by the analytics CSV reader with
// the columns named "pixel 1".."pixel 64" and "label", so every error is a ParseError starting
// "path:line:column:" that names the column and the value. Example: inputs f32 [1, 8, 8] = pixel / 16 (so in
// [0, 1]), target the label.
//
// Split (Note [Row split] in split.h): train = the first floor(n * train_fraction) rows of the
// seeded permutation, val the next floor(n * (train_fraction + val_fraction)) - train rows, test the
// rest. For the 1797 images and the defaults 0.8 / 0.1: train 1437, val 180, test 180 (for every
// split_seed; the seed only chooses which images go where). An empty val or test part is null.
#include <cstdint>
#include <string>

#include "models/data/dataset.h"

namespace nimbus::data {

struct DigitsOptions {
  std::string path{};
  uint64_t split_seed = 0;
  double train_fraction = 0.8, val_fraction = 0.1;
};

NIMBUS_API Splits load_digits(const DigitsOptions& options);

}  // namespace nimbus::data
