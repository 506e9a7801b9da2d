#pragma once
// A stream's row filter, written as a SQL boolean expression ("value > 0 AND region <> 'test'")
// and parsed by the same grammar and translation as `nimbus query`'s WHERE.
#include <string_view>

#include "analytics/expr/expr.h"
#include "runtime/macros.h"

namespace nimbus::analytics::stream {

// SqlError (pointing into the text) when it does not parse or uses aggregates.
NIMBUS_API ExprPtr parse_where_expression(std::string_view text);

}  // namespace nimbus::analytics::stream
