// The Arrow C Data Interface: tables and columns out and back in without copies, every type with
// nulls and slices, arrays built by another producer (release called exactly once, when the last
// user is gone), and the formats and states import refuses.
#include <gtest/gtest.h>

#include <cstring>

#include "analytics/arrow/arrow_c_data.h"
#include "analytics/column_builder.h"
#include "analytics/tensor_bridge.h"

namespace nimbus::analytics {
namespace {

Table every_type() {
  std::vector<std::string> names;
  std::vector<Column> columns;
  for (int t = 0; t < kNumDataTypes; ++t) {
    const DataType type = static_cast<DataType>(t);
    ColumnBuilder b(type);
    for (int i = 0; i < 40; ++i) {
      if (i % 6 == 1) {
        b.append_null();
        continue;
      }
      switch (type) {
        case DataType::boolean: b.append_bool(i % 3 == 0); break;
        case DataType::int32: b.append_int32(i * 7 - 100); break;
        case DataType::int64: b.append_int64(int64_t{i} << 40); break;
        case DataType::float32: b.append_float32(i / 4.0f); break;
        case DataType::float64: b.append_float64(i / 3.0); break;
        case DataType::string: b.append_string(std::string(static_cast<size_t>(i % 4), 'x') + "é"); break;
        case DataType::date32: b.append_date32(i * 100 - 2000); break;
        case DataType::timestamp: b.append_timestamp(int64_t{i} * 3600000000); break;
      }
    }
    names.emplace_back(data_type_name(type));
    columns.push_back(b.finish());
  }
  return Table(names, columns);
}

TEST(ArrowCData, TablesRoundTripWithoutCopies) {
  const Table table = every_type();
  for (const Table& source : {table, table.slice(13, 20)}) {
    ArrowArray array;
    ArrowSchema schema;
    export_table(source, &array, &schema);
    EXPECT_STREQ(schema.format, "+s");
    ASSERT_EQ(schema.n_children, kNumDataTypes);
    EXPECT_STREQ(schema.children[5]->format, "u");
    EXPECT_STREQ(schema.children[7]->format, "tsu:");
    EXPECT_STREQ(schema.children[2]->name, "int64");
    const Table back = import_table(&array, &schema);
    EXPECT_EQ(array.release, nullptr) << "import moves the array";
    EXPECT_EQ(schema.release, nullptr) << "import releases the schema";
    EXPECT_TRUE(back.equals(source));
    for (int64_t c = 0; c < source.num_columns(); ++c)
      EXPECT_EQ(back.column(c).data().data(), source.column(c).data().data()) << "column " << c << " was copied";
  }
}

TEST(ArrowCData, ExportedMemoryOutlivesTheTableAndIsFreedWithTheLastUser) {
  Buffer values;
  ArrowArray array;
  ArrowSchema schema;
  {
    const Table table = every_type();
    values = table.column("float64").data();
    export_table(table, &array, &schema);
  }
  const long held_by_export = values.use_count();
  EXPECT_GT(held_by_export, 1);
  {
    const Table back = import_table(&array, &schema);
    EXPECT_EQ(back.column("string").string_value(2), "xxé");
    const Tensor t = column_as_tensor(back.column("int64").slice(2, 3));  // rows 2..4 have no nulls
    EXPECT_EQ(t.to_vector<int64_t>(), (std::vector<int64_t>{int64_t{2} << 40, int64_t{3} << 40, int64_t{4} << 40}));
  }
  EXPECT_EQ(values.use_count(), 1) << "the export's references go when the importer's last column does";
}

// An int32 array as another library would produce it: its own memory and a release callback.
struct ForeignInt32 {
  int32_t values[6] = {10, 11, 12, 13, 14, 15};
  uint8_t validity[1] = {0b111011};  // value 2 is null
  const void* buffers[2] = {validity, values};
  int releases = 0;

  ArrowArray array() {
    ArrowArray a{};
    a.length = 4;
    a.null_count = 1;
    a.offset = 1;  // rows 11, null, 13, 14
    a.n_buffers = 2;
    a.buffers = buffers;
    a.release = [](ArrowArray* self) {
      ++static_cast<ForeignInt32*>(self->private_data)->releases;
      self->release = nullptr;
    };
    a.private_data = this;
    return a;
  }
};

ArrowSchema schema_of(const char* format, int* releases) {
  ArrowSchema s{};
  s.format = format;
  s.name = "x";
  s.release = [](ArrowSchema* self) {
    ++*static_cast<int*>(self->private_data);
    self->release = nullptr;
  };
  s.private_data = releases;
  return s;
}

TEST(ArrowCData, ForeignArraysAreWrappedAndReleasedOnce) {
  ForeignInt32 foreign;
  int schema_releases = 0;
  ArrowArray array = foreign.array();
  ArrowSchema schema = schema_of("i", &schema_releases);
  {
    const Column column = import_column(&array, &schema);
    EXPECT_EQ(schema_releases, 1);
    EXPECT_EQ(foreign.releases, 0);
    ASSERT_EQ(column.length(), 4);
    EXPECT_EQ(column.null_count(), 1);
    EXPECT_EQ(column.value<int32_t>(0), 11);
    EXPECT_TRUE(column.is_null(1));
    EXPECT_EQ(column.value<int32_t>(3), 14);
    EXPECT_EQ(column.values<int32_t>(), foreign.values + 1) << "no copy";
    const Column kept = column.slice(2, 2);
    EXPECT_EQ(foreign.releases, 0);
  }
  EXPECT_EQ(foreign.releases, 1);
}

TEST(ArrowCData, RefusesWhatItCannotRepresent) {
  auto expect_refused = [](const char* format, const std::string& words) {
    ForeignInt32 foreign;
    int schema_releases = 0;
    ArrowArray array = foreign.array();
    ArrowSchema schema = schema_of(format, &schema_releases);
    try {
      import_column(&array, &schema);
      ADD_FAILURE() << format << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
    EXPECT_EQ(schema_releases, 1) << format << ": the schema is released on errors too";
    EXPECT_EQ(foreign.releases, 1) << format << ": so is the array";
  };
  expect_refused("U", "large strings");
  expect_refused("tsu:UTC", "time zone");
  expect_refused("tsn:", "microsecond");
  expect_refused("z", "format 'z'");

  ForeignInt32 foreign;
  int schema_releases = 0;
  ArrowArray array = foreign.array();
  array.release = nullptr;
  ArrowSchema schema = schema_of("i", &schema_releases);
  EXPECT_THROW(import_column(&array, &schema), Error);
  EXPECT_EQ(schema_releases, 1);

  const Table table = every_type();
  ArrowArray t_array;
  ArrowSchema t_schema;
  export_table(table, &t_array, &t_schema);
  try {
    import_column(&t_array, &t_schema);
    ADD_FAILURE() << "a struct array was imported as a column";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'+s'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nimbus::analytics
