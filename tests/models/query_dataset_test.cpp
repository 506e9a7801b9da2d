// The query dataset: a SQL result's columns become the training tensors (shared with the result
// where the column type allows it), every problem with the query is a config problem naming its
// key, and a run trains from a query config.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "analytics/table.h"
#include "error_text.h"
#include "models/config/run_config.h"
#include "models/data/column_table.h"
#include "models/data/query_dataset.h"
#include "models/runner/run_data.h"
#include "models/runner/trainer.h"
#include "runtime/error.h"

namespace nimbus::data {
namespace {

namespace fs = std::filesystem;
using nimbus::testing::error_text;

const std::string kFixtures = NIMBUS_TEST_DATA_DIR;
const std::string kItems = kFixtures + "/query_items.csv";

// Every row in the train part, in result order, so tests can compare against the result.
QueryDatasetOptions whole_table(std::string sql, std::string label, std::vector<std::string> features = {}) {
  QueryDatasetOptions o;
  o.sql = std::move(sql);
  o.tables = {{.name = "items", .path = kItems}};
  o.label = std::move(label);
  o.features = std::move(features);
  o.train_fraction = 1.0;
  o.val_fraction = 0.0;
  return o;
}

const ColumnTable& table_of(const Splits& splits) {
  return dynamic_cast<const ColumnSubset&>(*splits.train).table();
}

Batch all_rows(const Splits& splits) {
  std::vector<int64_t> indices(static_cast<size_t>(splits.train->size()));
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<int64_t>(i);
  return splits.train->gather(indices);
}

TEST(QueryDataset, Float32FeatureAndInt64LabelShareTheResultsBuffers) {
  const QueryDatasetOptions o =
      whole_table("SELECT CAST(width AS REAL) AS w, CAST(kind AS BIGINT) AS k FROM items WHERE id <= 8", "k");
  const analytics::Table result = run_training_query(o);
  const Splits splits = query_splits(result, o);
  const ColumnTable& table = table_of(splits);
  ASSERT_EQ(table.features.size(), 1u);
  // No copy: the tensors are views of the query result's own columns.
  EXPECT_EQ(table.features[0].data_ptr(), static_cast<const void*>(result.column("w").values<float>()));
  EXPECT_EQ(table.labels.data_ptr(), static_cast<const void*>(result.column("k").values<int64_t>()));
  EXPECT_EQ(splits.train->input_shape(), (Shape{1}));
  EXPECT_EQ(splits.train->num_classes(), 3);
  EXPECT_EQ(splits.train->describe(), "query train: 8 rows of 1 feature, 3 classes");

  const Batch batch = all_rows(splits);
  EXPECT_EQ(batch.inputs.shape(), (Shape{8, 1}));
  EXPECT_EQ(batch.inputs.to_vector<float>(), (std::vector<float>{0.5f, 1.5f, 2.5f, 3.0f, 0.25f, 1.75f, 2.0f, 4.5f}));
  EXPECT_EQ(batch.targets.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 1, 0, 2, 1, 0}));
}

TEST(QueryDataset, SeveralColumnsAreInterleavedPerBatchAndOtherTypesConverted) {
  // width, height: float64 (converted to f32 once); id: int32 (converted); kind: int32 (widened).
  const QueryDatasetOptions o =
      whole_table("SELECT id, width, height * 2 AS tall, kind FROM items ORDER BY id DESC LIMIT 3", "kind",
                  {"tall", "id"});
  const analytics::Table result = run_training_query(o);
  const Splits splits = query_splits(result, o);
  const ColumnTable& table = table_of(splits);
  EXPECT_EQ(table.feature_names, (std::vector<std::string>{"tall", "id"}));
  EXPECT_NE(table.labels.data_ptr(), static_cast<const void*>(result.column("kind").values<int32_t>()));
  EXPECT_EQ(splits.train->input_shape(), (Shape{2}));

  const Batch batch = all_rows(splits);
  EXPECT_EQ(batch.inputs.shape(), (Shape{3, 2}));
  EXPECT_EQ(batch.inputs.dtype(), DType::f32);
  EXPECT_EQ(batch.inputs.to_vector<float>(), (std::vector<float>{5.5f, 10, 1.5f, 9, 6, 8}));
  EXPECT_EQ(batch.targets.dtype(), DType::i64);
  EXPECT_EQ(batch.targets.to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 0}));

  // A gather of chosen rows, in the order asked.
  const int64_t picks[] = {2, 0};
  const Batch two = splits.train->gather(picks);
  EXPECT_EQ(two.inputs.to_vector<float>(), (std::vector<float>{6, 8, 5.5f, 10}));
  EXPECT_EQ(two.targets.to_vector<int64_t>(), (std::vector<int64_t>{0, 0}));
}

