#include "analytics/expr/eval_node.h"

#include "runtime/error.h"

namespace nimbus::analytics {

void throw_row_error(const BoundExpr& e, const ChunkContext& ctx, int64_t i, const std::string& what) {
  NIMBUS_THROW(DTypeError, what, " at row ", ctx.begin + i, " in '", e.text(), "'");
}

namespace {

// The chunk's rows of a table column: fixed-width values are borrowed from the column's buffer;
// bools and validity are unpacked from their bits, strings become views of the column's characters.
Vector load_column(const Column& column, int64_t begin, int64_t rows) {
  Vector v(column.type(), rows);
  const int64_t first = column.offset() + begin;  // in values and in bits
  if (column.has_nulls()) {
    uint8_t* valid = v.make_validity();
    const auto* bits = static_cast<const uint8_t*>(column.validity().data());
    for (int64_t i = 0; i < rows; ++i) valid[i] = get_bit(bits, first + i);
  }
  switch (column.type()) {
    case DataType::boolean: {
      uint8_t* out = v.allocate<uint8_t>();
      const auto* bits = static_cast<const uint8_t*>(column.data().data());
      for (int64_t i = 0; i < rows; ++i) out[i] = get_bit(bits, first + i);
      break;
    }
    case DataType::string: {
      auto* out = v.allocate<std::string_view>();
      const int32_t* offsets = column.raw_offsets() + begin;
      const char* chars = column.raw_chars();
      for (int64_t i = 0; i < rows; ++i) {
        out[i] = std::string_view(chars + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i]));
      }
      break;
    }
    default:
      v.borrow(static_cast<const char*>(column.data().data()) + first * fixed_width(column.type()));
  }
  return v;
}

Vector eval_function(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  if (is_date_part(e.function)) return eval_date_part(e, ctx, active);
  if (e.function >= Function::abs) return eval_math_function(e, ctx, active);
  return eval_string_function(e, ctx, active);
}

}  // namespace

Vector eval_node(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  switch (e.kind) {
    case BoundKind::column: return load_column(ctx.table.column(e.column), ctx.begin, ctx.rows);
    case BoundKind::literal: return vector_of(e.value, ctx.rows);
    case BoundKind::cast: return eval_cast(e, ctx, active);
    case BoundKind::negate: return eval_negate(e, ctx, active);
    case BoundKind::arithmetic: return eval_arithmetic(e, ctx, active);
    case BoundKind::compare: return eval_compare(e, ctx, active);
    case BoundKind::logical_and:
    case BoundKind::logical_or:
    case BoundKind::logical_not:
    case BoundKind::is_null:
    case BoundKind::is_not_null: return eval_logic(e, ctx, active);
    case BoundKind::case_when: return eval_case(e, ctx, active);
    case BoundKind::coalesce: return eval_coalesce(e, ctx, active);
    case BoundKind::in_list: return eval_in_list(e, ctx, active);
    case BoundKind::function: return eval_function(e, ctx, active);
  }
  NIMBUS_THROW(Error, "evaluate: unknown node kind in '", e.text(), "'");
}

}  // namespace nimbus::analytics
