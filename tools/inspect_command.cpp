// `nimbus inspect FILE.safetensors [--json]`: what a weights file holds, without loading it.
// Only the header is read and validated (the same checks a load makes on it), so a multi-GB file is
// described in milliseconds; a file that would not load fails here with the loader's message.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "frontend/io/safetensors.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct InspectOptions {
  std::string file;
  bool json = false;
};

int64_t entry_numel(const SafetensorsEntry& e) { return shape_numel(e.shape); }

void print_json(const std::string& file, const SafetensorsHeader& h) {
  nlohmann::ordered_json out;
  out["file"] = file;
  out["file_bytes"] = h.file_bytes();
  out["header_bytes"] = h.header_bytes;
  out["data_bytes"] = h.data_bytes;
  out["metadata"] = nlohmann::ordered_json::object();
  for (const auto& [key, value] : h.metadata) out["metadata"][key] = value;
  out["tensors"] = nlohmann::ordered_json::array();
  int64_t elements = 0;
  bool loadable = true;
  for (const SafetensorsEntry& e : h.tensors) {
    const bool supported = safetensors_dtype_supported(e.dtype);
    out["tensors"].push_back({{"name", e.name},
                              {"dtype", e.dtype},
                              {"shape", e.shape},
                              {"elements", entry_numel(e)},
                              {"bytes", e.nbytes()},
                              {"data_offsets", nlohmann::ordered_json::array({e.begin, e.end})},
                              {"supported", supported}});
    elements += entry_numel(e);
    loadable = loadable && supported;
  }
  out["total_tensors"] = h.tensors.size();
  out["total_elements"] = elements;
  out["total_bytes"] = h.data_bytes;
  out["loadable"] = loadable;
  std::cout << out.dump() << "\n";
}

void print_text(const std::string& file, const SafetensorsHeader& h) {
  std::cout << "file: " << file << " (" << h.file_bytes() << " bytes: header " << h.header_bytes << ", data "
            << h.data_bytes << ")\n";
  if (!h.metadata.empty()) {
    std::cout << "metadata:\n";
    for (const auto& [key, value] : h.metadata) std::cout << "  " << key << ": " << value << "\n";
  }
  // Columns sized to their widest cell, so the listing lines up for any names.
  std::vector<std::vector<std::string>> rows = {{"name", "dtype", "shape", "bytes"}};
  std::vector<std::string> unsupported;
  int64_t elements = 0;
  for (const SafetensorsEntry& e : h.tensors) {
    rows.push_back({e.name, e.dtype, shape_str(e.shape), std::to_string(e.nbytes())});
    elements += entry_numel(e);
    if (!safetensors_dtype_supported(e.dtype)) unsupported.push_back("'" + e.name + "' (" + e.dtype + ")");
  }
  std::vector<size_t> width(4, 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::cout << " ";
    for (size_t c = 0; c < row.size(); ++c) {
      const bool right = c == 3;  // numbers align right
      const std::string pad(width[c] - row[c].size(), ' ');
      std::cout << " " << (right ? pad + row[c] : row[c] + (c + 1 < row.size() ? pad : ""));
    }
    std::cout << "\n";
  }
  std::cout << "total: " << h.tensors.size() << " tensors, " << elements << " elements, " << h.data_bytes
            << " bytes\n";
  if (!unsupported.empty()) {
    std::cout << "not loadable by nimbus (dtype not supported):";
    for (const auto& u : unsupported) std::cout << " " << u;
    std::cout << "\n";
  }
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  static InspectOptions options;
  auto* cmd = app.add_subcommand("inspect", "List the tensors and metadata of a safetensors file");
  cmd->add_option("file", options.file, "The .safetensors file")->required();
  cmd->add_flag("--json", options.json, "Print one JSON object instead of a table");
  cmd->callback([] {
    // Errors (unreadable or malformed file) propagate to main, which prints one line and exits 1.
    const SafetensorsHeader header = read_safetensors_header(options.file);
    if (options.json) print_json(options.file, header);
    else print_text(options.file, header);
  });
}

}  // namespace nimbus::tools
