#include "analytics/sql/dependent_join.h"

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

// The pairs (row, domain row) that meet the equalities: a hash join on them, or every pair when
// there are none, in `rows` order (each row's domain rows in domain order), as a join gives them.
JoinRows equal_pairs(const Table& rows, const Table& domain, std::vector<DomainEquality>& equalities,
                     std::string_view sql) {
  JoinRows pairs;
  if (equalities.empty()) {
    const int64_t n = rows.num_rows(), d = domain.num_rows();
    pairs.left.reserve(static_cast<size_t>(n * d));
    pairs.right.reserve(static_cast<size_t>(n * d));
    for (int64_t r = 0; r < n; ++r)
      for (int64_t k = 0; k < d; ++k) {
        pairs.left.push_back(r);
        pairs.right.push_back(k);
      }
    return pairs;
  }
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
  JoinRows pairs = equal_pairs(rows, domain, equalities, sql);
  if (residual) {
    // The conditions read only their columns of the pairs (Note [Dependent joins]).
    std::vector<std::string> names;
    std::vector<Column> columns;
    for (const std::string& name : residual_inputs) {
      names.push_back(name);
      columns.push_back(take(rows.column(name), pairs.left));
    }
    for (int64_t i = 0; i < domain.num_columns(); ++i) {
      names.push_back(domain.names()[static_cast<size_t>(i)]);
      columns.push_back(take(domain.column(i), pairs.right));
    }
    const std::vector<int64_t> kept =
        at(Where{sql}, location, [&] { return evaluate_predicate(residual, Table(names, columns)); });
    JoinRows met;
    met.left.reserve(kept.size());
    met.right.reserve(kept.size());
    for (const int64_t k : kept) {
      met.left.push_back(pairs.left[static_cast<size_t>(k)]);
      met.right.push_back(pairs.right[static_cast<size_t>(k)]);
    }
    pairs = std::move(met);
  }
  return with_column(take(rows, pairs.left), correlation_key_name(0),
                     take(domain.column(correlation_key_name(0)), pairs.right));
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
