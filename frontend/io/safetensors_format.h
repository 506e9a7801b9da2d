#pragma once
// Internals shared by the safetensors reader and writer (not exported from the library).
#include <cstdint>
#include <string>
#include <string_view>

#include "frontend/io/safetensors.h"

namespace nimbus::detail {

// A dtype of the format: its name, its width in bits (F4 and F6 pack below a byte), and the nimbus
// dtype it loads as when nimbus has one.
struct SafetensorsDTypeInfo {
  std::string_view name;
  unsigned bits;
  bool supported;
  DType dtype;  // meaningful only when supported
};

// The entry for a format dtype name, or nullptr for names the format does not define.
const SafetensorsDTypeInfo* find_safetensors_dtype(std::string_view name);

// Reads N from the 8-byte prefix of a file of `file_bytes` bytes and checks it against the file
// size and the header cap. Throws ParseError naming `source`.
uint64_t checked_header_length(const unsigned char* prefix, uint64_t file_bytes, const std::string& source);

// Parses and validates the JSON header text (N bytes) of a file whose data section has
// `data_bytes` bytes: types, dtypes, shapes, offsets, coverage, duplicates, metadata.
SafetensorsHeader parse_header_json(std::string_view json, uint64_t data_bytes, const std::string& source);

// Byte offset of the first invalid UTF-8 sequence in `text`, or npos when it is all valid.
size_t find_invalid_utf8(std::string_view text);

}  // namespace nimbus::detail
