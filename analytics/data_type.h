#pragma once
// The logical types of analytics columns and how each is stored (its Arrow physical layout).
#include <cstdint>
#include <ostream>
#include <string_view>
#include <type_traits>

#include "runtime/macros.h"

namespace nimbus::analytics {

// bool is bit-packed (Arrow's layout, 8 values a byte); date32 is int32 days since 1970-01-01;
// timestamp is int64 microseconds since 1970-01-01 00:00:00 (no time zone); string is UTF-8 as
// int32 offsets + characters.
enum class DataType : uint8_t { boolean, int32, int64, float32, float64, string, date32, timestamp };

inline constexpr int kNumDataTypes = 8;

NIMBUS_API std::string_view data_type_name(DataType type);  // "bool", "int32", ..., "timestamp"
// Accepts the names above and the aliases "boolean", "int", "bigint", "float", "double", "date",
// "varchar", "text"; throws ConfigError listing the names for anything else.
NIMBUS_API DataType parse_data_type(std::string_view name);
// Bytes per value for the fixed-width types (date32 4, timestamp 8); 0 for bool (bits) and string.
NIMBUS_API int64_t fixed_width(DataType type);
inline bool is_fixed_width(DataType type) { return type != DataType::boolean && type != DataType::string; }
inline bool is_numeric(DataType type) {
  return type == DataType::int32 || type == DataType::int64 || type == DataType::float32 ||
         type == DataType::float64;
}

inline std::ostream& operator<<(std::ostream& out, DataType type) { return out << data_type_name(type); }

// The C++ type that holds one value of a fixed-width type, for typed access.
template <DataType type>
struct physical_type;
template <> struct physical_type<DataType::int32> { using type = int32_t; };
template <> struct physical_type<DataType::int64> { using type = int64_t; };
template <> struct physical_type<DataType::float32> { using type = float; };
template <> struct physical_type<DataType::float64> { using type = double; };
template <> struct physical_type<DataType::date32> { using type = int32_t; };
template <> struct physical_type<DataType::timestamp> { using type = int64_t; };
template <DataType type>
using physical_t = typename physical_type<type>::type;

// Whether values of `type` are stored as the C++ type T (int32_t for int32 and date32, ...).
template <typename T>
bool stores_as(DataType type) {
  if constexpr (std::is_same_v<T, int32_t>) return type == DataType::int32 || type == DataType::date32;
  if constexpr (std::is_same_v<T, int64_t>) return type == DataType::int64 || type == DataType::timestamp;
  if constexpr (std::is_same_v<T, float>) return type == DataType::float32;
  if constexpr (std::is_same_v<T, double>) return type == DataType::float64;
  return false;
}

}  // namespace nimbus::analytics
