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

nlohmann::json token_parameters_json(const TokenModel& tokens) {
  return {{"vocabulary", vocabulary_to_latin1_utf8(tokens.vocabulary)},
          {"vocabulary_size", static_cast<int64_t>(tokens.vocabulary.size())},
          {"max_sequence_length", tokens.max_sequence_length}};
}

TokenModel token_model_from_json(const nlohmann::json& parameters, const std::string& where) {
  TokenModel tokens;
  tokens.vocabulary = vocabulary_from_latin1_utf8(parameters.at("vocabulary").get<std::string>(), where);
  tokens.max_sequence_length = parameters.at("max_sequence_length").get<int64_t>();
  NIMBUS_CHECK_T(ParseError, !tokens.vocabulary.empty(), where, ": the vocabulary is empty");
  NIMBUS_CHECK_T(ParseError, tokens.max_sequence_length > 0, where, ": max_sequence_length ",
                 tokens.max_sequence_length, " is not positive");
  return tokens;
}

int instances_from_json(const nlohmann::json& value, const std::string& where) {
  NIMBUS_CHECK_T(ParseError, value.is_number_integer() && value.get<int64_t>() >= 1 && value.get<int64_t>() <= kMaxInstances,
                 where, ": instances must be a whole number from 1 to ", kMaxInstances, ", got ", value.dump());
  return value.get<int>();
}

}  // namespace

std::string vocabulary_to_latin1_utf8(const std::string& bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      text.push_back(c);
    } else {
      text.push_back(static_cast<char>(0xC0 | (b >> 6)));
      text.push_back(static_cast<char>(0x80 | (b & 0x3F)));
    }
  }
  return text;
}

std::string vocabulary_from_latin1_utf8(const std::string& text, const std::string& where) {
  std::string bytes;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      bytes.push_back(text[i]);
      continue;
    }
    // Only U+0080..U+00FF (lead byte 0xC2 or 0xC3) stands for a byte.
    const bool two_byte = (b == 0xC2 || b == 0xC3) && i + 1 < text.size() &&
                          (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80;
    NIMBUS_CHECK_T(ParseError, two_byte, where, ": the vocabulary has a character above U+00FF at byte ", i,
                   " (each character stands for one byte)");
    bytes.push_back(static_cast<char>(((b & 0x03) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F)));
    ++i;
  }
  return bytes;
}

std::string metadata_to_json(const ModelMetadata& metadata) {
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (const TensorSpec& spec : metadata.inputs) inputs.push_back(spec_to_json(spec));
  for (const TensorSpec& spec : metadata.outputs) outputs.push_back(spec_to_json(spec));
  nlohmann::json doc = {{"format", kFormatVersion},
                        {"platform", metadata.platform},
                        {"inputs", inputs},
                        {"outputs", outputs},
                        {"preprocessing", {{"scale", metadata.input_scale}}},
                        {"trained_steps", metadata.trained_steps}};
  // The same object the model metadata endpoint answers with (Note [Token model]).
  if (metadata.tokens) doc["parameters"] = token_parameters_json(*metadata.tokens);
  if (metadata.instances) doc["instances"] = *metadata.instances;
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
    if (doc.contains("parameters")) metadata.tokens = token_model_from_json(doc["parameters"], source + ": parameters");
    if (doc.contains("instances")) metadata.instances = instances_from_json(doc["instances"], source);
    return metadata;
  } catch (const nlohmann::json::exception& e) {
    NIMBUS_THROW(ParseError, source, ": not valid model metadata: ", e.what());
  }
}

}  // namespace nimbus::serve
