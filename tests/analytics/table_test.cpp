// Tables: construction checks, lookup by name, select/rename/slice, printing.
#include <gtest/gtest.h>

#include "analytics/column_builder.h"
#include "analytics/table.h"

namespace nimbus::analytics {
namespace {

Column ints(std::vector<int32_t> values) {
  ColumnBuilder builder(DataType::int32);
  for (int32_t v : values) builder.append_int32(v);
  return builder.finish();
}

Column strings(std::vector<std::string> values) {
  ColumnBuilder builder(DataType::string);
  for (const std::string& v : values) {
    if (v == "<null>") builder.append_null();
    else builder.append_string(v);
  }
  return builder.finish();
}

Table people() {
  return Table({"id", "name"}, {ints({1, 22, 333}), strings({"ann", "<null>", "bé"})});
}

TEST(AnalyticsTable, ColumnsByNameAndIndex) {
  const Table table = people();
  EXPECT_EQ(table.num_rows(), 3);
  EXPECT_EQ(table.num_columns(), 2);
  EXPECT_EQ(table.column("name").string_value(2), "bé");
  EXPECT_EQ(table.column(0).value<int32_t>(1), 22);
  EXPECT_EQ(table.find("name"), 1);
  EXPECT_FALSE(table.find("age"));
  try {
    table.column("age");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "no column 'age'; the columns are: id, name");
  }
}

TEST(AnalyticsTable, ConstructionChecks) {
  EXPECT_THROW(Table({"a", "b"}, {ints({1}), ints({1, 2})}), ShapeError);
  EXPECT_THROW(Table({"a", "a"}, {ints({1}), ints({2})}), Error);
  EXPECT_THROW(Table({""}, {ints({1})}), Error);
  EXPECT_THROW(Table({"a"}, {}), ShapeError);
}

TEST(AnalyticsTable, SelectRenameSliceShareColumns) {
  const Table table = people();
  const Table picked = table.select({"name", "id"});
  EXPECT_EQ(picked.names(), (std::vector<std::string>{"name", "id"}));
  EXPECT_EQ(picked.column("id").data().data(), table.column("id").data().data());
  const Table renamed = table.rename({{"name", "who"}});
  EXPECT_EQ(renamed.names(), (std::vector<std::string>{"id", "who"}));
  EXPECT_THROW(table.rename({{"nope", "x"}}), Error);
  EXPECT_THROW(table.rename({{"name", "id"}}), Error);  // would make two columns 'id'
  const Table tail = table.slice(1, 2);
  EXPECT_EQ(tail.num_rows(), 2);
  EXPECT_EQ(tail.column("id").value<int32_t>(0), 22);
  EXPECT_TRUE(tail.equals(table.slice(1, 2)));
  EXPECT_FALSE(tail.equals(table.slice(0, 2)));
  EXPECT_FALSE(table.equals(renamed));
}

TEST(AnalyticsTable, PrintsAnAlignedTable) {
  EXPECT_EQ(people().to_string(),
            "   id | name  \n"
            "int32 | string\n"
            "------+-------\n"
            "    1 | ann   \n"
            "   22 | null  \n"
            "  333 | bé    \n"
            "(3 rows)\n");
  EXPECT_EQ(people().to_string(1),
            "   id | name  \n"
            "int32 | string\n"
            "------+-------\n"
            "    1 | ann   \n"
            "(3 rows, first 1 shown)\n");
}

}  // namespace
}  // namespace nimbus::analytics
