#pragma once
// The scalar functions an expression can call, by SQL name, with their arities. Types are decided
// by the binder (bind.cpp); the arithmetic is in the eval_*.cpp files.
//
// Strings: length (characters, i.e. UTF-8 code points), lower and upper (ASCII letters only; other
// bytes pass through unchanged), contains, starts_with, ends_with (bytewise), substr/substring
// (1-based code points, DuckDB's rules for zero and negative positions), concat (any number of
// arguments of any type; NULL arguments are skipped, as in DuckDB and PostgreSQL).
// Dates: year, month, day, hour, minute, second, dayofweek (Sunday = 0) of a date or timestamp, and
// date_part('year', x) with any of those part names ('dow' too), as int64.
// Math: abs, round (half away from zero; optional digits), floor, ceil/ceiling, sqrt, ln, exp,
// power/pow.
#include <optional>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus::analytics {

enum class Function : uint8_t {
  length, lower, upper, contains, starts_with, ends_with, substr, concat,
  year, month, day, hour, minute, second, dayofweek,
  abs, round, floor, ceil, sqrt, ln, exp, power
};

struct FunctionInfo {
  std::string_view name;
  Function function;
  int min_args, max_args;  // max_args < 0: any number
};

// The function called `name` (lower case; aliases included), or nullopt.
NIMBUS_API std::optional<FunctionInfo> find_function(std::string_view name);
// The date part `part` names in date_part('part', x): year, month, day, hour, minute, second,
// dayofweek / dow.
NIMBUS_API std::optional<Function> find_date_part(std::string_view part);
// Every function name, comma-separated, for error messages.
NIMBUS_API std::string_view function_names();
NIMBUS_API std::string_view function_name(Function function);

inline bool is_date_part(Function f) { return f >= Function::year && f <= Function::dayofweek; }

}  // namespace nimbus::analytics
