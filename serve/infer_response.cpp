#include "serve/infer_response.h"

#include "serve/json_text.h"

namespace nimbus::serve {

std::string infer_response_json(const std::string& model, int64_t version, const std::optional<std::string>& id,
                                 const TensorSpec& output, int64_t rows, const std::vector<float>& values) {
  std::string out;
  out.reserve(128 + values.size() * 12);
  out += "{\"model_name\":";
  append_json_string(out, model);
  out.append(",\"model_version\":\"").append(std::to_string(version)).append("\"");
  if (id) {
    out += ",\"id\":";
    append_json_string(out, *id);
  }
  out += ",\"outputs\":[{\"name\":";
  append_json_string(out, output.name);
  out += ",\"datatype\":";
  append_json_string(out, output.datatype);
  out.append(",\"shape\":[").append(std::to_string(rows));
  for (size_t d = 1; d < output.shape.size(); ++d) out.append(",").append(std::to_string(output.shape[d]));
  out += "],\"data\":[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    append_json_float(out, values[i]);
  }
  out += "]}]}";
  return out;
}

}  // namespace nimbus::serve
