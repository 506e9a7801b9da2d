#include "analytics/sql/dependent_join.h"

#include <algorithm>

#include "analytics/column_builder.h"
#include "analytics/expr/evaluate.h"
#include "analytics/expr/expr_builders.h"
#include "analytics/expr/type_rules.h"
#include "analytics/ops/group_index.h"
#include "analytics/ops/join.h"
#include "analytics/ops/take.h"
#include "analytics/sql/sql_error.h"
#include "analytics/sql/table_columns.h"

namespace nimbus::analytics::sql {

namespace {

struct Where {
  std::string_view sql;
};

Column int64_column(const std::vector<int64_t>& values) {
  ColumnBuilder builder(DataType::int64);
  for (const int64_t v : values) builder.append_int64(v);
  return builder.finish();
}

Column cast_column(const Column& column, DataType type) {
  if (column.type() == type) return column;
  return evaluate(expr::cast(expr::col("v"), type), Table({"v"}, {column}));
}

// Candidate pairs whose condition columns are gathered at once (Note [Dependent joins]: blocks).
constexpr int64_t kPairBlock = int64_t{1} << 20;

// The pairs (row, domain row) that meet the equalities: a hash join on them, in row order (each
// row's domain rows in domain order), as a join gives them.
JoinRows equal_pairs(const Table& domain, std::vector<DomainEquality>& equalities, std::string_view sql) {
  std::vector<std::string> names;
  std::vector<Column> inner, outer;
  for (size_t i = 0; i < equalities.size(); ++i) {
    Column o = domain.column(domain_key_name(i));
    unify_key_types(o, equalities[i].inner, sql, equalities[i].location);
    names.push_back(domain_key_name(i));
    inner.push_back(equalities[i].inner);
    outer.push_back(std::move(o));
  }
  return at(Where{sql}, equalities.front().location, [&] {
    return join_rows(Table(names, inner), Table(names, outer), names, names, JoinKind::inner);
  });
}

// Appends to `met` the pairs of `block` that meet `residual` (all of them without one), in order.
void keep_meeting(const JoinRows& block, const Table& rows, const Table& domain, const ExprPtr& residual,
                  const std::vector<std::string>& residual_inputs, std::string_view sql, int location,
                  JoinRows& met) {
  if (!residual) {
    met.left.insert(met.left.end(), block.left.begin(), block.left.end());
    met.right.insert(met.right.end(), block.right.begin(), block.right.end());
    return;
  }
  // The conditions read only their columns of the pairs (Note [Dependent joins]).
  std::vector<std::string> names;
  std::vector<Column> columns;
  for (const std::string& name : residual_inputs) {
    names.push_back(name);
    columns.push_back(take(rows.column(name), block.left));
  }
  for (int64_t i = 0; i < domain.num_columns(); ++i) {
    names.push_back(domain.names()[static_cast<size_t>(i)]);
    columns.push_back(take(domain.column(i), block.right));
  }
  const std::vector<int64_t> kept =
      at(Where{sql}, location, [&] { return evaluate_predicate(residual, Table(names, columns)); });
  for (const int64_t k : kept) {
    met.left.push_back(block.left[static_cast<size_t>(k)]);
    met.right.push_back(block.right[static_cast<size_t>(k)]);
  }
}

}  // namespace

OuterDomain correlation_domain(const Correlation& correlation, const ExprContext& c) {
  std::vector<std::string> names;
  std::vector<Column> values;
  for (size_t i = 0; i < correlation.outer_keys.size(); ++i) {
    const Json& key = *correlation.outer_keys[i];
    const ExprPtr e = translate_expr(key, c);
    names.push_back(domain_key_name(i));
    values.push_back(at(c, node_location(key), [&] { return evaluate(e, *c.rows); }));
  }
  for (size_t i = 0; i < correlation.outer_columns.size(); ++i) {
    const OuterColumn& column = correlation.outer_columns[i];
    const ExprPtr e = c.column(column.fields, column.location);
    names.push_back(column.name);
    values.push_back(at(c, column.location, [&] { return evaluate(e, *c.rows); }));
  }
  // NULLs group together: an outer NULL gets a domain row, and its own answer, like any value.
  const detail::GroupIds groups = detail::group_keys(values, 0);
  std::vector<Column> domain;
  for (const Column& v : values) domain.push_back(take(v, groups.first_row));
  std::vector<int64_t> numbers(static_cast<size_t>(groups.num_groups));
  for (size_t g = 0; g < numbers.size(); ++g) numbers[g] = static_cast<int64_t>(g);
  names.push_back(correlation_key_name(0));
  domain.push_back(int64_column(numbers));
  return {Table(names, domain), int64_column(groups.group_of_row)};
}

Table join_with_domain(const Table& rows, const Table& domain, std::vector<DomainEquality> equalities,
                       const ExprPtr& residual, const std::vector<std::string>& residual_inputs,
                       std::string_view sql, int location) {
  JoinRows met, block;
  const auto filter = [&] { keep_meeting(block, rows, domain, residual, residual_inputs, sql, location, met); };
  if (equalities.empty()) {
    // Every pair is a candidate: made a block of rows at a time, never all at once.
    const int64_t n = rows.num_rows(), d = domain.num_rows();
    const int64_t rows_per_block = std::max<int64_t>(1, kPairBlock / std::max<int64_t>(d, 1));
    for (int64_t r0 = 0; r0 < n && d > 0; r0 += rows_per_block) {
      block.left.clear();
      block.right.clear();
      for (int64_t r = r0; r < std::min(n, r0 + rows_per_block); ++r)
        for (int64_t k = 0; k < d; ++k) {
          block.left.push_back(r);
          block.right.push_back(k);
        }
      filter();
    }
  } else {
    const JoinRows pairs = equal_pairs(domain, equalities, sql);
    const int64_t total = static_cast<int64_t>(pairs.left.size());
    for (int64_t b = 0; b < total; b += kPairBlock) {
      const auto first = static_cast<size_t>(b), last = static_cast<size_t>(std::min(total, b + kPairBlock));
      block.left.assign(pairs.left.begin() + first, pairs.left.begin() + last);
      block.right.assign(pairs.right.begin() + first, pairs.right.begin() + last);
      filter();
    }
  }
  return with_column(take(rows, met.left), correlation_key_name(0),
                     take(domain.column(correlation_key_name(0)), met.right));
}

void unify_key_types(Column& outer, Column& inner, std::string_view sql, int location) {
  if (outer.type() == inner.type()) return;
  const std::optional<DataType> common = common_type(outer.type(), inner.type());
  if (!common) {
    std::string message = "cannot compare ";
    message.append(data_type_name(outer.type())).append(" with ").append(data_type_name(inner.type()));
    message.append(" in a correlated subquery's condition");
    throw SqlError(message, sql, location);
  }
  outer = cast_column(outer, *common);
  inner = cast_column(inner, *common);
}

}  // namespace nimbus::analytics::sql