TEST(QueryDataset, DefaultFeaturesAreTheOtherNumericColumnsAndStringLabelsAreSorted) {
  const QueryDatasetOptions o = whole_table("SELECT id, color, width FROM items WHERE id IN (1, 2, 4)", "color");
  const Splits splits = query_splits(run_training_query(o), o);
  const ColumnTable& table = table_of(splits);
  EXPECT_EQ(table.feature_names, (std::vector<std::string>{"id", "width"}));
  EXPECT_EQ(table.class_names, (std::vector<std::string>{"blue", "green", "red"}));
  EXPECT_EQ(all_rows(splits).targets.to_vector<int64_t>(), (std::vector<int64_t>{2, 0, 1}));
}

TEST(QueryDataset, SplitsWithTheSeededRowSplit) {
  QueryDatasetOptions o = whole_table("SELECT width, kind FROM items", "kind");
  o.train_fraction = 0.6;
  o.val_fraction = 0.2;
  o.split_seed = 3;
  const Splits splits = load_query_dataset(o);
  EXPECT_EQ(splits.train->size(), 6);
  ASSERT_TRUE(splits.val && splits.test);
  EXPECT_EQ(splits.val->size(), 2);
  EXPECT_EQ(splits.test->size(), 2);
}

TEST(QueryDataset, ReportsEveryProblemWithTheResultAtOnce) {
  // weight has a null (row 4); color is a string; height is float64 and cannot be a label.
  const QueryDatasetOptions o = whole_table("SELECT * FROM items", "height", {"weight", "color", "depth", "height"});
  const std::string text = error_text([&] { load_query_dataset(o); });
  EXPECT_NE(text.find("5 problems with the query's result"), std::string::npos) << text;
  EXPECT_NE(text.find("data.label: label column 'height' is float64; class labels must be integers"),
            std::string::npos) << text;
  EXPECT_NE(text.find("data.features: feature column 'weight' has 1 null of 10 rows"), std::string::npos) << text;
  EXPECT_NE(text.find("coalesce(weight, 0)"), std::string::npos) << text;
  EXPECT_NE(text.find("data.features: feature column 'color' is string; features must be numeric"),
            std::string::npos) << text;
  EXPECT_NE(text.find("data.features: 'depth' is not a column of the query's result; the columns are: id, width"),
            std::string::npos) << text;
  EXPECT_NE(text.find("data.features: 'height' is the label column; it cannot be a feature too"), std::string::npos)
      << text;
}

TEST(QueryDataset, RejectsBadLabelsAndEmptyResults) {
  EXPECT_NE(error_text([&] { load_query_dataset(whole_table("SELECT width, kind - 1 AS k FROM items", "k")); })
                .find("label column 'k' has 4 values outside 0..999999 (integer labels are class ids; the first is -1 "
                      "at row 1 of the result)"),
            std::string::npos);
  EXPECT_NE(error_text([&] { load_query_dataset(whole_table("SELECT width, kind FROM items WHERE id > 99", "kind")); })
                .find("data.sql: the query returned no rows"),
            std::string::npos);
  EXPECT_NE(error_text([&] { load_query_dataset(whole_table("SELECT color, kind FROM items", "kind")); })
                .find("data.sql: the result has no numeric column besides the label 'kind'"),
            std::string::npos);
  EXPECT_NE(error_text([&] { load_query_dataset(whole_table("SELECT width, kind FROM items", "kind", {"kind"})); })
                .find("data.features: 'kind' is the label column"),
            std::string::npos);
  const std::string nulls = error_text(
      [&] { load_query_dataset(whole_table("SELECT width, NULLIF(kind, 2) AS k FROM items", "k")); });
  EXPECT_NE(nulls.find("label column 'k' has 3 nulls of 10 rows"), std::string::npos) << nulls;
}

}  // namespace
}  // namespace nimbus::data

