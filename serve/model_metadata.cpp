#include "serve/model_metadata.h"

#include <nlohmann/json.hpp>

#include "runtime/error.h"

namespace nimbus::serve {

namespace {

constexpr int kFormatVersion = 1;

nlohmann::json spec_to_json(const TensorSpec& spec) {
  return {{"name", spec.name}, {"datatype", spec.datatype}, {"shape", spec.shape}};
}

std::vector<TensorSpec> specs_from_json(const nlohmann::json& list, const std::string& where) {
  NIMBUS_CHECK_T(ParseError, list.is_array() && !list.empty(), where, ": expected a non-empty list of tensors");
  std::vector<TensorSpec> specs;
  for (const nlohmann::json& item : list) {
    TensorSpec spec;
    spec.name = item.at("name").get<std::string>();
    spec.datatype = item.at("datatype").get<std::string>();
    spec.shape = item.at("shape").get<std::vector<int64_t>>();
    NIMBUS_CHECK_T(ParseError, !spec.shape.empty(), where, ": tensor '", spec.name, "' has an empty shape");
    for (const int64_t d : spec.shape)
      NIMBUS_CHECK_T(ParseError, d == -1 || d > 0, where, ": tensor '", spec.name, "' has dimension ", d,
                     " (expected -1 or a positive size)");
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace

std::string metadata_to_json(const ModelMetadata& metadata) {
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (const TensorSpec& spec : metadata.inputs) inputs.push_back(spec_to_json(spec));
  for (const TensorSpec& spec : metadata.outputs) outputs.push_back(spec_to_json(spec));
  const nlohmann::json doc = {{"format", kFormatVersion},
                              {"platform", metadata.platform},
                              {"inputs", inputs},
                              {"outputs", outputs},
                              {"preprocessing", {{"scale", metadata.input_scale}}},
                              {"trained_steps", metadata.trained_steps}};
  return doc.dump(2) + "\n";
}

ModelMetadata parse_metadata_json(const std::string& text, const std::string& source) {
  try {
    const nlohmann::json doc = nlohmann::json::parse(text);
    NIMBUS_CHECK_T(ParseError, doc.is_object(), source, ": expected a JSON object");
    const int format = doc.at("format").get<int>();
    NIMBUS_CHECK_T(ParseError, format == kFormatVersion, source, ": format ", format, " is not supported (expected ",
                   kFormatVersion, "); export the run again with this version of nimbus");
    ModelMetadata metadata;
    metadata.platform = doc.value("platform", metadata.platform);
    metadata.inputs = specs_from_json(doc.at("inputs"), source + ": inputs");
    metadata.outputs = specs_from_json(doc.at("outputs"), source + ": outputs");
    if (doc.contains("preprocessing")) metadata.input_scale = doc["preprocessing"].value("scale", 1.0f);
    metadata.trained_steps = doc.value("trained_steps", int64_t{0});
    return metadata;
  } catch (const nlohmann::json::exception& e) {
    NIMBUS_THROW(ParseError, source, ": not valid model metadata: ", e.what());
  }
}

}  // namespace nimbus::serve
