#pragma once
// What serving needs from an exported model's config.yaml: the model, its input shape and classes,
// and the seed of its dropout generator.
//
// `nimbus export` writes the run's config with the data section replaced by a synthetic stand-in of
// the same shapes (serving_config in model_export.cpp): `data: {dataset: synthetic, kind:
// classification, input_shape, classes}`, or `kind: tokens` with `context` and `classes` (the
// vocabulary) for a gpt. This reads the top-level seed, the model section (the run-config loader's
// own reader, models/config/model_section.h) and those data keys, and ignores the training-only
// sections, so nimbus::inference links no datasets, trainer or analytics.
#include <cstdint>
#include <string>

#include "models/zoo/model_zoo.h"
#include "runtime/macros.h"

namespace nimbus::serve {

struct ExportedConfig {
  uint64_t seed = 0;
  models::ModelSpec model;  // input_shape and classes filled in, validated
};

// Throws ConfigError naming the file, line and key of every problem; IOError when unreadable.
NIMBUS_API ExportedConfig read_exported_config(const std::string& path);

}  // namespace nimbus::serve
