#pragma once
// safetensors weight files: read, validate and write (the format PyTorch and Hugging Face export).
//
// A file is an 8-byte little-endian header length N, N bytes of JSON (padded with spaces), then the
// data section: every tensor's bytes, row-major and little-endian, packed with no holes. The JSON
// maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
// data section) and may hold "__metadata__", a string -> string map.
//
// Readers validate the whole header before allocating anything and throw ParseError naming the
// file, the tensor and the values; an unreadable file is an IOError; a dtype the format knows but
// nimbus does not (I8, U16, F8_E4M3, ...) is a DTypeError when loading (inspecting still works).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/device.h"
#include "runtime/dtype.h"
#include "runtime/macros.h"
#include "runtime/tensor.h"

namespace nimbus {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using SafetensorsMetadata = std::map<std::string, std::string>;

// The reference implementation refuses larger headers; so do we, before reading or parsing one.
inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

// One tensor as described by the header. `dtype` is the format's name ("F32", "BF16", "I8"...),
// kept as written so that headers with dtypes nimbus cannot load can still be listed.
struct SafetensorsEntry {
  std::string name;
  std::string dtype;
  Shape shape;
  uint64_t begin = 0;  // data_offsets, relative to the start of the data section
  uint64_t end = 0;
  uint64_t nbytes() const { return end - begin; }
};

// A validated header: entries are in data order (by offset), which is the order writers use.
struct SafetensorsHeader {
  std::vector<SafetensorsEntry> tensors;
  SafetensorsMetadata metadata;
  uint64_t header_bytes = 0;  // N: the JSON text with its padding
  uint64_t data_bytes = 0;    // size of the data section
  uint64_t data_start() const { return 8 + header_bytes; }
  uint64_t file_bytes() const { return data_start() + data_bytes; }
};

// Loaded weights: tensors in data order, plus the header's metadata.
struct NIMBUS_API SafetensorsFile {
  NamedTensors tensors;
  SafetensorsMetadata metadata;
  // The tensor called `name`, or nullptr.
  const Tensor* find(std::string_view name) const;
  // The tensor called `name`; throws Error naming it when absent.
  const Tensor& at(std::string_view name) const;
};

// Reads and validates only the header of a file (the data is not read): what `nimbus inspect` shows.
NIMBUS_API SafetensorsHeader read_safetensors_header(const std::string& path);
// Validates the header of a complete file held in memory; `source` names it in messages.
NIMBUS_API SafetensorsHeader parse_safetensors_header(const void* bytes, size_t size, const std::string& source);

// Loads every tensor (each read straight into its own CPU buffer), then moves it to `device`.
NIMBUS_API SafetensorsFile load_safetensors(const std::string& path, Device device = Device::cpu());
// The same from a complete file held in memory; `source` names it in messages.
NIMBUS_API SafetensorsFile parse_safetensors(const void* bytes, size_t size, const std::string& source,
                                             Device device = Device::cpu());

// Writes `tensors` in the given order, with `metadata`, atomically: a temporary file in the same
// folder is written, flushed to disk and renamed over `path`, so a failed or interrupted save never
// leaves a partial file where a good one was. Tensors may live on any device and have any strides.
// Throws IOError naming the path and the system's reason when the file cannot be written, and Error
// for invalid input (undefined tensors, duplicate or reserved names, names that are not UTF-8).
NIMBUS_API void save_safetensors(const std::string& path, const NamedTensors& tensors,
                                 const SafetensorsMetadata& metadata = {});
// The bytes save_safetensors would write.
NIMBUS_API std::vector<uint8_t> serialize_safetensors(const NamedTensors& tensors,
                                                      const SafetensorsMetadata& metadata = {});

// The format's dtype name for a nimbus dtype ("F32", "BF16", "BOOL"...).
NIMBUS_API std::string_view safetensors_dtype_name(DType dtype);
// Whether `name` is a dtype nimbus can load (false for the format's other dtypes and unknown names).
NIMBUS_API bool safetensors_dtype_supported(std::string_view name);

}  // namespace nimbus
