// AND, OR and NOT with SQL's three-valued logic, and IS [NOT] NULL.
//
// AND is false when either side is false (even if the other is NULL), true when both are true,
// NULL otherwise; OR is true when either side is true, false when both are false, NULL otherwise.
// Both sides are always evaluated: SQL does not promise short-circuiting, and rows that a side
// would have failed on are not excluded (use CASE for that, Note [Rows that matter]).
#include "analytics/expr/eval_node.h"

namespace nimbus::analytics {

namespace {

Vector and_or(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  const Vector left = eval_node(*e.children[0], ctx, active);
  const Vector right = eval_node(*e.children[1], ctx, active);
  Vector out(DataType::boolean, ctx.rows);
  uint8_t* r = out.allocate<uint8_t>();
  const uint8_t* a = left.data<uint8_t>();
  const uint8_t* b = right.data<uint8_t>();
  if (left.all_valid() && right.all_valid()) {
    if (e.kind == BoundKind::logical_and) {
      for (int64_t i = 0; i < ctx.rows; ++i) r[i] = a[i] & b[i];
    } else {
      for (int64_t i = 0; i < ctx.rows; ++i) r[i] = a[i] | b[i];
    }
    return out;
  }
  uint8_t* valid = out.make_validity();
  for (int64_t i = 0; i < ctx.rows; ++i) {
    const uint8_t va = left.valid(i), vb = right.valid(i);
    if (e.kind == BoundKind::logical_and) {
      const uint8_t a_false = va & !a[i], b_false = vb & !b[i];
      valid[i] = (va & vb) | a_false | b_false;
      r[i] = va & vb & a[i] & b[i];
    } else {
      const uint8_t a_true = va & a[i], b_true = vb & b[i];
      valid[i] = (va & vb) | a_true | b_true;
      r[i] = a_true | b_true;
    }
  }
  out.compact_validity();
  return out;
}

}  // namespace

Vector eval_logic(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  if (e.kind == BoundKind::logical_and || e.kind == BoundKind::logical_or) return and_or(e, ctx, active);
  const Vector in = eval_node(*e.children[0], ctx, active);
  Vector out(DataType::boolean, ctx.rows);
  uint8_t* r = out.allocate<uint8_t>();
  if (e.kind == BoundKind::logical_not) {
    out.set_validity(in.validity());
    const uint8_t* a = in.data<uint8_t>();
    for (int64_t i = 0; i < ctx.rows; ++i) r[i] = !a[i];
    return out;
  }
  const uint8_t want_valid = e.kind == BoundKind::is_not_null ? 1 : 0;
  for (int64_t i = 0; i < ctx.rows; ++i) r[i] = in.valid(i) == want_valid;
  return out;
}

}  // namespace nimbus::analytics
