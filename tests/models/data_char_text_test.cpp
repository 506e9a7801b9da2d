// Character text: the vocabulary, the 90/10 split, next-character windows, and errors.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "error_text.h"
#include "models/data/char_text.h"
#include "runtime/error.h"

namespace nimbus::data {
namespace {

const std::string kShakespeare = std::string(NIMBUS_EXAMPLES_DIR) + "/data/tinyshakespeare.txt";

std::string temp_file(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + "nimbus_data_text_" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using testing::error_text;

TEST(DataCharText, TinyShakespeareSplitAndShapes) {
  const CharText text = load_char_text({.path = kShakespeare});
  EXPECT_EQ(text.vocabulary.size(), 65);
  EXPECT_EQ(text.vocabulary.symbols().substr(0, 3), "\n !");
  // 1115394 characters: val = floor(111539.4) = 111539, train = 1003855; windows = length - 64.
  ASSERT_TRUE(text.splits.train && text.splits.val);
  EXPECT_EQ(text.splits.test, nullptr);
  EXPECT_EQ(text.splits.train->size(), 1003855 - 64);
  EXPECT_EQ(text.splits.val->size(), 111539 - 64);
  EXPECT_EQ(text.splits.train->input_shape(), (Shape{64}));
  EXPECT_EQ(text.splits.train->num_classes(), 65);
  EXPECT_EQ(text.splits.train->describe(),
            "tinyshakespeare.txt train: 1003791 windows of 64 characters, vocabulary 65");
}

TEST(DataCharText, WindowsAreTheTextAndItsNextCharacters) {
  const std::string raw = read_all(kShakespeare);
  const CharText text = load_char_text({.path = kShakespeare, .context = 16});
  const std::vector<int64_t> indices = {0, 5, 1003855 - 16 - 1};
  const Batch batch = text.splits.train->gather(indices);
  ASSERT_EQ(batch.inputs.shape(), (Shape{3, 16}));
  ASSERT_EQ(batch.targets.shape(), (Shape{3, 16}));
  EXPECT_EQ(batch.inputs.dtype(), DType::i64);
  const std::vector<int64_t> inputs = batch.inputs.to_vector<int64_t>();
  const std::vector<int64_t> targets = batch.targets.to_vector<int64_t>();
  for (size_t b = 0; b < indices.size(); ++b) {
    const auto start = static_cast<size_t>(indices[b]);
    const std::span<const int64_t> in(inputs.data() + b * 16, 16), out(targets.data() + b * 16, 16);
    EXPECT_EQ(text.vocabulary.decode(in), raw.substr(start, 16)) << "example " << indices[b];
    EXPECT_EQ(text.vocabulary.decode(out), raw.substr(start + 1, 16)) << "example " << indices[b];
  }
  // The last train window's targets end at the last train character; val starts right after.
  const int64_t first = 0;
  const Batch val = text.splits.val->gather(std::span(&first, 1));
  EXPECT_EQ(text.vocabulary.decode(val.inputs.to_vector<int64_t>()), raw.substr(1003855, 16));
  const std::vector<int64_t> past_end = {text.splits.train->size()};
  EXPECT_THROW(text.splits.train->gather(past_end), ShapeError);
}

TEST(DataCharText, VocabularyEncodesAndDecodes) {
  const Vocabulary vocabulary = Vocabulary::of_text("hello, world");
  EXPECT_EQ(vocabulary.symbols(), " ,dehlorw");
  EXPECT_EQ(vocabulary.encode("hello"), (std::vector<int64_t>{4, 3, 5, 5, 6}));
  const std::vector<int64_t> ids = {8, 6, 7, 5, 2};
  EXPECT_EQ(vocabulary.decode(ids), "world");
  EXPECT_EQ(vocabulary.decode(vocabulary.encode("lower")), "lower");

  const std::string unknown = error_text([&] { vocabulary.encode("hello!"); });
  EXPECT_EQ(unknown, "vocabulary: '!' at position 5 of the text is not one of the 9 characters of the vocabulary");
  EXPECT_THROW(vocabulary.encode("\n"), ParseError);
  EXPECT_NE(error_text([&] { vocabulary.encode("\n"); }).find("byte 0x0a"), std::string::npos);
  const std::vector<int64_t> bad = {0, 9};
  EXPECT_EQ(error_text([&] { vocabulary.decode(bad); }), "vocabulary: id 9 at position 1 is outside 0..8");
  EXPECT_THROW(Vocabulary("ba"), ConfigError);
  EXPECT_THROW(Vocabulary("aa"), ConfigError);
}

TEST(DataCharText, SmallFileSplitAndNoVal) {
  const std::string path = temp_file("abc.txt", std::string(100, 'a') + std::string(100, 'b'));
  const CharText text = load_char_text({.path = path, .context = 8, .val_fraction = 0.25});
  EXPECT_EQ(text.vocabulary.symbols(), "ab");
  EXPECT_EQ(text.splits.train->size(), 150 - 8);
  EXPECT_EQ(text.splits.val->size(), 50 - 8);
  const int64_t zero = 0;
  EXPECT_EQ(text.splits.val->gather(std::span(&zero, 1)).inputs.to_vector<int64_t>(), std::vector<int64_t>(8, 1));
  const CharText no_val = load_char_text({.path = path, .context = 8, .val_fraction = 0});
  EXPECT_EQ(no_val.splits.val, nullptr);
  EXPECT_EQ(no_val.splits.train->size(), 200 - 8);
}

TEST(DataCharText, Errors) {
  EXPECT_THROW(load_char_text({.path = temp_file("missing_dir/none.txt", "")}), IOError);
  EXPECT_THROW(load_char_text({.path = ::testing::TempDir() + "nimbus_data_text_absent.txt"}), IOError);
  const std::string empty = error_text([] { load_char_text({.path = temp_file("empty.txt", "")}); });
  EXPECT_NE(empty.find("empty.txt: the file is empty"), std::string::npos) << empty;

  const std::string short_path = temp_file("short.txt", "to be or not to be");
  const std::string short_train = error_text([&] { load_char_text({.path = short_path}); });
  EXPECT_EQ(short_train, short_path + ": the train part has 17 characters; context 64 needs at least 65");
  const std::string hundred = temp_file("hundred.txt", std::string(100, 'x'));
  const std::string short_val = error_text([&] { load_char_text({.path = hundred, .context = 20}); });
  EXPECT_EQ(short_val, hundred + ": the val part has 10 characters; context 20 needs at least 21");

  EXPECT_THROW(load_char_text({.path = hundred, .context = 0}), ConfigError);
  EXPECT_THROW(load_char_text({.path = hundred, .context = 8, .val_fraction = 1.0}), ConfigError);
  EXPECT_THROW(load_char_text({.path = hundred, .context = 8, .val_fraction = -0.5}), ConfigError);
}

}  // namespace
}  // namespace nimbus::data
