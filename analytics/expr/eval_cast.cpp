// CAST between every pair of types that can_cast allows, for chunks (eval_cast) and single values
// (cast_value, used by the binder to fold literals).
//
// Note [Cast rules]
// - float -> integer rounds half to even (std::nearbyint), as DuckDB and PostgreSQL do for
//   DOUBLE/REAL (2.5 -> 2, 3.5 -> 4; DuckDB's 2.5::INTEGER gives 3 only because its 2.5 is a
//   DECIMAL literal). NaN, infinities and values outside the target's range are errors.
// - Integer narrowing out of range, and float64 -> float32 of a finite value beyond float32's
//   range, are errors; nothing wraps or saturates silently.
// - Numbers and bools convert both ways (0 is false, anything else true, NaN included).
// - Text -> number parses the whole string after trimming spaces: "+12", " 7 ", "1e3" (floats),
//   "inf", "nan"; "1.5" is not an integer. Text -> bool accepts true/false, t/f, yes/no, y/n, 1/0
//   in any case. Text -> date is YYYY-MM-DD; text -> timestamp also accepts a bare date (midnight).
// - To text: "true"/"false", integers in decimal, floats in the shortest form that reads back to the
//   same value (value_text.h: 1.0 is "1", unlike DuckDB's "1.0"), dates and timestamps as
//   value_text.h writes them.
// - date <-> timestamp: midnight, and the day a timestamp falls in (rounding towards the past).
// Failures name the value and, over a table, the row: "could not convert string 'abc' to int32 at
// row 2 in 'CAST(s AS INTEGER)'".
#include <cfloat>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

#include "analytics/date_time.h"
#include "analytics/expr/cast_value.h"
#include "analytics/expr/eval_node.h"
#include "analytics/expr/type_rules.h"
#include "analytics/value_text.h"
#include "runtime/error.h"

