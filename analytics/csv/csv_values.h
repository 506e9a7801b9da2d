#pragma once
// Field text to typed values: what each field could be (for inference), and parsing into a
// ColumnBuilder with a message naming the problem when the text does not fit the type.
#include <cstdint>
#include <string>
#include <string_view>

#include "analytics/column_builder.h"
#include "runtime/macros.h"

namespace nimbus::analytics::csv {

// Note [Type inference masks]
// Every field gets the set of types its text parses as, one bit each in inference order; a
// column's type is the first bit of the AND over its non-null fields. "7" is {int32, int64,
// float64, string}, "1.5" {float64, string}, "2024-01-31" {date32, timestamp, string}, "true"
// {bool, string}; so 7 and 1.5 give float64, dates and timestamps give timestamp, and a number with
// a date gives string. ANDs are order-free, so chunks infer in parallel and combine exactly.
enum TypeBit : uint8_t {
  kBoolBit = 1, kInt32Bit = 2, kInt64Bit = 4, kFloat64Bit = 8, kDateBit = 16, kTimestampBit = 32, kStringBit = 64,
};
inline constexpr uint8_t kAllTypeBits = 127;

NIMBUS_API uint8_t candidate_types(std::string_view text, bool allow_non_finite);
// The first type in the mask; a column with no values (all ones) is string.
NIMBUS_API DataType inferred_type(uint8_t mask);
NIMBUS_API uint8_t type_bit(DataType type);  // float32 counts as float64

// One parsed value of a fixed-width type, as the column stores it (date32 in i32, timestamp in i64).
union Scalar {
  bool b;
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
};

// Whether `text` parses as `type` (not string), exactly when parse_value would accept it, into
// `value`. Plain decimals ("-12", "41.697977") take a fast path; everything else goes through
// parse_value's own parsers.
NIMBUS_API bool parse_scalar(std::string_view text, DataType type, bool allow_non_finite, Scalar& value);
// The same for a column whose type was inferred (not float32): true exactly when `type`'s bit is in
// candidate_types(text) (for int32, int64 and float64 that is parse_scalar's answer).
NIMBUS_API bool fits_inferred(std::string_view text, DataType type, bool allow_non_finite, Scalar& value);

// Parses `text` as `type` and appends it to `builder` (when not null). Returns "" on success, else
// the problem ("'x' is not a number").
NIMBUS_API std::string parse_value(std::string_view text, DataType type, bool allow_non_finite, ColumnBuilder* builder);

}  // namespace nimbus::analytics::csv
