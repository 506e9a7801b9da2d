// Runs a model exported by `nimbus export` inside another program, through the installed nimbus
// package. It loads the model repository with the same code `nimbus serve` uses
// (serve/model_repository.h), so an export that serves also embeds, and runs the rows as one batch
// on the calling thread: no HTTP server and no batcher.
//
// Usage: embed_predict REPOSITORY MODEL[/VERSION] [--device cpu|cuda|auto] (--input FILE | ROW...)
//   REPOSITORY  DIR/<model>/<version>/ folders, as `nimbus export` writes them
//   ROW         one example's raw values, comma-separated (digits: 64 pixel values 0-16), as
//               `nimbus predict` reads them; --input FILE holds one such row per line
// Prints one line per row: the model's outputs (logits), comma-separated, with 9 significant
// digits so each reads back as the exact float.
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/device.h"
#include "serve/model_repository.h"

namespace {

struct Arguments {
  std::string repository, model, version, device = "cpu", input_file;
  std::vector<std::string> rows;
};

Arguments parse_arguments(int argc, char** argv) {
  Arguments args;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--device" || arg == "--input") && i + 1 < argc) (arg == "--device" ? args.device : args.input_file) = argv[++i];
    else positional.push_back(arg);
  }
  if (positional.size() < 2 || (positional.size() == 2) == args.input_file.empty())
    throw std::invalid_argument(
        "usage: embed_predict REPOSITORY MODEL[/VERSION] [--device cpu|cuda|auto] (--input FILE | ROW...)");
  args.repository = positional[0];
  const std::string& name = positional[1];
  const size_t slash = name.find('/');
  args.model = name.substr(0, slash);
  if (slash != std::string::npos) args.version = name.substr(slash + 1);
  args.rows.assign(positional.begin() + 2, positional.end());
  if (!args.input_file.empty()) {
    std::ifstream file(args.input_file);
    if (!file) throw std::invalid_argument(std::string("cannot read ").append(args.input_file));
    for (std::string line; std::getline(file, line);)
      if (!line.empty()) args.rows.push_back(line);
  }
  return args;
}

std::string row_error(size_t number, const std::string& problem) {
  return std::string("row ").append(std::to_string(number)).append(": ").append(problem);
}

// Appends the comma-separated values of `row` to `values`; each row must hold exactly `width`.
void append_row(const std::string& row, int64_t width, size_t number, std::vector<float>& values) {
  std::istringstream fields(row);
  int64_t count = 0;
  for (std::string field; std::getline(fields, field, ',');) {
    char* end = nullptr;
    const float value = std::strtof(field.c_str(), &end);
    while (end && (*end == ' ' || *end == '\r')) ++end;
    if (field.empty() || end == field.c_str() || *end != '\0')
      throw std::invalid_argument(row_error(number, std::string("'").append(field).append("' is not a number")));
    values.push_back(value);
    ++count;
  }
  if (count != width)
    throw std::invalid_argument(row_error(number, std::to_string(count).append(" values; the model takes ").append(
                                                      std::to_string(width))));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Arguments args = parse_arguments(argc, argv);
    const nimbus::Device device = nimbus::Device::parse(args.device);
    const auto repository = nimbus::serve::ModelRepository::open(args.repository, device);
    const nimbus::serve::ModelVersion& version = repository.find(args.model, args.version);
    nimbus::serve::ServedModel& model = *version.served;
    std::vector<float> values;
    for (size_t r = 0; r < args.rows.size(); ++r) append_row(args.rows[r], model.input_width(), r + 1, values);
    const auto rows = static_cast<int64_t>(args.rows.size());
    // One batch, as `nimbus predict` runs up to 256 rows: the same rows together give the same bits.
    const std::vector<float> outputs = model.run(values, rows);
    std::cerr << "embed_predict: " << version.model << " version " << version.version << " on " << device.str()
              << ": " << rows << " row(s)\n";
    std::cout << std::setprecision(9);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < model.output_width(); ++c)
        std::cout << (c ? "," : "") << outputs[static_cast<size_t>(r * model.output_width() + c)];
      std::cout << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "embed_predict: " << e.what() << "\n";
    return 1;
  }
}
