// The digits dataset: parsing, pixel scaling, the seeded split, and messages for corrupt files.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <numeric>

#include "models/data/digits.h"
#include "models/data/labeled_table.h"
#include "models/data/split.h"
#include "runtime/error.h"

namespace nimbus::data {
namespace {

const std::string kDigits = std::string(NIMBUS_EXAMPLES_DIR) + "/data/digits.csv.gz";

std::string temp_file(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + "nimbus_data_digits_" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// A valid line: pixels p, p+1, ... (mod 17), then the label.
std::string digit_line(int first_pixel, int label) {
  std::string line;
  for (int p = 0; p < 64; ++p) line += std::to_string((first_pixel + p) % 17) + ",";
  return line + std::to_string(label) + "\n";
}

// The message of the ParseError that loading `contents` raises.
std::string parse_error(const std::string& name, const std::string& contents) {
  try {
    load_digits({.path = temp_file(name, contents)});
  } catch (const ParseError& e) {
    return e.what();
  }
  return "(no ParseError)";
}

const LabeledSubset& subset(const std::shared_ptr<const Dataset>& part) {
  return dynamic_cast<const LabeledSubset&>(*part);
}

TEST(DataDigits, SplitCountsAndDescriptions) {
  const Splits splits = load_digits({.path = kDigits});
  ASSERT_TRUE(splits.train && splits.val && splits.test);
  EXPECT_EQ(splits.train->size(), 1437);
  EXPECT_EQ(splits.val->size(), 180);
  EXPECT_EQ(splits.test->size(), 180);
  EXPECT_EQ(splits.train->describe(), "digits train: 1437 images 1x8x8, 10 classes");
  EXPECT_EQ(splits.test->describe(), "digits test: 180 images 1x8x8, 10 classes");
  EXPECT_EQ(splits.train->input_shape(), (Shape{1, 8, 8}));
  EXPECT_EQ(splits.val->num_classes(), 10);
}

TEST(DataDigits, SplitsAreDisjointCoverAllRowsAndFollowTheSeed) {
  const Splits a = load_digits({.path = kDigits, .split_seed = 1});
  std::vector<int64_t> rows;
  for (const auto& part : {a.train, a.val, a.test}) {
    const auto& r = subset(part).rows();
    EXPECT_TRUE(std::is_sorted(r.begin(), r.end()));
    rows.insert(rows.end(), r.begin(), r.end());
  }
  std::sort(rows.begin(), rows.end());
  std::vector<int64_t> all(1797);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(rows, all);  // each row in exactly one part

  EXPECT_EQ(subset(load_digits({.path = kDigits, .split_seed = 1}).test).rows(), subset(a.test).rows());
  const Splits b = load_digits({.path = kDigits, .split_seed = 2});
  EXPECT_EQ(b.test->size(), 180);
  EXPECT_NE(subset(b.test).rows(), subset(a.test).rows());
}

TEST(DataDigits, PixelsAreScaledToTheUnitInterval) {
  const Splits splits = load_digits({.path = kDigits});
  // Row 0 of the file starts 0,0,5,13,9,1,0,0 and is a 0; find which part holds it.
  int found = 0;
  for (const auto& part : {splits.train, splits.val, splits.test}) {
    const auto& rows = subset(part).rows();
    if (rows.empty() || rows[0] != 0) continue;
    const int64_t index = 0;
    const Batch batch = part->gather(std::span(&index, 1));
    ASSERT_EQ(batch.inputs.shape(), (Shape{1, 1, 8, 8}));
    const std::vector<float> pixels = batch.inputs.to_vector<float>();
    EXPECT_EQ(std::vector(pixels.begin(), pixels.begin() + 8),
              (std::vector<float>{0, 0, 5 / 16.f, 13 / 16.f, 9 / 16.f, 1 / 16.f, 0, 0}));
    EXPECT_EQ(batch.targets.to_vector<int64_t>(), std::vector<int64_t>{0});
    ++found;
  }
  EXPECT_EQ(found, 1);
  std::vector<int64_t> indices(static_cast<size_t>(splits.train->size()));
  std::iota(indices.begin(), indices.end(), 0);
  const Batch train = splits.train->gather(indices);
  const std::vector<float> values = train.inputs.to_vector<float>();
  EXPECT_EQ(*std::min_element(values.begin(), values.end()), 0.f);
  EXPECT_EQ(*std::max_element(values.begin(), values.end()), 1.f);
  const std::vector<int64_t> labels = train.targets.to_vector<int64_t>();
  EXPECT_EQ(*std::min_element(labels.begin(), labels.end()), 0);
  EXPECT_EQ(*std::max_element(labels.begin(), labels.end()), 9);
}

TEST(DataDigits, GatherRejectsIndicesOutOfRange) {
  const Splits splits = load_digits({.path = kDigits});
  const std::vector<int64_t> bad = {0, 180};
  EXPECT_THROW(splits.val->gather(bad), ShapeError);
}

TEST(DataDigits, ReadsPlainTextAndSkipsBlankLines) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += digit_line(i, i);
  const Splits splits = load_digits({.path = temp_file("plain.csv", text + "\n\r\n")});
  EXPECT_EQ(splits.train->size() + splits.val->size() + splits.test->size(), 10);
  EXPECT_EQ(splits.train->size(), 8);
}

TEST(DataDigits, CorruptFieldsNameTheLineAndColumn) {
  const std::string good = digit_line(0, 3);
  // Line 2: pixel 3 is 17 (columns: "0," "1," then "17" starts at column 5).
  std::string bad_pixel = digit_line(0, 3);
  bad_pixel.replace(4, 1, "17");
  std::string message = parse_error("pixel.csv", good + bad_pixel);
  EXPECT_NE(message.find("pixel.csv:2:5: column 'pixel 3': 17 is outside 0..16"), std::string::npos) << message;

  std::string word = digit_line(0, 3);
  word.replace(0, 1, "x");
  message = parse_error("word.csv", good + good + word);
  EXPECT_NE(message.find("word.csv:3:1: column 'pixel 1': 'x' is not an integer"), std::string::npos) << message;

  std::string fraction = digit_line(0, 3);
  fraction.replace(0, 1, "1.5");
  message = parse_error("fraction.csv", fraction);
  EXPECT_NE(message.find("fraction.csv:1:1: column 'pixel 1': '1.5' is not an integer"), std::string::npos) << message;

  message = parse_error("label.csv", good + digit_line(0, 10));
  EXPECT_NE(message.find("label.csv:2:"), std::string::npos) << message;
  EXPECT_NE(message.find("column 'label': 10 is outside 0..9"), std::string::npos) << message;

  std::string empty_field = digit_line(0, 3);
  empty_field.replace(0, 1, "");
  message = parse_error("empty.csv", empty_field);
  EXPECT_NE(message.find("empty.csv:1:1: column 'pixel 1': empty field"), std::string::npos) << message;
}

TEST(DataDigits, WrongValueCountsNameTheLine) {
  std::string short_line = digit_line(0, 3);
  short_line.erase(0, 2);  // 64 values
  std::string message = parse_error("short.csv", digit_line(0, 1) + short_line);
  EXPECT_NE(message.find("short.csv:2:"), std::string::npos) << message;
  EXPECT_NE(message.find("expected 65 fields as there are column names, found 64"), std::string::npos) << message;

  std::string long_line = digit_line(0, 3);
  long_line.insert(long_line.size() - 1, ",4");
  message = parse_error("long.csv", long_line);
  EXPECT_NE(message.find("found 66"), std::string::npos) << message;
  EXPECT_NE(message.find("long.csv:1:" + std::to_string(long_line.size() - 1) + ":"), std::string::npos) << message;
}

TEST(DataDigits, UnreadableFilesAreIOErrors) {
  EXPECT_THROW(load_digits({.path = ::testing::TempDir() + "nimbus_data_no_such_file.csv.gz"}), IOError);
  EXPECT_THROW(load_digits({.path = ::testing::TempDir()}), IOError);  // a folder
  EXPECT_THROW(load_digits({.path = ""}), ConfigError);
  const std::string empty = parse_error("nothing.csv", "");
  EXPECT_NE(empty.find("nothing.csv: no images"), std::string::npos) << empty;

  // The first half of the real file: a gzip stream that stops in the middle.
  std::ifstream in(kDigits, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  const std::string truncated = temp_file("truncated.csv.gz", bytes.substr(0, bytes.size() / 2));
  try {
    load_digits({.path = truncated});
    ADD_FAILURE() << "a truncated gzip file loaded";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated.csv.gz"), std::string::npos) << e.what();
  }
  // A gzip header followed by garbage.
  const std::string garbage = temp_file("garbage.csv.gz", std::string("\x1f\x8b\x08\x00", 4) + std::string(64, 'z'));
  EXPECT_THROW(load_digits({.path = garbage}), IOError);
}

TEST(DataDigits, FractionsAreValidated) {
  EXPECT_THROW(load_digits({.path = kDigits, .train_fraction = 0.9, .val_fraction = 0.2}), ConfigError);
  EXPECT_THROW(load_digits({.path = kDigits, .train_fraction = -0.1}), ConfigError);
  EXPECT_THROW(load_digits({.path = kDigits, .train_fraction = 0.0}), ConfigError);
  const Splits no_val = load_digits({.path = kDigits, .train_fraction = 0.9, .val_fraction = 0});
  EXPECT_EQ(no_val.val, nullptr);
  EXPECT_EQ(no_val.train->size(), 1617);
  EXPECT_EQ(no_val.test->size(), 180);
}

TEST(DataSplit, CountsFollowTheFloorsOfNoteRowSplit) {
  const SplitIndices s = split_rows(1797, 0, {}, "rows");
  EXPECT_EQ(s.train.size(), 1437u);
  EXPECT_EQ(s.val.size(), 180u);
  EXPECT_EQ(s.test.size(), 180u);
  // 10 * (0.7 + 0.2) is 8.999... in floating point; the tolerance keeps it 9.
  const SplitIndices tenths = split_rows(10, 0, {0.7, 0.2}, "rows");
  EXPECT_EQ(tenths.train.size(), 7u);
  EXPECT_EQ(tenths.val.size(), 2u);
  EXPECT_EQ(tenths.test.size(), 1u);
  const SplitIndices all_train = split_rows(5, 0, {1.0, 0.0}, "rows");
  EXPECT_EQ(all_train.train, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  try {
    split_rows(3, 0, {0.2, 0.1}, "tiny");
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "tiny: train_fraction 0.2 of 3 rows leaves no training rows");
  }
}

}  // namespace
}  // namespace nimbus::data
