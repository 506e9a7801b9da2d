#include "serve/served_model.h"

#include <filesystem>

#include "frontend/autograd/variable.h"
#include "frontend/io/safetensors.h"
#include "models/zoo/model_zoo.h"
#include "runtime/error.h"
#include "runtime/read_file.h"
#include "serve/exported_config.h"

namespace fs = std::filesystem;

namespace nimbus::serve {

std::shared_ptr<ServedModel> ServedModel::load(const std::string& version_dir, Device device) {
  const fs::path folder(version_dir);
  for (const char* file : {"config.yaml", "weights.safetensors", "metadata.json"})
    NIMBUS_CHECK_T(IOError, fs::is_regular_file(folder / file), "'", version_dir, "' is not an exported model: it has no ",
                   file, " (write it with nimbus export RUN_DIR DIR/<model>/<version>)");
  std::shared_ptr<ServedModel> model(new ServedModel());
  const std::string metadata_path = (folder / "metadata.json").string();
  model->metadata_ = parse_metadata_json(io::read_file(metadata_path), metadata_path);

  const ExportedConfig config = read_exported_config((folder / "config.yaml").string());
  const models::ModelSpec& spec = config.model;
  const bool gpt = spec.kind == "gpt";
  model->example_shape_ = spec.input_shape;
  model->input_width_ = shape_numel(spec.input_shape);
  model->output_width_ = spec.classes;
  const ModelMetadata& m = model->metadata_;
  if (gpt) {
    const bool fits = m.inputs.size() == 1 && m.inputs[0].datatype == "INT64" && m.inputs[0].shape == std::vector<int64_t>{-1, -1} &&
                      m.tokens && static_cast<int64_t>(m.tokens->vocabulary.size()) == spec.classes &&
                      m.tokens->max_sequence_length == spec.context;
    NIMBUS_CHECK_T(ParseError, fits, metadata_path, ": expected one INT64 input of shape [-1, -1] and parameters with a vocabulary of ",
                   spec.classes, " and max_sequence_length ", spec.context, " for this gpt, as nimbus export writes");
  } else {
    const TensorSpec& input = m.inputs.at(0);
    NIMBUS_CHECK_T(ParseError, m.inputs.size() == 1 && input.shape.size() == 2 && input.shape[1] == model->input_width_ &&
                                   input.datatype == "FP32" && !m.tokens,
                   metadata_path, ": expected one FP32 input of shape [-1, ", model->input_width_,
                   "] for this model, as nimbus export writes");
  }

  Generator init(config.seed);
  model->dropout_ = std::make_unique<Generator>(config.seed);
  model->module_ = models::build_model(spec, init, *model->dropout_);
  const SafetensorsFile weights = load_safetensors((folder / "weights.safetensors").string());
  model->module_->load_state_dict(weights.tensors);
  model->module_->to(device);
  model->module_->eval();
  model->device_ = device;
  return model;
}

std::vector<float> ServedModel::run(const std::vector<float>& values, int64_t rows) {
  NIMBUS_CHECK_T(ShapeError, !takes_tokens(), "run: this model takes token ids (run_tokens), not FP32 rows");
  NIMBUS_CHECK_T(ShapeError, static_cast<int64_t>(values.size()) == rows * input_width_, "run: ", values.size(),
                 " values are not ", rows, " rows of ", input_width_);
  std::vector<float> prepared = values;
  // The same float multiplication as `nimbus predict`, so both give the same bits.
  if (metadata_.input_scale != 1.0f)
    for (float& v : prepared) v *= metadata_.input_scale;
  Shape shape{rows};
  shape.insert(shape.end(), example_shape_.begin(), example_shape_.end());
  autograd::NoGradGuard no_grad;
  const Tensor inputs = from_vector(prepared, shape).to(device_);
  const Tensor logits = (*module_)(autograd::Variable(inputs)).data();
  return logits.to(Device::cpu()).to_vector<float>();
}

std::vector<float> ServedModel::run_tokens(const std::vector<int64_t>& tokens, int64_t rows) {
  NIMBUS_CHECK_T(ShapeError, takes_tokens(), "run_tokens: this model takes FP32 rows, not token ids");
  NIMBUS_CHECK_T(ShapeError, rows > 0 && !tokens.empty() && static_cast<int64_t>(tokens.size()) % rows == 0, "run_tokens: ",
                 tokens.size(), " ids are not ", rows, " sequences of one length");
  const int64_t length = static_cast<int64_t>(tokens.size()) / rows;
  autograd::NoGradGuard no_grad;
  const Tensor inputs = from_vector(tokens, {rows, length}).to(device_);
  const Tensor logits = (*module_)(autograd::Variable(inputs)).data();  // [rows, length, vocab]
  return logits.select(1, length - 1).contiguous().to(Device::cpu()).to_vector<float>();
}

}  // namespace nimbus::serve