namespace nimbus::models {
namespace {

namespace fs = std::filesystem;
using nimbus::testing::error_text;

const std::string kFixtures = NIMBUS_TEST_DATA_DIR;

std::string query_config(const std::string& data, const std::string& extra = "") {
  return "model: {kind: mlp, hidden: [8]}\n"
         "data:\n" + data +
         "training: {steps: 5}\n"
         "checkpoint: {dir: runs/q}\n" + extra;
}

// The ConfigError text for `yaml` (data paths relative to the test data folder), or "".
std::string problems(const std::string& yaml) {
  try {
    parse_run_config(yaml, "run.yaml", kFixtures);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const std::string kItemsData =
    "  type: query\n"
    "  tables: {items: query_items.csv}\n"
    "  sql: SELECT width, height, kind FROM items\n"
    "  label: kind\n";

TEST(QueryConfig, ReadsTheQuerySectionAndKeepsTheResult) {
  const RunConfig c = parse_run_config(query_config(kItemsData + "  split_seed: 4\n  train_fraction: 0.5\n"),
                                       "run.yaml", kFixtures);
  EXPECT_EQ(c.data.dataset, "query");  // `type` names the dataset
  EXPECT_EQ(c.data.sql, "SELECT width, height, kind FROM items");
  ASSERT_EQ(c.data.tables.size(), 1u);
  EXPECT_EQ(c.data.tables[0].name, "items");
  EXPECT_EQ(c.data.tables[0].path, (fs::path(kFixtures) / "query_items.csv").lexically_normal().string());
  EXPECT_TRUE(c.data.tables[0].header);
  EXPECT_EQ(c.data.label, "kind");
  EXPECT_DOUBLE_EQ(c.data.train_fraction, 0.5);
  ASSERT_NE(c.data.query_result, nullptr);
  EXPECT_EQ(c.data.query_result->num_rows(), 10);

  // The dataset is built on the result the loader kept: the same buffers, no second query.
  const RunData data = load_run_data(c.data, c.seed);
  const auto& table = dynamic_cast<const data::ColumnSubset&>(*data.splits.train).table();
  EXPECT_EQ(table.feature_names, (std::vector<std::string>{"width", "height"}));
  EXPECT_EQ(data.splits.train->size(), 5);
}

TEST(QueryConfig, ResolvedConfigReloadsToTheSameQuery) {
  const RunConfig c = parse_run_config(
      query_config("  dataset: query\n"
                   "  tables: {items: {path: query_items.csv, header: true}}\n"
                   "  sql: |\n    SELECT width, height, kind\n    FROM items\n"
                   "  label: kind\n  features: [height]\n"),
      "run.yaml", kFixtures);
  const std::string yaml = to_yaml(c);
  const RunConfig again = parse_run_config(yaml, "resolved.yaml", "/");
  EXPECT_EQ(again.data.sql, c.data.sql);
  EXPECT_EQ(again.data.sql, "SELECT width, height, kind\nFROM items\n");
  EXPECT_EQ(again.data.tables[0].path, c.data.tables[0].path);
  EXPECT_EQ(again.data.features, (std::vector<std::string>{"height"}));
  EXPECT_EQ(to_yaml(again), yaml);
}

TEST(QueryConfig, HeaderlessTablesAreNamedColumn1ToN) {
  const std::string dir = ::testing::TempDir() + "nimbus_query_config";
  fs::create_directories(dir);
  std::ofstream(dir + "/plain.csv") << "1.5,2,0\n2.5,3,1\n3.5,4,1\n4.5,5,0\n";
  const RunConfig c = parse_run_config(query_config("  dataset: query\n"
                                                    "  tables: {plain: {path: plain.csv, header: false}}\n"
                                                    "  sql: SELECT column_1, column_3 FROM plain\n"
                                                    "  label: column_3\n"),
                                       "run.yaml", dir);
  EXPECT_FALSE(c.data.tables[0].header);
  EXPECT_EQ(c.data.query_result->names(), (std::vector<std::string>{"column_1", "column_3"}));
}

TEST(QueryConfig, AQueryErrorPointsIntoTheQueryUnderItsKey) {
  const std::string text = problems(query_config(
      "  type: query\n  tables: {items: query_items.csv}\n  sql: SELECT widht, kind FROM items\n  label: kind\n"));
  EXPECT_NE(text.find("run.yaml:5: data.sql: "), std::string::npos) << text;
  EXPECT_NE(text.find("widht"), std::string::npos) << text;
  EXPECT_NE(text.find("LINE 1: SELECT widht, kind FROM items"), std::string::npos) << text;
  EXPECT_NE(text.find("^"), std::string::npos) << text;
}

TEST(QueryConfig, ReportsKeyProblemsTogether) {
  // sql and label missing, a misspelt key, a bad fraction and a problem in another section.
  const std::string text = problems(
      "model: {kind: mlp}\n"
      "data: {type: query, tables: {items: query_items.csv}, lable: kind, val_fraction: 0.5, train_fraction: 0.9}\n"
      "optimizer: {lr: -1}\n"
      "training: {steps: 5}\n"
      "checkpoint: {dir: runs/q}\n");
  EXPECT_NE(text.find("5 problems in the config"), std::string::npos) << text;
  EXPECT_NE(text.find("run.yaml:2: data.sql: is required"), std::string::npos) << text;
  EXPECT_NE(text.find("data.label: is required"), std::string::npos) << text;
  EXPECT_NE(text.find("data.lable: unknown key for dataset 'query' (did you mean 'label'?)"), std::string::npos) << text;
  EXPECT_NE(text.find("data.val_fraction: train_fraction + val_fraction exceed 1"), std::string::npos) << text;
  EXPECT_NE(text.find("optimizer.lr: expected a number"), std::string::npos) << text;
}

TEST(QueryConfig, ResultProblemsAreConfigProblems) {
  const std::string text = problems(query_config("  type: query\n  tables: {items: query_items.csv}\n"
                                                 "  sql: SELECT * FROM items\n  label: kind2\n"
                                                 "  features: [width, color, weight]\n"));
  EXPECT_NE(text.find("data.label: 'kind2' is not a column of the query's result; the columns are: id, width, height, "
                      "color, kind, weight"),
            std::string::npos) << text;
  EXPECT_NE(text.find("run.yaml:7: data.features: feature column 'color' is string"), std::string::npos) << text;
  EXPECT_NE(text.find("data.features: feature column 'weight' has 1 null of 10 rows"), std::string::npos) << text;
}

TEST(QueryConfig, MissingTableFilesAndConflictingSelectors) {
  const std::string missing = problems(query_config("  type: query\n  tables: {items: no_such.csv, more: {header: false}}\n"
                                                    "  sql: SELECT * FROM items\n  label: kind\n"));
  EXPECT_NE(missing.find("data.tables.items: file '"), std::string::npos) << missing;
  EXPECT_NE(missing.find("no_such.csv' does not exist (relative paths start at the config's folder)"),
            std::string::npos) << missing;
  EXPECT_NE(missing.find("data.tables.more.path: is required"), std::string::npos) << missing;

  const std::string both = problems(query_config("  type: query\n  dataset: csv\n"));
  EXPECT_NE(both.find("data.type: give one of dataset and type"), std::string::npos) << both;
  const std::string kind = problems(query_config("  type: table\n"));
  EXPECT_NE(kind.find("data.type: expected one of digits, text, csv, synthetic, query, got 'table'"),
            std::string::npos) << kind;
  const std::string features = problems(query_config(kItemsData + "  features: [width, width]\n"));
  EXPECT_NE(features.find("data.features: 'width' is listed twice"), std::string::npos) << features;
}

// The example config, shortened: the digits through a query train an MLP to a sensible accuracy.
TEST(QueryConfig, TrainsFromTheDigitsQueryExample) {
  const fs::path dir = fs::temp_directory_path() / "nimbus_query_train_test";
  fs::remove_all(dir);
  const std::string config = std::string(NIMBUS_EXAMPLES_DIR) + "/configs/digits_query.yaml";
  RunConfig c = load_run_config(config, {"training.epochs=8", "training.log_every=1000", "training.eval_every=0",
                                         "checkpoint.dir=" + dir.string(), "device=cpu"});
  std::ostringstream log;
  TrainOptions options;
  options.log = &log;
  options.interactive = false;
  Trainer trainer(std::move(c), options);
  const TrainSummary summary = trainer.run();
  EXPECT_GT(summary.val.accuracy, 0.85) << log.str();
  ASSERT_TRUE(summary.test.has_value());
  EXPECT_GT(summary.test->accuracy, 0.85) << log.str();
  // The resolved config in the run directory reloads (the run can be evaluated and resumed).
  EXPECT_NO_THROW(load_run_config((dir / "config.yaml").string()));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nimbus::models
