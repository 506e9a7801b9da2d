// The CSV writer: quoting, nulls, shortest floats, and read(write(t)) == t.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "analytics/column_builder.h"
#include "analytics/csv/csv_reader.h"
#include "analytics/csv/csv_writer.h"

namespace nimbus::analytics {
namespace {

// Every type, with nulls, awkward strings and floats that need all their digits.
Table awkward_table() {
  std::mt19937_64 random(11);
  ColumnBuilder b(DataType::boolean), i32(DataType::int32), i64(DataType::int64), f32(DataType::float32),
      f64(DataType::float64), s(DataType::string), d(DataType::date32), ts(DataType::timestamp);
  const char* strings[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "", "NA", "null", " padded ", "crlf\r\n", "ünï"};
  for (int r = 0; r < 40; ++r) {
    const bool null = r % 9 == 4;
    if (null) {
      for (ColumnBuilder* builder : {&b, &i32, &i64, &f32, &f64, &s, &d, &ts}) builder->append_null();
      continue;
    }
    b.append_bool(r % 2 == 0);
    i32.append_int32(static_cast<int32_t>(random()));
    i64.append_int64(static_cast<int64_t>(random()));
    uint32_t float_bits = static_cast<uint32_t>(random());
    float f = 0;
    std::memcpy(&f, &float_bits, sizeof f);
    f32.append_float32(std::isfinite(f) ? f : 0.1f);
    uint64_t double_bits = random();
    double v = 0;
    std::memcpy(&v, &double_bits, sizeof v);
    f64.append_float64(std::isfinite(v) ? v : 1.0 / 3.0);
    s.append_string(strings[r % 10]);
    d.append_date32(static_cast<int32_t>(random() % 40000) - 10000);
    ts.append_timestamp(static_cast<int64_t>(random() % 4000000000000000) - 1000000000000000);
  }
  return Table({"b", "i32", "i64", "f32", "f64", "s", "d", "ts"},
               {b.finish(), i32.finish(), i64.finish(), f32.finish(), f64.finish(), s.finish(), d.finish(),
                ts.finish()});
}

TEST(AnalyticsCsvWriter, QuotesOnlyWhenNeededAndWritesNullsEmpty) {
  ColumnBuilder s(DataType::string), x(DataType::float64);
  for (const char* text : {"a", "a,b", "q\"", ""}) s.append_string(text);
  s.append_null();
  for (double v : {0.1, 1e300, -0.0, 2.5}) x.append_float64(v);
  x.append_null();
  const Table table({"s", "x"}, {s.finish(), x.finish()});
  EXPECT_EQ(to_csv_text(table), "s,x\na,0.1\n\"a,b\",1e+300\n\"q\"\"\",-0\n\"\",2.5\n,\n");
}

TEST(AnalyticsCsvWriter, RoundTripsEveryTypeExactly) {
  const Table table = awkward_table();
  const std::string text = to_csv_text(table);
  CsvReadOptions options;
  for (int64_t c = 0; c < table.num_columns(); ++c)
    options.column_types[table.names()[static_cast<size_t>(c)]] = table.column(c).type();
  const Table back = read_csv_text(text, "round.csv", options).table;
  ASSERT_EQ(back.num_rows(), table.num_rows());
  for (int64_t c = 0; c < table.num_columns(); ++c) {
    EXPECT_TRUE(back.column(c).equals(table.column(c))) << table.names()[static_cast<size_t>(c)];
  }
  EXPECT_TRUE(back.equals(table));
  // Inference alone recovers the types whose text says what they are.
  const Table inferred = read_csv_text(text, "round.csv").table;
  for (const char* name : {"b", "i64", "f64", "s", "d", "ts"})
    EXPECT_EQ(inferred.column(name).type(), table.column(name).type()) << name;
  EXPECT_TRUE(inferred.column("f64").equals(table.column("f64")));
}

TEST(AnalyticsCsvWriter, WritesFiles) {
  const std::string path = ::testing::TempDir() + "nimbus_analytics_written.csv";
  write_csv_file(awkward_table(), path);
  EXPECT_TRUE(read_csv(path).table.column("s").equals(awkward_table().column("s")));
  EXPECT_THROW(write_csv_file(awkward_table(), ::testing::TempDir() + "no/such/dir/x.csv"), IOError);
}

}  // namespace
}  // namespace nimbus::analytics
