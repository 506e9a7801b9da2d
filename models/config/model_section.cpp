#include "models/config/model_section.h"

namespace nimbus::models {

void read_model_section(YamlSection s, ModelSpec& m, ConfigProblems& problems) {
  s.require("kind");
  s.read("kind", m.kind, model_kinds());
  if (m.kind == "mlp") {
    s.read("hidden", m.hidden, 1, /*allow_empty=*/true);
    s.read("activation", m.activation, mlp_activations());
    s.read("dropout", m.dropout, 0.0, 0.99);
  } else if (m.kind == "cnn") {
    s.read("channels", m.channels, 1);
    s.read("kernel_size", m.kernel_size, 1, 15);
    s.read("fc_width", m.fc_width, 1);
  } else if (m.kind == "resnet") {
    s.read("channels", m.channels, 1);
    s.read("blocks_per_stage", m.blocks_per_stage, 1, 64);
  } else if (m.kind == "gpt") {
    s.read("layers", m.layers, 1, 256);
    s.read("heads", m.heads, 1, 256);
    s.read("width", m.width, 1);
    s.read("context", m.context, 1);
    s.read("dropout", m.dropout, 0.0, 0.99);
  }
  s.reject_unknown("model kind '" + m.kind + "'");
  // The zoo's own checks (e.g. width divisible by heads), so config and zoo report alike.
  for (const std::string& problem : model_spec_problems(m, /*with_data=*/false)) problems.add(problem);
}

}  // namespace nimbus::models
