#pragma once
// Casting one Value, with the same rules and messages as CAST over a column (eval_cast.cpp runs
// both). The binder uses it to fold literals it converts implicitly (d < '2024-01-01').
#include <string>

#include "analytics/expr/value.h"

namespace nimbus::analytics {

// Throws DTypeError when the cast is impossible or the value does not convert; `context` is the
// expression text the message names.
NIMBUS_API Value cast_value(const Value& value, DataType to, const std::string& context);

}  // namespace nimbus::analytics
