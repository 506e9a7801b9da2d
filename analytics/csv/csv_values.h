#pragma once
// Field text to typed values: what each field could be (for inference), and parsing into a
// ColumnBuilder with a message naming the problem when the text does not fit the type.
#include <cstdint>
#include <string>
#include <string_view>

#include "analytics/column_builder.h"

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

uint8_t candidate_types(std::string_view text, bool allow_non_finite);
// The first type in the mask; a column with no values (all ones) is string.
DataType inferred_type(uint8_t mask);
uint8_t type_bit(DataType type);  // float32 counts as float64

// Parses `text` as `type` and appends it to `builder` (when not null). Returns "" on success, else
// the problem ("'x' is not a number").
std::string parse_value(std::string_view text, DataType type, bool allow_non_finite, ColumnBuilder* builder);

}  // namespace nimbus::analytics::csv
