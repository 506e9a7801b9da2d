#pragma once
// Aggregate functions for group_by, with DuckDB's names and semantics.
//
// NULL inputs are skipped; a group with no non-NULL input gives NULL (count gives 0). count(*)
// counts rows. first and last follow DuckDB: the value of the group's first (last) row in input
// order, NULL included; any_value is the first non-NULL value. Result types:
//   count, count_star                      int64
//   sum                                    int64 for int32/int64 (an error when the total leaves
//                                          int64's range), float64 for floats
//   avg, var_samp, var_pop, stddev_samp,   float64, numeric inputs only
//   stddev_pop, median, corr
//   min, max, first, last, any_value       the input's type; every type (strings bytewise, NaN
//                                          above every number, false < true)
// var_samp and stddev_samp need two values (NULL otherwise); corr(y, x) skips rows where either
// is NULL and is NULL for fewer than two pairs or a constant input (a zero denominator). median
// is quantile_cont(0.5): the mean of the two middle values for an even count.
#include <string>
#include <string_view>

#include "analytics/data_type.h"

namespace nimbus::analytics {

enum class AggregateFunction {
  count,       // count(x); count with no input is count(*)
  count_star,  // count(*)
  sum,
  avg,
  min,
  max,
  var_samp,
  var_pop,
  stddev_samp,
  stddev_pop,
  median,
  corr,
  first,
  last,
  any_value,
};

struct Aggregate {
  AggregateFunction function = AggregateFunction::count_star;
  // (Every member has a default, so designated initializers may leave any out under -Wextra.)
  std::string input = {};   // the input column; empty for count(*)
  std::string output = {};  // the result column's name; empty gives DuckDB's "sum(x)", "count_star()"
  bool distinct = false;  // aggregate the distinct input values of each group only: count(DISTINCT x)
  std::string input2 = {};  // corr(y, x): `input` is y, `input2` is x
};

// DuckDB's name: "count", "count_star", "sum", "avg", "var_samp", "stddev_samp", ...
NIMBUS_API std::string_view aggregate_function_name(AggregateFunction function);
// The names above and the aliases "mean", "variance", "stddev", "arbitrary"; a ConfigError listing
// the names for anything else.
NIMBUS_API AggregateFunction parse_aggregate_function(std::string_view name);
// The result type for an input of `input` (ignored by count(*)); a DTypeError naming the function
// and the type when the function does not take that type.
NIMBUS_API DataType aggregate_result_type(AggregateFunction function, DataType input);

}  // namespace nimbus::analytics
