#include "analytics/ops/aggregate.h"

#include <array>
#include <utility>

#include "runtime/error.h"

namespace nimbus::analytics {

namespace {

constexpr std::array<std::pair<AggregateFunction, std::string_view>, 15> kNames{{
    {AggregateFunction::count, "count"},
    {AggregateFunction::count_star, "count_star"},
    {AggregateFunction::sum, "sum"},
    {AggregateFunction::avg, "avg"},
    {AggregateFunction::min, "min"},
    {AggregateFunction::max, "max"},
    {AggregateFunction::var_samp, "var_samp"},
    {AggregateFunction::var_pop, "var_pop"},
    {AggregateFunction::stddev_samp, "stddev_samp"},
    {AggregateFunction::stddev_pop, "stddev_pop"},
    {AggregateFunction::median, "median"},
    {AggregateFunction::corr, "corr"},
    {AggregateFunction::first, "first"},
    {AggregateFunction::last, "last"},
    {AggregateFunction::any_value, "any_value"},
}};

constexpr std::array<std::pair<std::string_view, AggregateFunction>, 4> kAliases{{
    {"mean", AggregateFunction::avg},
    {"variance", AggregateFunction::var_samp},
    {"stddev", AggregateFunction::stddev_samp},
    {"arbitrary", AggregateFunction::any_value},
}};

}  // namespace

std::string_view aggregate_function_name(AggregateFunction function) {
  for (const auto& [f, name] : kNames) {
    if (f == function) return name;
  }
  return "unknown";
}

AggregateFunction parse_aggregate_function(std::string_view name) {
  for (const auto& [f, known] : kNames) {
    if (known == name) return f;
  }
  for (const auto& [alias, f] : kAliases) {
    if (alias == name) return f;
  }
  std::string names;
  for (const auto& [f, known] : kNames) names += std::string(names.empty() ? "" : ", ") + std::string(known);
  NIMBUS_THROW(ConfigError, "unknown aggregate function '", name, "'; the functions are: ", names,
               " (and mean, variance, stddev, arbitrary)");
}

DataType aggregate_result_type(AggregateFunction function, DataType input) {
  const auto unsupported = [&]() {
    NIMBUS_THROW(DTypeError, aggregate_function_name(function), " does not take ", data_type_name(input),
                 " input; it takes int32, int64, float32 or float64");
  };
  switch (function) {
    case AggregateFunction::count:
    case AggregateFunction::count_star: return DataType::int64;
    case AggregateFunction::sum:
      if (input == DataType::int32 || input == DataType::int64) return DataType::int64;
      if (input == DataType::float32 || input == DataType::float64) return DataType::float64;
      unsupported();
      break;
    case AggregateFunction::avg:
    case AggregateFunction::var_samp:
    case AggregateFunction::var_pop:
    case AggregateFunction::stddev_samp:
    case AggregateFunction::stddev_pop:
    case AggregateFunction::median:
    case AggregateFunction::corr:
      if (!is_numeric(input)) unsupported();
      return DataType::float64;
    case AggregateFunction::min:
    case AggregateFunction::max:
    case AggregateFunction::first:
    case AggregateFunction::last:
    case AggregateFunction::any_value: return input;
  }
  return input;
}

}  // namespace nimbus::analytics
