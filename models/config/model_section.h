#pragma once
// The `model` section of a run config (Note [Run config] in run_config.h): the kind and that
// kind's keys, read with the zoo's own checks. Shared by the run-config loader and by the loader
// of exported models (serve/exported_config.h), which needs the model without the rest of a run.
#include "models/config/yaml_section.h"
#include "models/zoo/model_zoo.h"

namespace nimbus::models {

// Reads `s` into `m` (its input_shape and classes come from the data, not from here); every
// problem is added to `problems`.
NIMBUS_API void read_model_section(YamlSection s, ModelSpec& m, ConfigProblems& problems);

}  // namespace nimbus::models
