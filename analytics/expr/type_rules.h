#pragma once
// Which types mix, and into what (DuckDB's implicit promotions, restricted to Nimbus's types).
//
// Note [Type promotion in expressions]
// - Integers widen: int32 with int64 is int64.
// - An integer with a float is float64, and float32 with float64 is float64; float32 with float32
//   stays float32. (DuckDB makes INTEGER + FLOAT a FLOAT; we pick float64 because a float32 holds
//   integers exactly only up to 2^24, and silently rounding an int64 key is worse than the wider
//   result.)
// - date32 with timestamp is timestamp (the date at midnight).
// - Strings, bools and dates mix with nothing else implicitly; a CAST says so when it is meant.
//   The one exception is a string *literal* next to a date or timestamp (d < '2024-01-01'), which
//   the binder parses once at bind time, as SQL does.
#include <optional>

#include "analytics/data_type.h"

namespace nimbus::analytics {

NIMBUS_API std::optional<DataType> common_type(DataType a, DataType b);
// Whether CAST(x AS to) is defined for x of type `from`: every pair except date/timestamp with bool
// or numbers (both ways).
NIMBUS_API bool can_cast(DataType from, DataType to);
inline bool is_integer(DataType type) { return type == DataType::int32 || type == DataType::int64; }
inline bool is_float(DataType type) { return type == DataType::float32 || type == DataType::float64; }
inline bool is_temporal(DataType type) { return type == DataType::date32 || type == DataType::timestamp; }

}  // namespace nimbus::analytics
