#include "runtime/dtype.h"

#include "runtime/error.h"

namespace nimbus {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::f64:
    case DType::i64: return 8;
    case DType::f32:
    case DType::i32: return 4;
    case DType::f16:
    case DType::bf16: return 2;
    case DType::u8:
    case DType::boolean: return 1;
  }
  NIMBUS_THROW(DTypeError, "dtype_size: invalid dtype ", static_cast<int>(t));
}

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
    case DType::u8: return "u8";
    case DType::boolean: return "bool";
  }
  return "invalid";
}

DType parse_dtype(std::string_view name) {
  struct Alias {
    std::string_view name;
    DType type;
  };
  static constexpr Alias kAliases[] = {
      {"f32", DType::f32},    {"float32", DType::f32},   {"float", DType::f32},
      {"f64", DType::f64},    {"float64", DType::f64},   {"double", DType::f64},
      {"f16", DType::f16},    {"float16", DType::f16},   {"half", DType::f16},
      {"bf16", DType::bf16},  {"bfloat16", DType::bf16}, {"i32", DType::i32},
      {"int32", DType::i32},  {"i64", DType::i64},       {"int64", DType::i64},
      {"u8", DType::u8},      {"uint8", DType::u8},      {"bool", DType::boolean},
  };
  for (const auto& alias : kAliases)
    if (alias.name == name) return alias.type;
  NIMBUS_THROW(ParseError, "unknown dtype '", name,
               "' (expected one of f32, f64, f16, bf16, i32, i64, u8, bool)");
}

bool is_floating(DType t) {
  return t == DType::f32 || t == DType::f64 || t == DType::f16 || t == DType::bf16;
}
bool is_integral(DType t) { return t == DType::i32 || t == DType::i64 || t == DType::u8; }

namespace {
// Position in the promotion lattice (Note [Type promotion]); f16 and bf16 share a rank.
int promotion_rank(DType t) {
  switch (t) {
    case DType::boolean: return 0;
    case DType::u8: return 1;
    case DType::i32: return 2;
    case DType::i64: return 3;
    case DType::f16:
    case DType::bf16: return 4;
    case DType::f32: return 5;
    case DType::f64: return 6;
  }
  return -1;
}
}  // namespace

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  const int ra = promotion_rank(a), rb = promotion_rank(b);
  if (ra == rb) return DType::f32;  // f16 with bf16: neither holds the other
  return ra > rb ? a : b;
}

DType promote_with_scalar(DType tensor, bool scalar_is_floating) {
  if (scalar_is_floating) return is_floating(tensor) ? tensor : kDefaultFloat;
  return tensor == DType::boolean ? DType::i64 : tensor;
}

}  // namespace nimbus
