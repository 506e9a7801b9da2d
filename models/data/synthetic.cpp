#include "models/data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "models/data/labeled_table.h"
#include "models/data/permutation.h"
#include "models/data/token_windows.h"
#include "runtime/error.h"
#include "runtime/philox.h"
#include "runtime/random.h"

namespace nimbus::data {

namespace {

// Generated parts are held in memory; this bounds one part (2^31 values, 8 GiB of f32 or 16 GiB of
// token ids) so that a mistyped size fails with a message instead of exhausting memory.
constexpr int64_t kMaxValuesPerPart = int64_t{1} << 31;

constexpr const char* kPartNames[3] = {"train", "val", "test"};

void check_sizes(const SyntheticOptions& o, int64_t values_per_example) {
  NIMBUS_CHECK_T(ConfigError, o.train_size >= 1, "synthetic: train_size ", o.train_size, " must be at least 1");
  NIMBUS_CHECK_T(ConfigError, o.val_size >= 0, "synthetic: val_size ", o.val_size, " must be at least 0");
  NIMBUS_CHECK_T(ConfigError, o.test_size >= 0, "synthetic: test_size ", o.test_size, " must be at least 0");
  for (const int64_t size : {o.train_size, o.val_size, o.test_size}) {
    NIMBUS_CHECK_T(ConfigError, size <= kMaxValuesPerPart / values_per_example, "synthetic: a part of ", size,
                   " examples of ", values_per_example, " values exceeds the limit of ", kMaxValuesPerPart,
                   " values per part");
  }
}

Splits make_classification(const SyntheticOptions& o) {
  NIMBUS_CHECK_T(ConfigError, !o.input_shape.empty(), "synthetic: input_shape must have at least one dim");
  int64_t features = 1;
  for (const int64_t d : o.input_shape) {
    NIMBUS_CHECK_T(ConfigError, d >= 1 && d <= kMaxValuesPerPart, "synthetic: input_shape ", shape_str(o.input_shape),
                   " must have dims of at least 1");
    NIMBUS_CHECK_T(ConfigError, features <= kMaxValuesPerPart / d, "synthetic: input_shape ",
                   shape_str(o.input_shape), " has more than ", kMaxValuesPerPart, " values");
    features *= d;
  }
  NIMBUS_CHECK_T(ConfigError, o.classes >= 2 && o.classes <= kMaxValuesPerPart / features, "synthetic: classes ",
                 o.classes, " must be in 2..", kMaxValuesPerPart / features, " for inputs of ", features, " values");
  NIMBUS_CHECK_T(ConfigError, std::isfinite(o.noise) && o.noise >= 0, "synthetic: noise ", o.noise,
                 " must be a finite number >= 0");
  check_sizes(o, features);

  Generator generator(o.seed);
  const std::vector<float> means = randn({o.classes, features}, DType::f32, generator).to_vector<float>();
  auto table = std::make_shared<LabeledTable>();
  table->name = "synthetic";
  table->example_shape = o.input_shape;
  table->example_text = "examples " + shape_text(o.input_shape);
  table->classes = o.classes;
  SplitIndices split;
  std::vector<int64_t>* part_rows[3] = {&split.train, &split.val, &split.test};
  const int64_t sizes[3] = {o.train_size, o.val_size, o.test_size};
  const auto noise = static_cast<float>(o.noise);
  table->features.reserve(static_cast<size_t>((o.train_size + o.val_size + o.test_size) * features));
  for (int part = 0; part < 3; ++part) {
    const std::vector<float> normal = randn({sizes[part], features}, DType::f32, generator).to_vector<float>();
    for (int64_t i = 0; i < sizes[part]; ++i) {
      const int64_t label = i % o.classes;
      const float* mean = means.data() + label * features;
      const float* z = normal.data() + i * features;
      for (int64_t j = 0; j < features; ++j) table->features.push_back(mean[j] + noise * z[j]);
      part_rows[part]->push_back(table->rows());
      table->labels.push_back(label);
    }
  }
  return labeled_splits(std::move(table), std::move(split));
}

// Uniform in [0, n) from a 32-bit word (multiply-high; bias below n / 2^32).
int64_t uniform_below(uint32_t word, int64_t n) {
  return static_cast<int64_t>((static_cast<uint64_t>(word) * static_cast<uint64_t>(n)) >> 32);
}

Splits make_tokens(const SyntheticOptions& o) {
  NIMBUS_CHECK_T(ConfigError, o.vocab_size >= 2 && o.vocab_size <= (int64_t{1} << 31), "synthetic: vocab_size ",
                 o.vocab_size, " must be in 2..2147483648");
  NIMBUS_CHECK_T(ConfigError, o.context >= 1 && o.context < kMaxValuesPerPart, "synthetic: context ", o.context,
                 " must be at least 1");
  NIMBUS_CHECK_T(ConfigError,
                 std::isfinite(o.successor_probability) && o.successor_probability >= 0 &&
                     o.successor_probability <= 1,
                 "synthetic: successor_probability ", o.successor_probability, " must be in [0, 1]");
  check_sizes(o, 1);
  NIMBUS_CHECK_T(ConfigError, o.train_size <= kMaxValuesPerPart - o.context, "synthetic: train_size ", o.train_size,
                 " + context ", o.context, " exceeds the limit of ", kMaxValuesPerPart, " tokens per part");

  const std::vector<int64_t> successor = philox_permutation(o.vocab_size, o.seed, 0);
  // Compared with a word of 32 random bits: the successor follows when word < threshold.
  const auto threshold = static_cast<uint64_t>(std::ldexp(o.successor_probability, 32));
  auto sequence = std::make_shared<TokenSequence>();
  sequence->name = "synthetic";
  sequence->unit = "tokens";
  sequence->vocab_size = o.vocab_size;
  const int64_t sizes[3] = {o.train_size, o.val_size, o.test_size};
  int64_t begins[3] = {0, 0, 0};
  for (int part = 0; part < 3; ++part) {
    begins[part] = static_cast<int64_t>(sequence->tokens.size());
    if (sizes[part] == 0) continue;
    const auto stream = static_cast<uint64_t>(part + 1);
    const int64_t length = sizes[part] + o.context;
    for (int64_t t = 0; t < length; ++t) {
      const PhiloxBlock block = philox_block(o.seed, stream, static_cast<uint64_t>(t));
      int64_t token = uniform_below(block.v[1], o.vocab_size);
      if (t > 0 && block.v[0] < threshold) token = successor[static_cast<size_t>(sequence->tokens.back())];
      sequence->tokens.push_back(token);
    }
  }
  Splits splits;
  std::shared_ptr<const Dataset>* outputs[3] = {&splits.train, &splits.val, &splits.test};
  for (int part = 0; part < 3; ++part) {
    if (sizes[part] == 0) continue;
    *outputs[part] = std::make_shared<TokenWindows>(sequence, kPartNames[part], begins[part], sizes[part] + o.context,
                                                    o.context);
  }
  return splits;
}

}  // namespace

const std::vector<std::string>& synthetic_kinds() {
  static const std::vector<std::string> kinds = {"classification", "tokens"};
  return kinds;
}

Splits make_synthetic(const SyntheticOptions& options) {
  if (options.kind == "classification") return make_classification(options);
  if (options.kind == "tokens") return make_tokens(options);
  std::string allowed;
  for (const std::string& kind : synthetic_kinds()) allowed += (allowed.empty() ? "" : ", ") + kind;
  NIMBUS_THROW(ConfigError, "synthetic: kind '", options.kind, "' is not one of ", allowed);
}

}  // namespace nimbus::data
