// + - * / % and unary minus.
//
// Note [Division by zero]
// Integer operands: `/` (whose result is float64, as in DuckDB) and `%` give NULL for a zero
// divisor — DuckDB's rule for integer division (its // and %), and the one we apply to `/` on
// integers too: a missing ratio is more useful in a table than an error that stops the query, or
// an infinity that then poisons sums. (DuckDB 1.1+ returns inf for 1 / 0 because its `/` is float
// division; we keep NULL for integer operands on purpose.) Float operands follow IEEE 754, as
// DuckDB does: 1.0 / 0.0 is inf, 0.0 / 0.0 is NaN and x % 0.0 is NaN.
// Integer + - * and unary minus that overflow are errors naming the values, the row and the
// expression (DuckDB: "Overflow in addition of INT32"), never silently wrapped.
#include <cmath>
#include <type_traits>

#include "analytics/expr/eval_node.h"
#include "runtime/error.h"

namespace nimbus::analytics {

namespace {

template <typename T>
bool overflows(BinaryOp op, T a, T b, T* result) {
  switch (op) {
    case BinaryOp::add: return __builtin_add_overflow(a, b, result);
    case BinaryOp::subtract: return __builtin_sub_overflow(a, b, result);
    default: return __builtin_mul_overflow(a, b, result);
  }
}

// a op b for integers with + - *: wrapping values computed for every row, an error only when an
// overflowing row matters (Note [Rows that matter]).
template <typename T>
void integer_add_sub_mul(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active, const T* a, const T* b,
                         Vector& out) {
  T* r = out.allocate<T>();
  bool any = false;
  for (int64_t i = 0; i < ctx.rows; ++i) any |= overflows(e.op, a[i], b[i], &r[i]);
  if (!any) return;
  for (int64_t i = 0; i < ctx.rows; ++i) {
    T ignored;
    if (row_matters(active, out, i) && overflows(e.op, a[i], b[i], &ignored)) {
      throw_row_error(e, ctx, i, detail::concat("integer overflow: ", +a[i], " ", binary_op_text(e.op), " ", +b[i],
                                                " does not fit in ", data_type_name(e.type)));
    }
  }
}

template <typename T>
void integer_divide(const T* a, const T* b, int64_t rows, Vector& out) {
  double* r = out.allocate<double>();
  uint8_t* valid = nullptr;
  for (int64_t i = 0; i < rows; ++i) {
    if (b[i] == 0) {
      if (valid == nullptr) valid = out.make_validity();
      valid[i] = 0;  // Note [Division by zero]
      continue;
    }
    r[i] = static_cast<double>(a[i]) / static_cast<double>(b[i]);
  }
}

template <typename T>
void integer_modulo(const T* a, const T* b, int64_t rows, Vector& out) {
  T* r = out.allocate<T>();
  uint8_t* valid = nullptr;
  for (int64_t i = 0; i < rows; ++i) {
    if (b[i] == 0) {
      if (valid == nullptr) valid = out.make_validity();
      valid[i] = 0;  // Note [Division by zero]
      continue;
    }
    // INT_MIN % -1 is 0 mathematically but overflows in C++.
    r[i] = b[i] == -1 ? T{0} : static_cast<T>(a[i] % b[i]);
  }
}

template <typename T>
void float_arithmetic(BinaryOp op, const T* a, const T* b, int64_t rows, T* r) {
  switch (op) {
    case BinaryOp::add: for (int64_t i = 0; i < rows; ++i) r[i] = a[i] + b[i]; break;
    case BinaryOp::subtract: for (int64_t i = 0; i < rows; ++i) r[i] = a[i] - b[i]; break;
    case BinaryOp::multiply: for (int64_t i = 0; i < rows; ++i) r[i] = a[i] * b[i]; break;
    case BinaryOp::divide: for (int64_t i = 0; i < rows; ++i) r[i] = a[i] / b[i]; break;
    default: for (int64_t i = 0; i < rows; ++i) r[i] = std::fmod(a[i], b[i]); break;
  }
}

}  // namespace

Vector eval_arithmetic(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  const Vector left = eval_node(*e.children[0], ctx, active);
  const Vector right = eval_node(*e.children[1], ctx, active);
  Vector out(e.type, ctx.rows);
  out.set_validity(and_validity(left, right));
  visit_chunk_type(e.children[0]->type, [&]<typename T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, uint8_t>) {
      const T* a = left.data<T>();
      const T* b = right.data<T>();
      if (e.op == BinaryOp::divide) integer_divide(a, b, ctx.rows, out);
      else if (e.op == BinaryOp::modulo) integer_modulo(a, b, ctx.rows, out);
      else integer_add_sub_mul(e, ctx, active, a, b, out);
    } else if constexpr (std::is_floating_point_v<T>) {
      float_arithmetic(e.op, left.data<T>(), right.data<T>(), ctx.rows, out.allocate<T>());
    } else {
      NIMBUS_THROW(DTypeError, "arithmetic on ", data_type_name(e.children[0]->type), " in '", e.text(), "'");
    }
  });
  return out;
}

Vector eval_negate(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  Vector in = eval_node(*e.children[0], ctx, active);
  Vector out(e.type, ctx.rows);
  out.set_validity(in.validity());
  visit_chunk_type(e.type, [&]<typename T>() {
    if constexpr (std::is_floating_point_v<T>) {
      const T* a = in.data<T>();
      T* r = out.allocate<T>();
      for (int64_t i = 0; i < ctx.rows; ++i) r[i] = -a[i];
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, uint8_t>) {
      const T* a = in.data<T>();
      T* r = out.allocate<T>();
      for (int64_t i = 0; i < ctx.rows; ++i) {
        if (__builtin_sub_overflow(T{0}, a[i], &r[i]) && row_matters(active, in, i)) {
          throw_row_error(e, ctx, i, detail::concat("integer overflow: -(", a[i], ") does not fit in ",
                                                    data_type_name(e.type)));
        }
      }
    } else {
      NIMBUS_THROW(DTypeError, "cannot negate ", data_type_name(e.type), " in '", e.text(), "'");
    }
  });
  return out;
}

}  // namespace nimbus::analytics
