#include "analytics/sql/values_lists.h"

#include <optional>

#include "analytics/column_builder.h"
#include "analytics/expr/cast_value.h"
#include "analytics/expr/evaluate.h"
#include "analytics/expr/type_rules.h"
#include "analytics/sql/cell_values.h"
#include "analytics/sql/expr_translate.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics::sql {

namespace {

struct Item {
  Value value;
  bool untyped_null = false;
  bool string_literal = false;
  int location = -1;
};

// One item's value: a literal as written, anything else evaluated over a row of no columns.
Item evaluate_item(const Json& node, const QueryContext& c) {
  ExprContext ec;
  ec.sql = c.sql;
  ec.clause = "VALUES";
  ec.column = [&c](const std::vector<std::string>& fields, int location) -> ExprPtr {
    std::string message = "VALUES items are constants; '";
    message.append(fields.empty() ? std::string() : fields.back()).append("' is a column name");
    throw SqlError(message, c.sql, location);
  };
  Item item;
  item.location = node_location(node);
  const ExprPtr e = translate_expr(node, ec);
  if (e->kind == ExprKind::literal) {
    item.value = e->value;
    item.untyped_null = e->untyped_null;
    item.string_literal = !e->untyped_null && e->value.type() == DataType::string;
    return item;
  }
  try {
    ColumnBuilder one(DataType::int32);
    one.append_int32(1);
    item.value = cell_value(evaluate(e, Table({"__row"}, {one.finish()})), 0);
  } catch (const SqlError&) {
    throw;
  } catch (const Error& err) {
    throw SqlError(err.what(), c.sql, item.location);
  }
  return item;
}

// The column's type (Note [VALUES column types]); nullopt when every item is a bare NULL.
std::optional<DataType> column_type(const std::vector<Item>& items, const QueryContext& c) {
  bool temporal = false;
  for (const Item& item : items) temporal = temporal || (!item.untyped_null && is_temporal(item.value.type()));
  std::optional<DataType> type;
  for (const Item& item : items) {
    if (item.untyped_null || (temporal && item.string_literal)) continue;
    if (!type) {
      type = item.value.type();
      continue;
    }
    const std::optional<DataType> common = common_type(*type, item.value.type());
    if (!common) {
      std::string message = "VALUES items of types ";
      message.append(data_type_name(*type)).append(" and ").append(data_type_name(item.value.type()));
      message.append(" in one column do not mix; CAST one of them");
      throw SqlError(message, c.sql, item.location);
    }
    type = common;
  }
  return type;
}

}  // namespace

QueryResult values_rows(const Json& values_lists, const QueryContext& c) {
  std::vector<std::vector<Item>> columns;  // by column, then row
  size_t row_number = 0;
  for (const Json& row : values_lists) {
    const Json& items = node_body(row).value("items", Json::array());
    if (row_number == 0) columns.resize(items.size());
    if (items.size() != columns.size()) {
      std::string message = "VALUES lists must all be the same length: the first has ";
      message.append(std::to_string(columns.size())).append(" items, this one ").append(std::to_string(items.size()));
      throw SqlError(message, c.sql, items.empty() ? -1 : node_location(items[0]));
    }
    for (size_t j = 0; j < items.size(); ++j) columns[j].push_back(evaluate_item(items[j], c));
    ++row_number;
  }
  QueryResult out;
  std::vector<std::string> names;
  std::vector<Column> built;
  for (size_t j = 0; j < columns.size(); ++j) {
    const std::optional<DataType> type = column_type(columns[j], c);
    ColumnBuilder builder(type.value_or(DataType::int32));
    for (const Item& item : columns[j]) {
      if (item.value.is_null() || item.untyped_null) {
        builder.append_null();
        continue;
      }
      try {
        append_value(builder, item.value.type() == *type ? item.value : cast_value(item.value, *type, "VALUES"));
      } catch (const Error& err) {
        throw SqlError(err.what(), c.sql, item.location);
      }
    }
    names.push_back("col" + std::to_string(j));
    built.push_back(builder.finish());
    out.untyped_null.push_back(!type.has_value());
  }
  out.table = Table(names, built);
  return out;
}

}  // namespace nimbus::analytics::sql
