// CASE, COALESCE and IN: the nodes whose NULL rules are not "NULL in, NULL out".
//
// CASE and COALESCE evaluate each branch or argument only for the rows still undecided (Note [Rows
// that matter]); a CASE without ELSE gives NULL where no condition is true (a NULL condition counts
// as not true). IN is true when the value equals an item, else NULL when the value or any item is
// NULL, else false — so NOT IN over a list with a NULL is never true, as in SQL.
#include <algorithm>
#include <string_view>
#include <type_traits>
#include <vector>

#include "analytics/expr/eval_node.h"
#include "analytics/expr/in_list_items.h"

namespace nimbus::analytics {

namespace {

// Copies the rows of `from` marked in `take` (values and validity) into `out`.
void copy_rows(const Vector& from, const uint8_t* take, Vector& out, uint8_t* out_valid) {
  visit_chunk_type(out.type(), [&]<typename T>() {
    const T* a = from.data<T>();
    T* r = out.mutable_data<T>();
    for (int64_t i = 0; i < out.rows(); ++i) {
      if (!take[i]) continue;
      r[i] = a[i];
      out_valid[i] = from.valid(i);
    }
  });
}

// An all-NULL vector of `type` with zeroed values, to be filled row by row.
Vector empty_result(DataType type, int64_t rows) {
  Vector out(type, rows);
  visit_chunk_type(type, [&]<typename T>() { out.allocate<T>(); });
  out.make_validity(0);
  return out;
}

std::vector<uint8_t> rows_to_decide(const uint8_t* active, int64_t rows) {
  if (active == nullptr) return std::vector<uint8_t>(static_cast<size_t>(rows), 1);
  return std::vector<uint8_t>(active, active + rows);
}

bool any(const std::vector<uint8_t>& rows) {
  return std::any_of(rows.begin(), rows.end(), [](uint8_t r) { return r != 0; });
}

}  // namespace

Vector eval_case(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  Vector out = empty_result(e.type, ctx.rows);
  uint8_t* out_valid = out.make_validity();
  std::vector<uint8_t> remaining = rows_to_decide(active, ctx.rows);
  std::vector<uint8_t> take(static_cast<size_t>(ctx.rows));
  const size_t whens = (e.children.size() - (e.has_else ? 1 : 0)) / 2;
  for (size_t w = 0; w < whens && any(remaining); ++w) {
    const Vector condition = eval_node(*e.children[2 * w], ctx, remaining.data());
    const uint8_t* c = condition.data<uint8_t>();
    for (int64_t i = 0; i < ctx.rows; ++i) take[i] = remaining[i] & condition.valid(i) & c[i];
    if (!any(take)) continue;
    const Vector result = eval_node(*e.children[2 * w + 1], ctx, take.data());
    copy_rows(result, take.data(), out, out_valid);
    for (int64_t i = 0; i < ctx.rows; ++i) remaining[i] &= !take[i];
  }
  if (e.has_else && any(remaining)) {
    const Vector result = eval_node(*e.children.back(), ctx, remaining.data());
    copy_rows(result, remaining.data(), out, out_valid);
  }
  out.compact_validity();
  return out;
}

Vector eval_coalesce(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  Vector out = empty_result(e.type, ctx.rows);
  uint8_t* out_valid = out.make_validity();
  std::vector<uint8_t> remaining = rows_to_decide(active, ctx.rows);
  std::vector<uint8_t> take(static_cast<size_t>(ctx.rows));
  for (size_t k = 0; k < e.children.size() && any(remaining); ++k) {
    const Vector argument = eval_node(*e.children[k], ctx, remaining.data());
    for (int64_t i = 0; i < ctx.rows; ++i) take[i] = remaining[i] & argument.valid(i);
    copy_rows(argument, take.data(), out, out_valid);
    for (int64_t i = 0; i < ctx.rows; ++i) remaining[i] &= !take[i];
  }
  out.compact_validity();
  return out;
}

namespace {

// IN over literal items sorted at bind time (Note [Searched IN lists]), with the same NULL rules as
// the scan below: O(rows log items) instead of O(rows * items).
Vector searched_in_list(const SortedInItems& sorted, const Vector& value, int64_t rows) {
  Vector out(DataType::boolean, rows);
  uint8_t* found = out.allocate<uint8_t>();
  visit_chunk_type(value.type(), [&]<typename T>() {
    const auto& items = sorted.as<T>();
    const T* a = value.data<T>();
    for (int64_t i = 0; i < rows; ++i) {
      if constexpr (std::is_same_v<T, std::string_view>) {
        const auto at = std::lower_bound(items.begin(), items.end(), a[i],
                                         [](const std::string& item, std::string_view v) { return item < v; });
        found[i] = value.valid(i) && at != items.end() && *at == a[i] ? 1 : 0;
      } else {
        found[i] = value.valid(i) && std::binary_search(items.begin(), items.end(), a[i], sql_less<T>) ? 1 : 0;
      }
    }
  });
  uint8_t* valid = out.make_validity();
  const uint8_t unknown_when_missing = sorted.has_null ? 0 : 1;
  for (int64_t i = 0; i < rows; ++i) valid[i] = value.valid(i) & (found[i] | unknown_when_missing);
  out.compact_validity();
  return out;
}

}  // namespace

Vector eval_in_list(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  const Vector value = eval_node(*e.children[0], ctx, active);
  if (e.sorted_items) return searched_in_list(*e.sorted_items, value, ctx.rows);
  Vector out(DataType::boolean, ctx.rows);
  uint8_t* found = out.allocate<uint8_t>();
  std::vector<uint8_t> saw_null(static_cast<size_t>(ctx.rows), 0);
  for (size_t k = 1; k < e.children.size(); ++k) {
    const Vector item = eval_node(*e.children[k], ctx, active);
    visit_chunk_type(value.type(), [&]<typename T>() {
      const T* a = value.data<T>();
      const T* b = item.data<T>();
      for (int64_t i = 0; i < ctx.rows; ++i) {
        if (item.valid(i)) found[i] |= sql_equal(a[i], b[i]) ? 1 : 0;
        else saw_null[static_cast<size_t>(i)] = 1;
      }
    });
  }
  uint8_t* valid = out.make_validity();
  for (int64_t i = 0; i < ctx.rows; ++i) valid[i] = value.valid(i) & (found[i] | !saw_null[static_cast<size_t>(i)]);
  out.compact_validity();
  return out;
}

}  // namespace nimbus::analytics
