#include "models/data/char_text.h"

#include <cmath>
#include <memory>

#include "models/data/text_file.h"
#include "models/data/token_windows.h"
#include "runtime/error.h"

namespace nimbus::data {

CharText load_char_text(const CharTextOptions& options) {
  NIMBUS_CHECK_T(ConfigError, !options.path.empty(), "char_text: no path given");
  NIMBUS_CHECK_T(ConfigError, options.context >= 1, "char_text: context ", options.context, " must be at least 1");
  NIMBUS_CHECK_T(ConfigError, std::isfinite(options.val_fraction) && options.val_fraction >= 0 &&
                                  options.val_fraction < 1,
                 "char_text: val_fraction ", options.val_fraction, " must be in [0, 1)");
  const std::string text = read_data_file(options.path);
  NIMBUS_CHECK_T(ParseError, !text.empty(), options.path, ": the file is empty");

  Vocabulary vocabulary = Vocabulary::of_text(text);
  auto sequence = std::make_shared<TokenSequence>();
  sequence->name = file_name(options.path);
  sequence->unit = "characters";
  sequence->vocab_size = vocabulary.size();
  sequence->tokens = vocabulary.encode(text);

  const auto total = static_cast<int64_t>(text.size());
  const auto val_length = static_cast<int64_t>(std::floor(static_cast<double>(total) * options.val_fraction + 1e-9));
  const int64_t train_length = total - val_length;
  const auto check_part = [&](const char* part, int64_t length) {
    NIMBUS_CHECK_T(ConfigError, length >= options.context + 1, options.path, ": the ", part, " part has ", length,
                   " characters; context ", options.context, " needs at least ", options.context + 1);
  };
  check_part("train", train_length);
  if (val_length > 0) check_part("val", val_length);
  Splits splits;
  splits.train = std::make_shared<TokenWindows>(sequence, "train", 0, train_length, options.context);
  if (val_length > 0) {
    splits.val = std::make_shared<TokenWindows>(sequence, "val", train_length, val_length, options.context);
  }
  return {std::move(vocabulary), std::move(splits)};
}

}  // namespace nimbus::data
