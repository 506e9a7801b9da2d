#include "analytics/expr/type_rules.h"

namespace nimbus::analytics {

std::optional<DataType> common_type(DataType a, DataType b) {
  if (a == b) return a;
  if (is_integer(a) && is_integer(b)) return DataType::int64;
  if (is_numeric(a) && is_numeric(b)) return DataType::float64;  // Note [Type promotion in expressions]
  if (is_temporal(a) && is_temporal(b)) return DataType::timestamp;
  return std::nullopt;
}

bool can_cast(DataType from, DataType to) {
  if (from == to || from == DataType::string || to == DataType::string) return true;
  if (is_temporal(from) || is_temporal(to)) return is_temporal(from) && is_temporal(to);
  return true;  // bool and numbers convert among themselves
}

}  // namespace nimbus::analytics
