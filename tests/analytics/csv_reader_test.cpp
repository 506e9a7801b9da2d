// The CSV reader: quoting, line endings, headers, nulls, inference, schemas, errors, gzip.
#include <gtest/gtest.h>

#include <fstream>

#include "analytics/csv/csv_reader.h"
#include "analytics/date_time.h"

namespace nimbus::analytics {
namespace {

Table read(std::string_view text, const CsvReadOptions& options = {}) {
  return read_csv_text(text, "t.csv", options).table;
}

// The message of the ParseError reading `text` raises.
std::string parse_error(std::string_view text, const CsvReadOptions& options = {}) {
  try {
    read_csv_text(text, "t.csv", options);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "(no ParseError)";
}

std::vector<std::string> texts(const Column& column) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < column.length(); ++i) out.push_back(column.value_text(i));
  return out;
}

TEST(AnalyticsCsvReader, QuotedFieldsHoldDelimitersQuotesAndNewlines) {
  const Table table = read("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"\"\n");
  ASSERT_EQ(table.num_rows(), 2);
  EXPECT_EQ(table.column("a").string_value(0), "x, y");
  EXPECT_EQ(table.column("b").string_value(0), "say \"hi\"");
  EXPECT_EQ(table.column("a").string_value(1), "two\nlines");
  // A quoted empty field is an empty string, never a null.
  EXPECT_TRUE(table.column("b").is_valid(1));
  EXPECT_EQ(table.column("b").string_value(1), "");
}

TEST(AnalyticsCsvReader, CrlfBomAndNoTrailingNewline) {
  const Table table = read("\xEF\xBB\xBFid,name\r\n1,\"a\r\nb\"\r\n2,c");
  EXPECT_EQ(table.names(), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(table.column("id").type(), DataType::int32);
  EXPECT_EQ(texts(table.column("name")), (std::vector<std::string>{"a\r\nb", "c"}));
}

TEST(AnalyticsCsvReader, EmptyFileHeaderOnlyAndBlankLines) {
  EXPECT_EQ(read("").num_columns(), 0);
  EXPECT_EQ(read("\n\n").num_columns(), 0);
  const Table header_only = read("a,b\n");
  EXPECT_EQ(header_only.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(header_only.num_rows(), 0);
  EXPECT_EQ(header_only.column("a").type(), DataType::string);
  EXPECT_EQ(read("a\n1\n\n2\n\n").column("a").length(), 2);
  CsvReadOptions names;
  names.header = CsvHeader::absent;
  names.column_names = {"x", "y"};
  names.column_types = {{"y", DataType::float64}};
  const Table empty = read("", names);
  EXPECT_EQ(empty.names(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(empty.column("y").type(), DataType::float64);
}

TEST(AnalyticsCsvReader, NoHeaderNamesColumns) {
  CsvReadOptions options;
  options.header = CsvHeader::absent;
  const Table table = read("1,2\n3,4\n", options);
  EXPECT_EQ(table.names(), (std::vector<std::string>{"column_1", "column_2"}));
  EXPECT_EQ(table.num_rows(), 2);
  options.column_names = {"p", "q"};
  EXPECT_EQ(read("1,2\n", options).names(), (std::vector<std::string>{"p", "q"}));
  options.column_names = {"p"};
  EXPECT_NE(parse_error("1\n1,2\n", options).find("t.csv:2:3: expected 1 fields as there are column names, found 2"),
            std::string::npos);
}

TEST(AnalyticsCsvReader, NullsDefaultAndConfigurable) {
  const Table table = read("a,b\n1,x\n,NA\nnull,\"NA\"\n");
  EXPECT_EQ(table.column("a").type(), DataType::int32);
  EXPECT_EQ(table.column("a").null_count(), 2);
  EXPECT_EQ(texts(table.column("b")), (std::vector<std::string>{"x", "null", "NA"}));  // quoted NA is a string
  CsvReadOptions options;
  options.null_values = {"-"};
  const Table custom = read("a,b\n-,NA\n2,\n", options);
  EXPECT_EQ(custom.column("a").null_count(), 1);
  EXPECT_EQ(texts(custom.column("b")), (std::vector<std::string>{"NA", ""}));
  options.null_values = {""};
  options.allow_nulls = false;
  EXPECT_NE(parse_error("a,b\n1,2\n3,\n", options).find("t.csv:3:3: column 'b': empty field"), std::string::npos);
}

TEST(AnalyticsCsvReader, InfersEachType) {
  const Table table = read(
      "b,i32,i64,f,mixed,d,ts,dt,s,none\n"
      "true,1,3000000000,1.5,1,2024-01-31,2024-01-31 10:00:00,2024-01-31,x,\n"
      "FALSE,-2,4,2,2.5,1999-12-31,2024-02-01 00:00:00.25,2024-02-01 08:30:00,7,\n");
  const std::vector<DataType> expected = {DataType::boolean, DataType::int32,  DataType::int64,
                                          DataType::float64, DataType::float64, DataType::date32,
                                          DataType::timestamp, DataType::timestamp, DataType::string,
                                          DataType::string};
  for (size_t c = 0; c < expected.size(); ++c)
    EXPECT_EQ(table.column(static_cast<int64_t>(c)).type(), expected[c]) << table.names()[c];
  EXPECT_FALSE(table.column("b").bool_value(1));
  EXPECT_EQ(table.column("i64").value<int64_t>(0), 3000000000);
  EXPECT_EQ(table.column("mixed").value<double>(0), 1.0);
  EXPECT_EQ(table.column("d").value<int32_t>(1), *parse_date("1999-12-31"));
  EXPECT_EQ(table.column("ts").value_text(1), "2024-02-01 00:00:00.250000");
  EXPECT_EQ(table.column("dt").value_text(0), "2024-01-31 00:00:00");
  EXPECT_EQ(table.column("s").string_value(1), "7");
  EXPECT_EQ(table.column("none").null_count(), 2);
  // Numbers with a leading '+', exponents; a bool with a number is a string; dates with numbers too.
  const Table more = read("x,y,z\n+4,true,2024-01-01\n-3e2,1,5\n");
  EXPECT_EQ(more.column("x").type(), DataType::float64);
  EXPECT_EQ(more.column("x").value<double>(0), 4);
  EXPECT_EQ(more.column("y").type(), DataType::string);
  EXPECT_EQ(more.column("z").type(), DataType::string);
  CsvReadOptions finite;
  finite.allow_non_finite = false;
  EXPECT_EQ(read("x\n1\ninf\n").column("x").type(), DataType::float64);
  EXPECT_EQ(read("x\n1\ninf\n", finite).column("x").type(), DataType::string);
}

TEST(AnalyticsCsvReader, SchemaOverridesInference) {
  CsvReadOptions options;
  options.column_types = {{"id", DataType::int64}, {"v", DataType::float32}, {"code", DataType::string}};
  const Table table = read("id,v,code\n1,0.1,007\n2,2,010\n", options);
  EXPECT_EQ(table.column("id").type(), DataType::int64);
  EXPECT_EQ(table.column("v").value<float>(0), 0.1f);
  EXPECT_EQ(texts(table.column("code")), (std::vector<std::string>{"007", "010"}));
  options.column_types = {{"nope", DataType::int32}};
  try {
    read("id,v\n1,2\n", options);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'nope', which is not a column; the columns are: id, v"), std::string::npos)
        << e.what();
  }
  CsvReadOptions all;
  all.default_type = DataType::float64;
  EXPECT_EQ(read("a,b\n1,2\n", all).column("b").type(), DataType::float64);
}

TEST(AnalyticsCsvReader, ValuesThatDoNotFitNameLineColumnAndValue) {
  CsvReadOptions options;
  options.column_types = {{"n", DataType::int32}, {"x", DataType::float64}, {"d", DataType::date32}};
  EXPECT_NE(parse_error("n,x,d\n1,2,2024-01-01\n1.5,2,2024-01-01\n", options)
                .find("t.csv:3:1: column 'n': '1.5' is not an integer"),
            std::string::npos);
  EXPECT_NE(parse_error("n,x,d\n3000000000,2,2024-01-01\n", options)
                .find("t.csv:2:1: column 'n': '3000000000' is outside the int32 range"),
            std::string::npos);
  EXPECT_NE(parse_error("n,x,d\n1,abc,2024-01-01\n", options).find("t.csv:2:3: column 'x': 'abc' is not a number"),
            std::string::npos);
  EXPECT_NE(parse_error("n,x,d\n1,2,2024-02-30\n", options)
                .find("t.csv:2:5: column 'd': '2024-02-30' is not a date (YYYY-MM-DD)"),
            std::string::npos);
  options.column_types = {{"x", DataType::float32}};
  EXPECT_NE(parse_error("n,x,d\n1,1e300,2\n", options).find("t.csv:2:3: column 'x': '1e300' is outside the range of float32"),
            std::string::npos);
  // Lines count from the file's start, across quoted newlines.
  options.column_types = {{"n", DataType::int32}};
  EXPECT_NE(parse_error("n,x,d\n1,\"a\nb\",c\nz,2,3\n", options).find("t.csv:4:1: column 'n': 'z'"),
            std::string::npos);
}

TEST(AnalyticsCsvReader, RaggedRowsAndBadQuotes) {
  EXPECT_NE(parse_error("a,b,c\n1,2,3\n4,5\n").find("t.csv:3:4: expected 3 fields as in the header, found 2"),
            std::string::npos);
  EXPECT_NE(parse_error("a,b,c\n1,2,3,4\n").find("t.csv:2:7: expected 3 fields as in the header, found 4"),
            std::string::npos);
  EXPECT_NE(parse_error("a,b\n1,\"open\n").find("t.csv:2:3: quoted field has no closing quote"), std::string::npos);
  EXPECT_NE(parse_error("a,b\n1,\"x\"y\n").find("t.csv:2:6: unexpected 'y' after the closing quote"),
            std::string::npos);
  EXPECT_NE(parse_error("a,b\n1,x\"y\n").find("t.csv:2:4: a quote inside an unquoted field"), std::string::npos);
  EXPECT_NE(parse_error("a,,c\n").find("t.csv:1:3: header: column 2 has no name"), std::string::npos);
  EXPECT_NE(parse_error("a,b,a\n").find("t.csv:1:5: header: column name 'a' appears twice (columns 1 and 3)"),
            std::string::npos);
}

TEST(AnalyticsCsvReader, SkipBadRowsCountsThem) {
  CsvReadOptions options;
  options.skip_bad_rows = true;
  options.column_types = {{"n", DataType::int32}};
  const CsvReadResult result = read_csv_text("n,s\n1,a\n2\nx,b\n3,\"c\"d\n4,\"multi\nline\"\n5,e,f\n6,g\n", "t.csv", options);
  EXPECT_EQ(result.skipped_rows, 4);
  ASSERT_EQ(result.skipped_messages.size(), 4u);
  EXPECT_NE(result.skipped_messages[0].find("t.csv:3:"), std::string::npos) << result.skipped_messages[0];
  EXPECT_NE(result.skipped_messages[1].find("t.csv:4:1: column 'n': 'x'"), std::string::npos);
  EXPECT_EQ(texts(result.table.column("n")), (std::vector<std::string>{"1", "4", "6"}));
  EXPECT_EQ(texts(result.table.column("s")), (std::vector<std::string>{"a", "multi\nline", "g"}));
}

TEST(AnalyticsCsvReader, DelimiterTrimmingAndLocations) {
  CsvReadOptions options;
  options.delimiter = ';';
  options.trim_whitespace = true;
  options.keep_locations = true;
  const CsvReadResult result = read_csv_text("a; b\n 1 ;  \"x; y\" \n2;z\n", "t.csv", options);
  EXPECT_EQ(result.table.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(result.table.column("a").value<int32_t>(0), 1);
  EXPECT_EQ(result.table.column("b").string_value(0), "x; y");
  EXPECT_EQ(result.location(0, 1), "t.csv:2:7");
  EXPECT_EQ(result.location(1, 0), "t.csv:3:1");
  CsvReadOptions tabs;
  tabs.delimiter = '\t';
  tabs.trim_whitespace = true;  // trims spaces, never the delimiter
  const Table table = read("a\tb\n 1 \t x \n", tabs);
  EXPECT_EQ(table.column("a").value<int32_t>(0), 1);
  EXPECT_EQ(table.column("b").string_value(0), "x");
}

TEST(AnalyticsCsvReader, DetectsAHeader) {
  CsvReadOptions options;
  options.header = CsvHeader::detect;
  EXPECT_EQ(read("x,y\n1,2\n3,4\n", options).names(), (std::vector<std::string>{"x", "y"}));
  const Table data = read("1,2\n3,4\n", options);
  EXPECT_EQ(data.names(), (std::vector<std::string>{"column_1", "column_2"}));
  EXPECT_EQ(data.num_rows(), 2);
  EXPECT_EQ(data.column(0).type(), DataType::int32);
  options.default_type = DataType::float64;
  EXPECT_EQ(read("a,b\n", options).num_rows(), 0);
  EXPECT_EQ(read("1,2\n", options).num_rows(), 1);
}

TEST(AnalyticsCsvReader, ReadsFilesAndGzip) {
  const Table table = read_csv(std::string(NIMBUS_TEST_DATA_DIR) + "/small.csv.gz").table;
  EXPECT_EQ(texts(table.column("name")), (std::vector<std::string>{"a, b", "c"}));
  EXPECT_THROW(read_csv(std::string(NIMBUS_TEST_DATA_DIR) + "/absent.csv"), IOError);
  EXPECT_THROW(read_csv(std::string(NIMBUS_TEST_DATA_DIR)), IOError);
  const std::string truncated = ::testing::TempDir() + "nimbus_analytics_truncated.csv.gz";
  std::ifstream in(std::string(NIMBUS_TEST_DATA_DIR) + "/small.csv.gz", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() - 12);
  try {
    read_csv(truncated);
    ADD_FAILURE() << "a truncated gzip file was read";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("nimbus_analytics_truncated.csv.gz"), std::string::npos) << e.what();
  }
}

TEST(AnalyticsCsvReader, VeryLongFields) {
  const std::string long_text(100000, 'q');
  const Table table = read("a,b\n\"" + long_text + "\"," + long_text + "\n");
  EXPECT_EQ(table.column("a").string_value(0).size(), 100000u);
  EXPECT_EQ(table.column("b").string_value(0), long_text);
  CsvReadOptions options;
  options.column_types = {{"b", DataType::int32}};
  const std::string message = parse_error("a,b\n1," + long_text + "\n", options);
  EXPECT_NE(message.find("...' (100000 bytes) is not an integer"), std::string::npos) << message.substr(0, 200);
}

}  // namespace
}  // namespace nimbus::analytics
