// abs, round, floor, ceil keep their argument's type (on integers round, floor and ceil are the
// identity); sqrt, ln, exp and power work in float64 (the binder casts the arguments).
// round rounds half away from zero (std::round), as DuckDB's round on DOUBLE; round(x, d) rounds to
// d decimal places (d < 0: to tens, hundreds...). The digits argument is ignored for integers.
// Errors as DuckDB: abs of the most negative integer, the square root of a negative number and the
// logarithm of zero or a negative number. exp and power follow IEEE 754 (overflow is inf).
#include <cmath>
#include <type_traits>

#include "analytics/expr/eval_node.h"
#include "analytics/value_text.h"
#include "runtime/error.h"

namespace nimbus::analytics {

namespace {

double round_to(double x, int32_t digits) {
  if (digits == 0) return std::round(x);
  const double scale = std::pow(10.0, std::abs(digits));
  const double scaled = digits > 0 ? x * scale : x / scale;
  if (!std::isfinite(scaled)) return x;  // already finer than the digits asked for
  return digits > 0 ? std::round(scaled) / scale : std::round(scaled) * scale;
}

template <typename T>
void same_type_function(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active, const std::vector<Vector>& args,
                        Vector& out) {
  const T* a = args[0].data<T>();
  T* r = out.allocate<T>();
  if constexpr (std::is_integral_v<T>) {
    for (int64_t i = 0; i < ctx.rows; ++i) r[i] = a[i];
    if (e.function != Function::abs) return;
    for (int64_t i = 0; i < ctx.rows; ++i) {
      if (a[i] >= 0) continue;
      if (__builtin_sub_overflow(T{0}, a[i], &r[i]) && row_matters(active, args[0], i)) {
        throw_row_error(e, ctx, i, detail::concat("integer overflow: abs(", a[i], ") does not fit in ",
                                                  data_type_name(e.type)));
      }
    }
  } else {
    const int32_t* digits = args.size() > 1 ? args[1].data<int32_t>() : nullptr;
    for (int64_t i = 0; i < ctx.rows; ++i) {
      switch (e.function) {
        case Function::abs: r[i] = std::fabs(a[i]); break;
        case Function::floor: r[i] = std::floor(a[i]); break;
        case Function::ceil: r[i] = std::ceil(a[i]); break;
        default: r[i] = static_cast<T>(digits ? round_to(a[i], digits[i]) : std::round(a[i])); break;
      }
    }
  }
}

void float64_function(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active, const std::vector<Vector>& args,
                      Vector& out) {
  const double* a = args[0].data<double>();
  double* r = out.allocate<double>();
  const auto fail = [&](int64_t i, const char* what) {
    throw_row_error(e, ctx, i, detail::concat(what, " (", format_float64(a[i]), ")"));
  };
  switch (e.function) {
    case Function::sqrt:
      for (int64_t i = 0; i < ctx.rows; ++i) {
        if (a[i] < 0 && row_matters(active, out, i)) fail(i, "cannot take the square root of a negative number");
        r[i] = std::sqrt(a[i]);
      }
      break;
    case Function::ln:
      for (int64_t i = 0; i < ctx.rows; ++i) {
        if (a[i] <= 0 && row_matters(active, out, i)) {
          fail(i, a[i] == 0 ? "cannot take the logarithm of zero" : "cannot take the logarithm of a negative number");
        }
        r[i] = std::log(a[i]);
      }
      break;
    case Function::exp:
      for (int64_t i = 0; i < ctx.rows; ++i) r[i] = std::exp(a[i]);
      break;
    default: {
      const double* b = args[1].data<double>();
      for (int64_t i = 0; i < ctx.rows; ++i) r[i] = std::pow(a[i], b[i]);
    }
  }
}

}  // namespace

Vector eval_math_function(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  std::vector<Vector> args;
  for (const auto& child : e.children) args.push_back(eval_node(*child, ctx, active));
  Vector out(e.type, ctx.rows);
  out.set_validity(validity_of_all(args));
  switch (e.function) {
    case Function::abs:
    case Function::round:
    case Function::floor:
    case Function::ceil:
      visit_chunk_type(e.type, [&]<typename T>() {
        if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, uint8_t>) {
          same_type_function<T>(e, ctx, active, args, out);
        }
      });
      break;
    default: float64_function(e, ctx, active, args, out);
  }
  return out;
}

}  // namespace nimbus::analytics
