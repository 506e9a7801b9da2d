// Validation of safetensors headers.
//
// Design note: a header comes from a file we did not write, so nothing in it is trusted until it
// has been checked against the format's rules and against the size of the file: the header length
// is capped and compared with the file size before it is read; the text must be UTF-8 and JSON
// whose nesting is shallow (no legitimate header nests deeper than entry -> shape), which bounds
// what the parser can be made to build; duplicate keys are caught while parsing (JSON parsers keep
// the last one silently); shapes are multiplied with overflow checks; and the data ranges must
// tile the data section exactly, as the format requires (no overlaps, no holes, nothing left
// over), which also rules out polyglot files. Only then does a reader allocate, and only what the
// header asks for, which is at most the size of the file. Each failure is one ParseError that
// names the file, the tensor and the offending values.
#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "frontend/io/safetensors_format.h"
#include "runtime/error.h"

namespace nimbus {
namespace detail {

namespace {

using Json = nlohmann::ordered_json;

// Every dtype the format defines (safetensors 0.8), and how nimbus loads it.
constexpr SafetensorsDTypeInfo kDTypes[] = {
    {"F32", 32, true, DType::f32},         {"F64", 64, true, DType::f64},
    {"F16", 16, true, DType::f16},         {"BF16", 16, true, DType::bf16},
    {"I64", 64, true, DType::i64},         {"I32", 32, true, DType::i32},
    {"U8", 8, true, DType::u8},            {"BOOL", 8, true, DType::boolean},
    {"I8", 8, false, DType::u8},           {"I16", 16, false, DType::u8},
    {"U16", 16, false, DType::u8},         {"U32", 32, false, DType::u8},
    {"U64", 64, false, DType::u8},         {"C64", 64, false, DType::u8},
    {"F8_E4M3", 8, false, DType::u8},      {"F8_E5M2", 8, false, DType::u8},
    {"F8_E8M0", 8, false, DType::u8},      {"F8_E4M3FNUZ", 8, false, DType::u8},
    {"F8_E5M2FNUZ", 8, false, DType::u8},  {"F6_E2M3", 6, false, DType::u8},
    {"F6_E3M2", 6, false, DType::u8},      {"F4", 4, false, DType::u8},
};

// Legitimate headers nest three levels (header -> entry -> shape); one more lets a misplaced
// array or object still get a message about its type rather than about depth.
constexpr int kMaxDepth = 4;

std::string describe(const Json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_null()) return "null";
  std::string text = v.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return v.is_string() ? "the string " + text : text;
}

// Rejects deep nesting before the JSON parser builds anything (a 100 MB header of '[' would
// otherwise become tens of millions of nested values).
void check_depth(std::string_view text, const std::string& source) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      NIMBUS_CHECK_T(ParseError, ++depth <= kMaxDepth, source, ": header nests JSON more than ", kMaxDepth,
                     " levels deep (at byte ", i, "); a safetensors header is {name: {dtype, shape, data_offsets}}");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
}

// Parses the header text, refusing duplicate keys (which JSON parsers otherwise resolve silently,
// so two readers could see different tensors in the same file).
Json parse_json(std::string_view text, const std::string& source) {
  std::vector<std::set<std::string>> seen;  // keys of each open object
  std::string entry;                        // the top-level key being parsed
  const Json::parser_callback_t on_event = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        seen.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        seen.pop_back();
        break;
      case Json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (seen.size() == 1) entry = key;
        if (!seen.back().insert(key).second) {
          if (seen.size() == 1) NIMBUS_THROW(ParseError, source, ": '", key, "' appears twice in the header");
          NIMBUS_THROW(ParseError, source, ": ", entry == "__metadata__" ? "__metadata__" : "tensor '" + entry + "'",
                       ": key '", key, "' appears twice");
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), on_event);
  } catch (const Json::parse_error& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep its position and reason.
    std::string reason = e.what();
    if (const size_t tag_end = reason.find("] "); reason.starts_with("[json.") && tag_end != std::string::npos)
      reason = reason.substr(tag_end + 2);
    NIMBUS_THROW(ParseError, source, ": header is not valid JSON: ", reason);
  }
}

