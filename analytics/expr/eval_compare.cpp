// = <> < <= > >= on operands of one type (the binder made them so): numbers, bools (false <
// true), strings bytewise (UTF-8 bytes compare in code point order), dates and timestamps as
// their integers. NaN follows sql_less/sql_equal (eval_node.h).
#include "analytics/expr/eval_node.h"

namespace nimbus::analytics {

namespace {

template <typename T, typename Op>
void compare_rows(const T* a, const T* b, int64_t rows, uint8_t* r, Op op) {
  for (int64_t i = 0; i < rows; ++i) r[i] = op(a[i], b[i]) ? 1 : 0;
}

}  // namespace

Vector eval_compare(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  const Vector left = eval_node(*e.children[0], ctx, active);
  const Vector right = eval_node(*e.children[1], ctx, active);
  Vector out(DataType::boolean, ctx.rows);
  out.set_validity(and_validity(left, right));
  uint8_t* r = out.allocate<uint8_t>();
  visit_chunk_type(e.children[0]->type, [&]<typename T>() {
    const T* a = left.data<T>();
    const T* b = right.data<T>();
    switch (e.op) {
      case BinaryOp::equal: compare_rows(a, b, ctx.rows, r, [](T x, T y) { return sql_equal(x, y); }); break;
      case BinaryOp::not_equal: compare_rows(a, b, ctx.rows, r, [](T x, T y) { return !sql_equal(x, y); }); break;
      case BinaryOp::less: compare_rows(a, b, ctx.rows, r, [](T x, T y) { return sql_less(x, y); }); break;
      case BinaryOp::less_equal: compare_rows(a, b, ctx.rows, r, [](T x, T y) { return !sql_less(y, x); }); break;
      case BinaryOp::greater: compare_rows(a, b, ctx.rows, r, [](T x, T y) { return sql_less(y, x); }); break;
      default: compare_rows(a, b, ctx.rows, r, [](T x, T y) { return !sql_less(x, y); }); break;
    }
  });
  return out;
}

}  // namespace nimbus::analytics
