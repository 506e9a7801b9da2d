// The stream config: a full config read back, the SQL form giving the same query as the
// structured one, and bad configs reported with their key, line and what was expected (several
// problems at once).
#include <gtest/gtest.h>

#include "analytics/sql/sql_error.h"
#include "analytics/stream/stream_config.h"
#include "analytics/stream/stream_sql.h"

namespace nimbus::analytics::stream {
namespace {

const char* kStructured = R"(source:
  kind: directory
  path: incoming
  time_column: ts
  time_format: milliseconds
  schema: {qty: int64}
  max_files_per_batch: 3
trigger: 500ms
window: {size: 10s, slide: 5s}
watermark: {lateness: 2s}
query:
  keys: [region]
  where: "price > 0"
  aggregates:
    - {function: count}
    - {function: sum, column: qty}
    - {function: avg, column: price, as: mean_price}
output_mode: update
sink: {kind: csv, path: out}
checkpoint: ckpt
)";

std::string problems(const std::string& yaml) {
  try {
    parse_stream_config(yaml, "s.yaml", "");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(StreamConfig, ReadsEveryKey) {
  const StreamConfig c = parse_stream_config(kStructured, "s.yaml", "base");
  EXPECT_EQ(c.source_kind, SourceKind::directory);
  EXPECT_EQ(c.source_path, "base/incoming");
  EXPECT_EQ(c.checkpoint_dir, "base/ckpt");
  EXPECT_EQ(c.sink_path, "base/out");
  EXPECT_EQ(c.limits.max_files_per_batch, 3);
  EXPECT_EQ(c.trigger_us, 500000);
  EXPECT_EQ(c.query.time_format, TimeFormat::milliseconds);
  EXPECT_EQ(c.query.window.size_us, 10000000);
  EXPECT_EQ(c.query.window.slide_us, 5000000);
  EXPECT_EQ(c.query.lateness_us, 2000000);
  EXPECT_EQ(c.query.mode, OutputMode::update);
  ASSERT_EQ(c.query.aggregates.size(), 3u);
  EXPECT_EQ(c.query.aggregates[0].output, "count");
  EXPECT_EQ(c.query.aggregates[1].output, "sum_qty");
  EXPECT_TRUE(c.query.aggregates[1].integer);
  EXPECT_EQ(c.query.aggregates[2].output, "mean_price");
  EXPECT_FALSE(c.query.aggregates[2].integer);
  EXPECT_EQ(c.csv.column_types.at("ts"), DataType::int64);
  EXPECT_EQ(c.csv.column_types.at("region"), DataType::string);
  EXPECT_EQ(c.csv.column_types.at("price"), DataType::float64);
}

// A checkpoint written under one config is refused under another: the description must change
// with the number type of an aggregate's input, which decides how its snapshot is read.
TEST(StreamConfig, DescriptionNamesTheAggregateInputsNumberType) {
  std::string as_float = kStructured;
  as_float.replace(as_float.find("schema: {qty: int64}"), std::string("schema: {qty: int64}").size(),
                   "schema: {qty: float64}");
  EXPECT_NE(parse_stream_config(kStructured, "s.yaml", "").description(),
            parse_stream_config(as_float, "s.yaml", "").description());
}

// count(column) counts values of any type: its column is not forced to a number type.
TEST(StreamConfig, CountOfATextColumnKeepsItsType) {
  std::string yaml = kStructured;
  yaml.replace(yaml.find("- {function: count}"), std::string("- {function: count}").size(),
               "- {function: count, column: note}");
  const StreamConfig c = parse_stream_config(yaml, "s.yaml", "");
  EXPECT_EQ(c.csv.column_types.count("note"), 0u);
}

TEST(StreamConfig, SqlFormMatchesTheStructuredForm) {
  std::string yaml = kStructured;
  const size_t query = yaml.find("window:"), end = yaml.find("output_mode");
  yaml.replace(query, end - query,
               "watermark: {lateness: 2s}\nquery:\n  sql: >\n    SELECT hop(ts, INTERVAL '5 seconds', INTERVAL '10 "
               "seconds') AS window, region, count(*), sum(qty), avg(price) AS mean_price\n    FROM events WHERE "
               "price > 0 GROUP BY 1, region\n");
  const StreamConfig a = parse_stream_config(kStructured, "s.yaml", "");
  const StreamConfig b = parse_stream_config(yaml, "s.yaml", "");
  EXPECT_EQ(a.description(), b.description());
  EXPECT_EQ(b.query.window_start_name, "window_start");
}

TEST(StreamConfig, SqlWindowFunctions) {
  StreamQuery q;
  parse_stream_sql("SELECT tumble(ts, INTERVAL '1 minute') AS w, k, min(v) AS lo FROM s GROUP BY w, k", q);
  EXPECT_EQ(q.time_column, "ts");
  EXPECT_EQ(q.window.size_us, 60000000);
  EXPECT_TRUE(q.window.tumbling());
  EXPECT_EQ(q.window_start_name, "w_start");
  EXPECT_EQ(q.keys, std::vector<std::string>{"k"});
  EXPECT_EQ(q.aggregates[0].function, StreamAggregate::min);
  auto error = [](const char* sql) {
    StreamQuery ignored;
    try {
      parse_stream_sql(sql, ignored);
    } catch (const SqlError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("SELECT k, count(*) FROM s GROUP BY k").find("needs a window"), std::string::npos);
  EXPECT_NE(error("SELECT tumble(ts, INTERVAL '10 seconds'), k, count(*) FROM s GROUP BY 1").find("'k' must appear in GROUP BY"),
            std::string::npos);
  EXPECT_NE(error("SELECT tumble(ts, INTERVAL 'soon'), count(*) FROM s GROUP BY 1").find("not a positive interval"),
            std::string::npos);
  EXPECT_NE(error("SELECT tumble(ts, INTERVAL '1s'), median(v) FROM s GROUP BY 1").find("count(*), count, sum"),
            std::string::npos);
  EXPECT_NE(error("SELECT tumble(ts, INTERVAL '1s'), count(*) FROM s GROUP BY 1 ORDER BY 1").find("sortClause"),
            std::string::npos);
  EXPECT_NE(error("SELECT tumble(ts, INTERVAL '1s'), count(*) FROM s GROUP BY 1 HAVING count(*) > 1").find("havingClause"),
            std::string::npos);
}

TEST(StreamConfig, ProblemsNameTheKeyLineAndExpectation) {
  std::string yaml = kStructured;
  yaml.replace(yaml.find("kind: directory"), 15, "kind: kafka");
  yaml.replace(yaml.find("size: 10s"), 9, "size: 10");
  yaml.replace(yaml.find("output_mode: update"), 19, "output_mode: complete");
  const std::string message = problems(yaml);
  EXPECT_NE(message.find("3 problems"), std::string::npos) << message;
  EXPECT_NE(message.find("s.yaml:2: source.kind: expected one of directory, file, socket, got 'kafka'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("window.size: expected a duration such as"), std::string::npos) << message;
  EXPECT_NE(message.find("output_mode: expected one of append, update, got 'complete'"), std::string::npos) << message;
}

TEST(StreamConfig, MissingAndUnknownKeys) {
  const std::string message = problems("source: {kind: file, path: x.csv, tme_column: ts}\nquery: {keys: [k]}\n");
  EXPECT_NE(message.find("source.time_column: missing (required)"), std::string::npos) << message;
  EXPECT_NE(message.find("source.tme_column: unknown key"), std::string::npos) << message;
  EXPECT_NE(message.find("query.aggregates: missing (required)"), std::string::npos) << message;
  EXPECT_NE(message.find("sink: missing (required)"), std::string::npos) << message;
  EXPECT_NE(message.find("checkpoint: missing (required)"), std::string::npos) << message;
  EXPECT_NE(problems("source: [1, 2]\n").find("source: expected a mapping"), std::string::npos);
  EXPECT_NE(problems("a: [").find("not valid YAML"), std::string::npos);
}

TEST(StreamConfig, QueryProblems) {
  std::string yaml = kStructured;
  yaml.replace(yaml.find("where: \"price > 0\""), 18, "where: \"price >\"");
  EXPECT_NE(problems(yaml).find("query:"), std::string::npos);
  yaml = kStructured;
  yaml.replace(yaml.find("{function: sum, column: qty}"), 28, "{function: sum}");
  EXPECT_NE(problems(yaml).find("column: missing; sum needs the column"), std::string::npos) << problems(yaml);
  yaml = kStructured;
  yaml.replace(yaml.find("as: mean_price"), 14, "as: count");
  EXPECT_NE(problems(yaml).find("'count' appears twice"), std::string::npos) << problems(yaml);
}

}  // namespace
}  // namespace nimbus::analytics::stream