namespace nimbus::analytics {

namespace {

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

// Reports the failure of row i; never returns.
using Fail = std::function<void(int64_t row, const std::string& what)>;

template <typename T>
std::string number_text(T v) {
  if constexpr (std::is_floating_point_v<T>) return format_float64(static_cast<double>(v));
  else return std::to_string(+v);
}

template <typename T>
std::string_view to_text(T v, StringArena& arena) {
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
  return arena.store(std::string_view(buffer, static_cast<size_t>(end - buffer)));
}

void cast_to_string(const Vector& in, Vector& out, StringArena& arena) {
  auto* r = out.allocate<std::string_view>();
  const int64_t rows = in.rows();
  for (int64_t i = 0; i < rows; ++i) {
    if (!in.valid(i)) continue;
    switch (in.type()) {
      case DataType::boolean: r[i] = in.data<uint8_t>()[i] ? "true" : "false"; break;
      case DataType::int32: r[i] = to_text(in.data<int32_t>()[i], arena); break;
      case DataType::int64: r[i] = to_text(in.data<int64_t>()[i], arena); break;
      case DataType::float32: r[i] = arena.store(format_float32(in.data<float>()[i])); break;
      case DataType::float64: r[i] = arena.store(format_float64(in.data<double>()[i])); break;
      case DataType::date32: r[i] = arena.store(format_date(in.data<int32_t>()[i])); break;
      case DataType::timestamp: r[i] = arena.store(format_timestamp(in.data<int64_t>()[i])); break;
      case DataType::string: r[i] = in.data<std::string_view>()[i]; break;
    }
  }
}

std::string_view trimmed(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

template <typename T>
bool parse_number(std::string_view text, T& value) {
  text = trimmed(text);
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  if (text.empty()) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

bool parse_bool(std::string_view text, uint8_t& value) {
  std::string lower(trimmed(text));
  for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (lower == "true" || lower == "t" || lower == "yes" || lower == "y" || lower == "1") value = 1;
  else if (lower == "false" || lower == "f" || lower == "no" || lower == "n" || lower == "0") value = 0;
  else return false;
  return true;
}

template <typename T>
void parse_rows(const Vector& in, Vector& out, const uint8_t* active, const Fail& fail,
                const std::function<bool(std::string_view, T&)>& parse) {
  const auto* s = in.data<std::string_view>();
  T* r = out.allocate<T>();
  for (int64_t i = 0; i < in.rows(); ++i) {
    if (!row_matters(active, in, i)) continue;
    if (!parse(s[i], r[i])) {
      fail(i, detail::concat("could not convert string '", s[i], "' to ", data_type_name(out.type())));
    }
  }
}

void cast_from_string(const Vector& in, Vector& out, const uint8_t* active, const Fail& fail) {
  switch (out.type()) {
    case DataType::boolean: parse_rows<uint8_t>(in, out, active, fail, parse_bool); break;
    case DataType::int32: parse_rows<int32_t>(in, out, active, fail, parse_number<int32_t>); break;
    case DataType::int64: parse_rows<int64_t>(in, out, active, fail, parse_number<int64_t>); break;
    case DataType::float32: parse_rows<float>(in, out, active, fail, parse_number<float>); break;
    case DataType::float64: parse_rows<double>(in, out, active, fail, parse_number<double>); break;
    case DataType::date32:
      parse_rows<int32_t>(in, out, active, fail, [](std::string_view text, int32_t& days) {
        const auto parsed = parse_date(trimmed(text));
        if (parsed) days = *parsed;
        return parsed.has_value();
      });
      break;
    case DataType::timestamp:
      parse_rows<int64_t>(in, out, active, fail, [](std::string_view text, int64_t& micros) {
        text = trimmed(text);
        if (const auto parsed = parse_timestamp(text)) {
          micros = *parsed;
          return true;
        }
        const auto day = parse_date(text);
        if (day) micros = *day * kMicrosPerDay;
        return day.has_value();
      });
      break;
    case DataType::string: break;
  }
}

void cast_temporal(const Vector& in, Vector& out, const uint8_t* active, const Fail& fail) {
  if (in.type() == DataType::date32) {
    const int32_t* days = in.data<int32_t>();
    int64_t* r = out.allocate<int64_t>();
    constexpr int64_t kMaxDays = std::numeric_limits<int64_t>::max() / kMicrosPerDay;
    for (int64_t i = 0; i < in.rows(); ++i) {
      if (days[i] > kMaxDays || days[i] < -kMaxDays) {
        if (row_matters(active, in, i)) fail(i, detail::concat("date ", format_date(days[i]), " is outside the timestamp range"));
        continue;
      }
      r[i] = days[i] * kMicrosPerDay;
    }
    return;
  }
  const int64_t* micros = in.data<int64_t>();
  int32_t* r = out.allocate<int32_t>();
  for (int64_t i = 0; i < in.rows(); ++i) {
    const int64_t day = micros[i] / kMicrosPerDay - (micros[i] % kMicrosPerDay < 0 ? 1 : 0);
    r[i] = static_cast<int32_t>(day);
  }
}

// One number (or bool, as 0/1) to another numeric type or bool; false when it does not fit.
template <typename From, typename To>
bool convert_number(From v, To& out) {
  if constexpr (std::is_same_v<To, uint8_t>) {  // to bool
    out = v != From{0};
    return true;
  } else if constexpr (std::is_same_v<From, uint8_t> || std::is_floating_point_v<To>) {
    if constexpr (std::is_same_v<To, float> && std::is_same_v<From, double>) {
      out = static_cast<float>(v);
      return !(std::isinf(out) && std::isfinite(v));
    }
    out = static_cast<To>(v);
    return true;
  } else if constexpr (std::is_floating_point_v<From>) {  // float -> integer (Note [Cast rules])
    const double rounded = std::nearbyint(static_cast<double>(v));
    constexpr double kLimit = -static_cast<double>(std::numeric_limits<To>::min());  // 2^31 or 2^63
    if (!(rounded >= -kLimit && rounded < kLimit)) return false;  // also NaN
    out = static_cast<To>(rounded);
    return true;
  } else {  // integer -> integer
    if (!std::in_range<To>(v)) return false;
    out = static_cast<To>(v);
    return true;
  }
}

void cast_number(const Vector& in, Vector& out, const uint8_t* active, const Fail& fail) {
  visit_chunk_type(in.type(), [&]<typename From>() {
    visit_chunk_type(out.type(), [&]<typename To>() {
      if constexpr (!std::is_same_v<From, std::string_view> && !std::is_same_v<To, std::string_view>) {
        const From* a = in.data<From>();
        To* r = out.allocate<To>();
        for (int64_t i = 0; i < in.rows(); ++i) {
          if (!convert_number(a[i], r[i]) && row_matters(active, in, i)) {
            fail(i, detail::concat("cannot cast ", number_text(a[i]), " to ",
                                   data_type_name(out.type()), ": ",
                                   std::isnan(static_cast<double>(a[i])) ? "NaN has no integer value"
                                                                          : "out of range"));
          }
        }
      }
    });
  });
}

Vector cast_vector(Vector in, DataType to, const uint8_t* active, StringArena& arena, const Fail& fail) {
  if (in.type() == to) return in;
  Vector out(to, in.rows());
  out.set_validity(in.validity());
  if (to == DataType::string) cast_to_string(in, out, arena);
  else if (in.type() == DataType::string) cast_from_string(in, out, active, fail);
  else if (is_temporal(in.type()) && is_temporal(to)) cast_temporal(in, out, active, fail);
  else if (!is_temporal(in.type()) && !is_temporal(to)) cast_number(in, out, active, fail);
  else NIMBUS_THROW(DTypeError, "cannot cast ", data_type_name(in.type()), " to ", data_type_name(to));
  return out;
}

}  // namespace

Vector eval_cast(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  Vector in = eval_node(*e.children[0], ctx, active);
  return cast_vector(std::move(in), e.type, active, ctx.arena,
                     [&](int64_t row, const std::string& what) { throw_row_error(e, ctx, row, what); });
}

Value cast_value(const Value& value, DataType to, const std::string& context) {
  NIMBUS_CHECK_T(DTypeError, can_cast(value.type(), to), "cannot cast ", data_type_name(value.type()), " to ",
                 data_type_name(to), " in '", context, "'");
  if (value.is_null()) return Value::null(to);
  StringArena arena;
  const Vector out = cast_vector(vector_of(value, 1), to, nullptr, arena, [&](int64_t, const std::string& what) {
    NIMBUS_THROW(DTypeError, what, " in '", context, "'");
  });
  return value_at(out, 0);
}

}  // namespace nimbus::analytics
