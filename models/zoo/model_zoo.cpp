// build_model's dispatch and the spec validation shared with the config loader: one set of checks
// and messages whether a spec comes from a YAML file or from code.
#include "models/zoo/model_zoo.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "models/zoo/architectures.h"

namespace nimbus::models {

const std::vector<std::string>& model_kinds() {
  static const std::vector<std::string> kinds = {"mlp", "cnn", "resnet", "gpt"};
  return kinds;
}

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Collects messages "<field>: <bad value> <why>; <what is allowed>".
class Problems {
 public:
  template <typename... Args>
  void add(const Args&... args) {
    list_.push_back(::nimbus::detail::concat(args...));
  }
  void positive(const std::string& field, int64_t value) {
    if (value <= 0) add(field, ": ", value, " must be positive");
  }
  void positive_list(const std::string& field, const std::vector<int64_t>& values, bool may_be_empty) {
    if (values.empty() && !may_be_empty) add(field, ": [] must list at least one width");
    for (size_t i = 0; i < values.size(); ++i) positive(field + "[" + std::to_string(i) + "]", values[i]);
  }
  std::vector<std::string> take() { return std::move(list_); }

 private:
  std::vector<std::string> list_;
};

bool all_positive(const Shape& shape) {
  return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d > 0; });
}

void check_image_input(const ModelSpec& spec, Problems& problems) {
  if (spec.input_shape.size() != 3 || !all_positive(spec.input_shape)) {
    problems.add("model.input_shape: ", shape_str(spec.input_shape), " is not an image; ", spec.kind,
                 " needs {channels, height, width} with positive sizes");
    return;
  }
  if (spec.kind != "cnn" || spec.kernel_size <= 0 || spec.channels.empty()) return;
  // Each cnn stage halves the image (rounding down); it must not vanish before the last one.
  const size_t stages = spec.channels.size();
  const int64_t side = std::min(spec.input_shape[1], spec.input_shape[2]);
  if (detail::cnn_output_side(side, spec.kernel_size, stages) < 1) {
    const int64_t needed = detail::cnn_input_side_needed(spec.kernel_size, stages);
    problems.add("model.input_shape: image ", spec.input_shape[1], "x", spec.input_shape[2], " is too small for ",
                 stages, " stages of 2x2 max pooling (one per model.channels entry); height and width need at least ",
                 needed > 0 ? std::to_string(needed) : std::string("more than 2^62"));
  }
}

void check_data_fields(const ModelSpec& spec, Problems& problems) {
  problems.positive("model.classes", spec.classes);
  if (spec.kind == "mlp") {
    if (spec.input_shape.empty() || !all_positive(spec.input_shape))
      problems.add("model.input_shape: ", shape_str(spec.input_shape),
                   " must have at least one dimension, all positive (mlp flattens it)");
  } else if (spec.kind == "cnn" || spec.kind == "resnet") {
    check_image_input(spec, problems);
  } else if (spec.kind == "gpt") {
    if (spec.input_shape.size() != 1 || spec.input_shape[0] < 1 ||
        (spec.context > 0 && spec.input_shape[0] > spec.context))
      problems.add("model.input_shape: ", shape_str(spec.input_shape),
                   " must be {tokens} with 1 <= tokens <= model.context (", spec.context, ")");
  }
}

}  // namespace

std::vector<std::string> model_spec_problems(const ModelSpec& spec, bool with_data) {
  Problems problems;
  if (!contains(model_kinds(), spec.kind)) {
    problems.add("model.kind: '", spec.kind, "' is not a model kind; allowed: ", joined(model_kinds()));
    return problems.take();  // the other fields' meaning depends on the kind
  }
  if (spec.dtype != DType::f32 && spec.dtype != DType::f64)
    problems.add("model.dtype: ", dtype_name(spec.dtype), " is not supported; allowed: f32, f64");
  if (!(spec.dropout >= 0 && spec.dropout < 1) && (spec.kind == "mlp" || spec.kind == "gpt"))
    problems.add("model.dropout: ", spec.dropout, " is outside [0, 1)");

  if (spec.kind == "mlp") {
    problems.positive_list("model.hidden", spec.hidden, /*may_be_empty=*/true);  // empty: a linear model
    if (!contains(mlp_activations(), spec.activation))
      problems.add("model.activation: '", spec.activation, "' is not known; allowed: ", joined(mlp_activations()));
  } else if (spec.kind == "cnn") {
    problems.positive_list("model.channels", spec.channels, false);
    problems.positive("model.kernel_size", spec.kernel_size);
    problems.positive("model.fc_width", spec.fc_width);
  } else if (spec.kind == "resnet") {
    problems.positive_list("model.channels", spec.channels, false);
    problems.positive("model.blocks_per_stage", spec.blocks_per_stage);
  } else {
    problems.positive("model.layers", spec.layers);
    problems.positive("model.heads", spec.heads);
    problems.positive("model.width", spec.width);
    problems.positive("model.context", spec.context);
    if (spec.width > 0 && spec.heads > 0 && spec.width % spec.heads != 0)
      problems.add("model.width: ", spec.width, " is not divisible by model.heads (", spec.heads,
                   "); allowed: a multiple of the heads");
  }
  if (with_data) check_data_fields(spec, problems);
  return problems.take();
}

void validate_model_spec(const ModelSpec& spec) {
  const std::vector<std::string> problems = model_spec_problems(spec);
  if (problems.empty()) return;
  std::ostringstream message;
  message << "invalid " << spec.kind << " model: ";
  for (size_t i = 0; i < problems.size(); ++i) message << (i ? "; " : "") << problems[i];
  NIMBUS_THROW(ConfigError, message.str());
}

std::shared_ptr<nn::Module> build_model(const ModelSpec& spec, Generator& init, Generator& dropout) {
  validate_model_spec(spec);
  if (spec.kind == "mlp") return detail::build_mlp(spec, init, dropout);
  if (spec.kind == "cnn") return detail::build_cnn(spec, init);
  if (spec.kind == "resnet") return detail::build_resnet(spec, init);
  return detail::build_gpt(spec, init, dropout);
}

}  // namespace nimbus::models
