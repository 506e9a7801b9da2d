#include "frontend/nn/serialize.h"

#include "frontend/io/safetensors.h"

namespace nimbus::nn {

void save_module(const Module& module, const std::string& path, const std::map<std::string, std::string>& metadata) {
  const StateDict state = module.state_dict();
  save_safetensors(path, NamedTensors(state.begin(), state.end()), metadata);
}

void load_module(Module& module, const std::string& path, bool strict) {
  const SafetensorsFile file = load_safetensors(path);
  module.load_state_dict(StateDict(file.tensors.begin(), file.tensors.end()), strict);
}

}  // namespace nimbus::nn