// A JSON value that must be a non-negative integer (shape dims, offsets).
uint64_t as_count(const Json& v, const std::string& where, const char* what, const Json& whole) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer())
    NIMBUS_THROW(ParseError, where, ": ", what, " ", whole.dump(), " has a negative value ", v.dump());
  std::string text = whole.dump();
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  NIMBUS_THROW(ParseError, where, ": ", what, " ", text, " has ", describe(v), ", expected non-negative integers");
}

SafetensorsEntry parse_entry(const std::string& name, const Json& value, uint64_t data_bytes,
                             const std::string& source) {
  const std::string where = source + ": tensor '" + name + "'";
  NIMBUS_CHECK_T(ParseError, value.is_object(), where, ": entry is ", describe(value),
                 ", expected an object with dtype, shape and data_offsets");
  auto field = [&](const char* key) -> const Json& {
    const auto it = value.find(key);
    NIMBUS_CHECK_T(ParseError, it != value.end(), where, ": entry has no \"", key, "\"");
    return *it;
  };
  SafetensorsEntry e;
  e.name = name;

  const Json& dtype = field("dtype");
  NIMBUS_CHECK_T(ParseError, dtype.is_string(), where, ": dtype is ", describe(dtype), ", expected a string");
  e.dtype = dtype.get<std::string>();
  const SafetensorsDTypeInfo* info = find_safetensors_dtype(e.dtype);
  if (!info) {
    std::string known;
    for (const auto& d : kDTypes) known += (known.empty() ? "" : ", ") + std::string(d.name);
    NIMBUS_THROW(ParseError, where, ": unknown dtype '", e.dtype, "' (the format defines ", known, ")");
  }

  const Json& shape = field("shape");
  NIMBUS_CHECK_T(ParseError, shape.is_array(), where, ": shape is ", describe(shape), ", expected an array of dims");
  // `extent` multiplies the non-zero dims: an empty tensor needs no bytes, but its strides are
  // still products of its dims and must fit in int64.
  uint64_t numel = 1, extent = 1;
  bool overflow = false;
  for (const Json& d : shape) {
    const uint64_t dim = as_count(d, where, "shape", shape);
    e.shape.push_back(static_cast<int64_t>(dim));
    overflow = overflow || __builtin_mul_overflow(numel, dim, &numel) ||
               __builtin_mul_overflow(extent, std::max<uint64_t>(dim, 1), &extent) ||
               extent > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  }

  const Json& offsets = field("data_offsets");
  NIMBUS_CHECK_T(ParseError, offsets.is_array() && offsets.size() == 2, where, ": data_offsets is ",
                 offsets.is_array() ? offsets.dump() : describe(offsets), ", expected [begin, end]");
  e.begin = as_count(offsets[0], where, "data_offsets", offsets);
  e.end = as_count(offsets[1], where, "data_offsets", offsets);
  const std::string range = concat("[", e.begin, ", ", e.end, "]");
  NIMBUS_CHECK_T(ParseError, e.begin <= e.end, where, ": data_offsets ", range, " are reversed (begin > end)");

  uint64_t bits = 0;
  overflow = overflow || __builtin_mul_overflow(numel, uint64_t{info->bits}, &bits);
  NIMBUS_CHECK_T(ParseError, !overflow, where, ": shape ", shape.dump(), " is too large (its sizes overflow 64 bits)");
  NIMBUS_CHECK_T(ParseError, bits % 8 == 0, where, ": ", e.dtype, " shape ", shape_str(e.shape), " holds ", bits,
                 " bits, not a whole number of bytes");
  NIMBUS_CHECK_T(ParseError, bits / 8 == e.nbytes(), where, ": shape ", shape_str(e.shape), " needs ", bits / 8,
                 " bytes, data_offsets ", range, " hold ", e.nbytes());
  NIMBUS_CHECK_T(ParseError, e.end <= data_bytes, where, ": data_offsets ", range,
                 " reach past the end of the data section (", data_bytes, " bytes)");
  return e;
}

SafetensorsMetadata parse_metadata(const Json& value, const std::string& source) {
  NIMBUS_CHECK_T(ParseError, value.is_object(), source, ": __metadata__ is ", describe(value),
                 ", expected an object of strings");
  SafetensorsMetadata metadata;
  for (const auto& [key, v] : value.items()) {
    NIMBUS_CHECK_T(ParseError, v.is_string(), source, ": __metadata__ '", key, "' is ", describe(v),
                   ", expected a string (metadata maps strings to strings)");
    metadata.emplace(key, v.get<std::string>());
  }
  return metadata;
}

