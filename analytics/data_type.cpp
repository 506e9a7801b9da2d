#include "analytics/data_type.h"

#include <array>
#include <string>

#include "runtime/error.h"

namespace nimbus::analytics {

namespace {

constexpr std::array<std::string_view, kNumDataTypes> kNames = {"bool",   "int32",  "int64", "float32",
                                                                 "float64", "string", "date32", "timestamp"};

}  // namespace

std::string_view data_type_name(DataType type) { return kNames.at(static_cast<size_t>(type)); }

DataType parse_data_type(std::string_view name) {
  for (int t = 0; t < kNumDataTypes; ++t) {
    if (kNames[static_cast<size_t>(t)] == name) return static_cast<DataType>(t);
  }
  struct Alias {
    std::string_view name;
    DataType type;
  };
  static constexpr Alias kAliases[] = {{"boolean", DataType::boolean}, {"int", DataType::int32},
                                       {"integer", DataType::int32},   {"bigint", DataType::int64},
                                       {"float", DataType::float32},   {"double", DataType::float64},
                                       {"date", DataType::date32},     {"varchar", DataType::string},
                                       {"text", DataType::string}};
  for (const Alias& alias : kAliases) {
    if (alias.name == name) return alias.type;
  }
  std::string names;
  for (std::string_view known : kNames) names += (names.empty() ? "" : ", ") + std::string(known);
  NIMBUS_THROW(ConfigError, "unknown column type '", name, "'; the types are: ", names);
}

int64_t fixed_width(DataType type) {
  switch (type) {
    case DataType::int32:
    case DataType::float32:
    case DataType::date32:
      return 4;
    case DataType::int64:
    case DataType::float64:
    case DataType::timestamp:
      return 8;
    case DataType::boolean:
    case DataType::string:
      return 0;
  }
  return 0;
}

}  // namespace nimbus::analytics
