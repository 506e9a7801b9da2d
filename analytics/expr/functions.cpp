#include "analytics/expr/functions.h"

#include <array>

namespace nimbus::analytics {

namespace {

constexpr std::array<FunctionInfo, 27> kFunctions = {{
    {"length", Function::length, 1, 1},
    {"lower", Function::lower, 1, 1},
    {"upper", Function::upper, 1, 1},
    {"contains", Function::contains, 2, 2},
    {"starts_with", Function::starts_with, 2, 2},
    {"ends_with", Function::ends_with, 2, 2},
    {"substr", Function::substr, 2, 3},
    {"substring", Function::substr, 2, 3},
    {"concat", Function::concat, 1, -1},
    {"year", Function::year, 1, 1},
    {"month", Function::month, 1, 1},
    {"day", Function::day, 1, 1},
    {"hour", Function::hour, 1, 1},
    {"minute", Function::minute, 1, 1},
    {"second", Function::second, 1, 1},
    {"dayofweek", Function::dayofweek, 1, 1},
    {"abs", Function::abs, 1, 1},
    {"round", Function::round, 1, 2},
    {"floor", Function::floor, 1, 1},
    {"ceil", Function::ceil, 1, 1},
    {"ceiling", Function::ceil, 1, 1},
    {"sqrt", Function::sqrt, 1, 1},
    {"ln", Function::ln, 1, 1},
    {"exp", Function::exp, 1, 1},
    {"power", Function::power, 2, 2},
    {"pow", Function::power, 2, 2},
    // date_part is resolved by the binder into one of the parts above.
    {"date_part", Function::year, 2, 2},
}};

}  // namespace

std::optional<FunctionInfo> find_function(std::string_view name) {
  for (const FunctionInfo& info : kFunctions) {
    if (info.name == name) return info;
  }
  return std::nullopt;
}

std::optional<Function> find_date_part(std::string_view part) {
  if (part == "dow") return Function::dayofweek;
  const auto info = find_function(part);
  if (info && is_date_part(info->function)) return info->function;
  return std::nullopt;
}

std::string_view function_names() {
  return "length, lower, upper, contains, starts_with, ends_with, substr, substring, concat, year, month, day, "
         "hour, minute, second, dayofweek, date_part, abs, round, floor, ceil, ceiling, sqrt, ln, exp, power, pow";
}

std::string_view function_name(Function function) {
  for (const FunctionInfo& info : kFunctions) {
    if (info.function == function) return info.name;
  }
  return "?";
}

}  // namespace nimbus::analytics