// The ranges, sorted, must tile [0, data_bytes): each begins where the previous ended.
void check_coverage(const std::vector<SafetensorsEntry>& sorted, uint64_t data_bytes, const std::string& source) {
  uint64_t covered = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const SafetensorsEntry& e : sorted) {
    if (e.begin < covered) {
      NIMBUS_THROW(ParseError, source, ": tensors '", previous->name, "' (data_offsets [", previous->begin, ", ",
                   previous->end, "]) and '", e.name, "' (data_offsets [", e.begin, ", ", e.end, "]) overlap");
    }
    NIMBUS_CHECK_T(ParseError, e.begin == covered, source, ": bytes [", covered, ", ", e.begin,
                   ") of the data section belong to no tensor (before tensor '", e.name,
                   "'); the format allows no holes");
    covered = e.end;
    previous = &e;
  }
  NIMBUS_CHECK_T(ParseError, covered == data_bytes, source, ": the data section has ", data_bytes,
                 " bytes but the tensors cover only ", covered, "; bytes [", covered, ", ", data_bytes,
                 ") belong to no tensor (the format allows no holes)");
}

}  // namespace

const SafetensorsDTypeInfo* find_safetensors_dtype(std::string_view name) {
  for (const auto& d : kDTypes)
    if (d.name == name) return &d;
  return nullptr;
}

size_t find_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return i;
    if (i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong encodings, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    constexpr uint32_t kMinCodePoint[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinCodePoint[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

uint64_t checked_header_length(const unsigned char* prefix, uint64_t file_bytes, const std::string& source) {
  NIMBUS_CHECK_T(ParseError, file_bytes >= 8, source, ": file is ", file_bytes,
                 " bytes, too short for a safetensors file (it starts with an 8-byte header length)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | prefix[i];  // little-endian on every host
  NIMBUS_CHECK_T(ParseError, n <= file_bytes - 8, source, ": header length ", n, " is larger than the ",
                 file_bytes - 8, " bytes that follow it (truncated, or not a safetensors file)");
  NIMBUS_CHECK_T(ParseError, n <= kSafetensorsMaxHeaderBytes, source, ": header length ", n,
                 " exceeds the limit of ", kSafetensorsMaxHeaderBytes, " bytes");
  return n;
}

SafetensorsHeader parse_header_json(std::string_view json, uint64_t data_bytes, const std::string& source) {
  NIMBUS_CHECK_T(ParseError, !json.empty(), source, ": header is empty (length 0)");
  if (const size_t bad = find_invalid_utf8(json); bad != std::string_view::npos) {
    NIMBUS_THROW(ParseError, source, ": header is not valid UTF-8 (byte ", bad, " of the header)");
  }
  // The format requires the text to start with '{' (no leading whitespace), which also keeps
  // other JSON documents from passing as headers.
  NIMBUS_CHECK_T(ParseError, json.front() == '{', source, ": header does not start with '{' (found byte 0x",
                 std::hex, static_cast<int>(static_cast<unsigned char>(json.front())), std::dec, ")");
  check_depth(json, source);
  const Json root = parse_json(json, source);
  NIMBUS_CHECK_T(ParseError, root.is_object(), source, ": header is ", describe(root), ", expected a JSON object");

  SafetensorsHeader header;
  header.header_bytes = json.size();
  header.data_bytes = data_bytes;
  header.tensors.reserve(root.size());
  for (const auto& [name, value] : root.items()) {
    if (name == "__metadata__") header.metadata = parse_metadata(value, source);
    else header.tensors.push_back(parse_entry(name, value, data_bytes, source));
  }
  // Data order, with header order breaking ties between empty tensors at the same offset.
  std::stable_sort(header.tensors.begin(), header.tensors.end(), [](const auto& a, const auto& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  check_coverage(header.tensors, data_bytes, source);
  return header;
}

}  // namespace detail

std::string_view safetensors_dtype_name(DType dtype) {
  for (const auto& d : detail::kDTypes)
    if (d.supported && d.dtype == dtype) return d.name;
  NIMBUS_THROW(DTypeError, "safetensors: no format dtype for ", dtype_name(dtype));
}

bool safetensors_dtype_supported(std::string_view name) {
  const detail::SafetensorsDTypeInfo* info = detail::find_safetensors_dtype(name);
  return info && info->supported;
}

}  // namespace nimbus
