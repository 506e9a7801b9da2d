#pragma once
// The datasets a run config names (data.dataset), built from the models/data/ readers.
#include <optional>

#include "models/config/run_config.h"
#include "models/data/dataset.h"
#include "models/data/vocabulary.h"

namespace nimbus::models {

struct RunData {
  data::Splits splits;
  std::optional<data::Vocabulary> vocabulary;  // text datasets: to encode prompts and decode samples
};

// `seed` seeds synthetic data (digits and csv use data.split_seed for their split).
NIMBUS_API RunData load_run_data(const DataConfig& config, uint64_t seed);

}  // namespace nimbus::models
