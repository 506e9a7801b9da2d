#pragma once
// A module's state dict to and from a safetensors file (the format PyTorch and Hugging Face
// use), so weights move between nimbus and PyTorch by name.
#include <map>
#include <string>

#include "frontend/nn/module.h"

namespace nimbus::nn {

// Writes parameters and buffers atomically (Note in frontend/io/safetensors.cpp).
NIMBUS_API void save_module(const Module& module, const std::string& path,
                            const std::map<std::string, std::string>& metadata = {});
// Loads by name with load_state_dict's checks (strict: every key, matching shapes).
NIMBUS_API void load_module(Module& module, const std::string& path, bool strict = true);

}  // namespace nimbus::nn
