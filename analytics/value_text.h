#pragma once
// Values as text, shared by table printing and the CSV writer, so both write what the CSV reader
// reads back to the same value: shortest round-trip floats (std::to_chars), "true"/"false",
// YYYY-MM-DD dates and "YYYY-MM-DD HH:MM:SS[.ffffff]" timestamps.
#include <cstdint>
#include <string>

#include "runtime/macros.h"

namespace nimbus::analytics {

class Column;

// Value i of `column` (which must not be null there) as text.
NIMBUS_API std::string format_value(const Column& column, int64_t i);
NIMBUS_API std::string format_float64(double value);  // "0.1", "1e+300", "nan", "inf", "-inf"
NIMBUS_API std::string format_float32(float value);

}  // namespace nimbus::analytics
