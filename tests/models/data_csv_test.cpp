// Tabular CSV: header and label column, string and integer labels, quoting, the split, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <numeric>

#include "models/data/csv_tabular.h"
#include "models/data/labeled_table.h"
#include "runtime/error.h"

namespace nimbus::data {
namespace {

const std::string kFixtures = NIMBUS_TEST_DATA_DIR;

std::string temp_file(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + "nimbus_data_csv_" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

const LabeledSubset& subset(const std::shared_ptr<const Dataset>& part) {
  return dynamic_cast<const LabeledSubset&>(*part);
}

// The features and label of table row `row`, through the dataset that holds it.
std::pair<std::vector<float>, int64_t> example_of_row(const Splits& splits, int64_t row) {
  for (const auto& part : {splits.train, splits.val, splits.test}) {
    if (!part) continue;
    const auto& rows = subset(part).rows();
    const auto it = std::find(rows.begin(), rows.end(), row);
    if (it == rows.end()) continue;
    const int64_t index = it - rows.begin();
    const Batch batch = part->gather(std::span(&index, 1));
    return {batch.inputs.to_vector<float>(), batch.targets.item<int64_t>()};
  }
  ADD_FAILURE() << "row " << row << " is in no part";
  return {};
}

// The message of the error loading `contents` raises, checking its type.
template <typename ErrorType = ParseError>
std::string load_error(const std::string& name, const std::string& contents, const std::string& label = "") {
  try {
    load_csv_tabular({.path = temp_file(name, contents), .label_column = label});
  } catch (const ErrorType& e) {
    return e.what();
  } catch (const Error& e) {
    return std::string("(wrong error type) ") + e.what();
  }
  return "(no error)";
}

TEST(DataCsv, StringLabelsSplitAndDescribe) {
  const Splits splits = load_csv_tabular({.path = kFixtures + "/csv_flowers.csv"});
  ASSERT_TRUE(splits.train && splits.val && splits.test);
  EXPECT_EQ(splits.train->size(), 16);
  EXPECT_EQ(splits.val->size(), 2);
  EXPECT_EQ(splits.test->size(), 2);
  EXPECT_EQ(splits.train->describe(), "csv_flowers.csv train: 16 rows of 4 features, 3 classes");
  EXPECT_EQ(splits.train->input_shape(), (Shape{4}));
  const LabeledTable& table = subset(splits.train).table();
  EXPECT_EQ(table.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(table.feature_names,
            (std::vector<std::string>{"sepal_length", "sepal_width", "petal_length", "petal_width"}));
  const auto [first, first_label] = example_of_row(splits, 0);
  EXPECT_EQ(first, (std::vector<float>{5.1f, 3.5f, 1.4f, 0.2f}));
  EXPECT_EQ(first_label, 0);
  const auto [last, last_label] = example_of_row(splits, 19);
  EXPECT_EQ(last, (std::vector<float>{4.9f, 2.5f, 4.5f, 1.7f}));
  EXPECT_EQ(last_label, 2);

  std::vector<int64_t> rows;
  for (const auto& part : {splits.train, splits.val, splits.test}) {
    rows.insert(rows.end(), subset(part).rows().begin(), subset(part).rows().end());
  }
  std::sort(rows.begin(), rows.end());
  std::vector<int64_t> all(20);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(rows, all);
  const Splits reseeded = load_csv_tabular({.path = kFixtures + "/csv_flowers.csv", .split_seed = 8});
  EXPECT_NE(subset(reseeded.train).rows(), subset(splits.train).rows());
}

TEST(DataCsv, QuotedFieldsAndALabelColumnByName) {
  const Splits splits = load_csv_tabular({.path = kFixtures + "/csv_quoted_labels.csv",
                                          .label_column = "kind, as written"});
  const LabeledTable& table = subset(splits.train).table();
  EXPECT_EQ(table.feature_names, (std::vector<std::string>{"id", "weight", "height"}));
  EXPECT_EQ(table.class_names, (std::vector<std::string>{"large", "say \"hi\"", "small, round"}));
  EXPECT_EQ(table.labels, (std::vector<int64_t>{2, 0, 2, 1, 0}));
  EXPECT_EQ(example_of_row(splits, 1).first, (std::vector<float>{2, -300, 4}));
  EXPECT_EQ(example_of_row(splits, 2).first, (std::vector<float>{3, 0.25f, 6}));
  // 5 rows: train floor(4.0) = 4, val floor(4.5) - 4 = 0 (null), test 1.
  EXPECT_EQ(splits.train->size(), 4);
  EXPECT_EQ(splits.val, nullptr);
  EXPECT_EQ(splits.test->size(), 1);
}

TEST(DataCsv, IntegerLabelsAreClassIds) {
  const Splits splits = load_csv_tabular({.path = kFixtures + "/csv_integer_labels.csv"});
  const LabeledTable& table = subset(splits.train).table();
  EXPECT_EQ(table.classes, 3);
  EXPECT_EQ(table.class_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(table.labels, (std::vector<int64_t>{2, 0, 2, 1, 0, 2, 1, 0, 2, 1}));
  EXPECT_EQ(example_of_row(splits, 0).first, (std::vector<float>{0.5f, 1}));
  // Labels 1..10 taken from column y: 11 classes, class 0 unused.
  const Splits by_y = load_csv_tabular({.path = kFixtures + "/csv_integer_labels.csv", .label_column = "y"});
  EXPECT_EQ(by_y.train->num_classes(), 11);
  EXPECT_EQ(example_of_row(by_y, 0), (std::pair<std::vector<float>, int64_t>{{0.5f, 2}, 1}));
}

TEST(DataCsv, BadValuesNameTheLineColumnAndValue) {
  const std::string header = "a,b,label\n";
  std::string message = load_error("empty.csv", header + "1,2,x\n3,,y\n");
  EXPECT_NE(message.find("empty.csv:3:3: column 'b': empty field"), std::string::npos) << message;
  message = load_error("word.csv", header + "1,2,x\n3,4,y\n5,six,x\n");
  EXPECT_NE(message.find("word.csv:4:3: column 'b': 'six' is not a number"), std::string::npos) << message;
  message = load_error("inf.csv", header + "inf,2,x\n");
  EXPECT_NE(message.find("inf.csv:2:1: column 'a': 'inf' is not a finite number"), std::string::npos) << message;
  message = load_error("huge.csv", header + "1e300,2,x\n");
  EXPECT_NE(message.find("huge.csv:2:1: column 'a': '1e300' is outside the range of float32"), std::string::npos)
      << message;
  message = load_error("label.csv", header + "1,2,x\n3,4, \n");
  EXPECT_NE(message.find("label.csv:3:5: column 'label': empty field"), std::string::npos) << message;
  message = load_error("big_id.csv", header + "1,2,1000000\n");
  EXPECT_NE(message.find("big_id.csv:2:5: column 'label': 1000000 is outside 0..999999"), std::string::npos)
      << message;
}

TEST(DataCsv, RaggedRowsAndQuotingErrors) {
  const std::string header = "a,b,label\n";
  std::string message = load_error("short.csv", header + "1,2,x\n3,4\n");
  EXPECT_NE(message.find("short.csv:3:4: expected 3 fields as in the header, found 2"), std::string::npos) << message;
  message = load_error("long.csv", header + "1,2,x,9\n");
  EXPECT_NE(message.find("long.csv:2:7: expected 3 fields as in the header, found 4"), std::string::npos) << message;
  message = load_error("open_quote.csv", header + "1,2,\"x\n");
  EXPECT_NE(message.find("open_quote.csv:2:5: quoted field has no closing quote"), std::string::npos) << message;
  message = load_error("after_quote.csv", header + "1,2,\"x\"y\n");
  EXPECT_NE(message.find("after_quote.csv:2:8: unexpected 'y' after the closing quote"), std::string::npos)
      << message;
}

TEST(DataCsv, HeaderAndLabelColumnErrors) {
  const std::string unknown = load_error<ConfigError>("cols.csv", "a,b,label\n1,2,x\n", "species");
  EXPECT_NE(unknown.find("label column 'species' is not a column of"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("the columns are: a, b, label"), std::string::npos) << unknown;
  std::string message = load_error("dup.csv", "a,b,a\n1,2,x\n");
  EXPECT_NE(message.find("dup.csv:1:5: header: column name 'a' appears twice (columns 1 and 3)"), std::string::npos)
      << message;
  message = load_error("noname.csv", "a,,label\n1,2,x\n");
  EXPECT_NE(message.find("noname.csv:1:3: header: column 2 has no name"), std::string::npos) << message;
  message = load_error("one.csv", "label\nx\n");
  EXPECT_NE(message.find("need at least two columns"), std::string::npos) << message;
  message = load_error("header_only.csv", "a,b,label\n");
  EXPECT_NE(message.find("header_only.csv: no rows after the header"), std::string::npos) << message;
  message = load_error("nothing.csv", "\n\n");
  EXPECT_NE(message.find("nothing.csv: the file is empty"), std::string::npos) << message;
  EXPECT_THROW(load_csv_tabular({.path = kFixtures + "/csv_absent.csv"}), IOError);
}

}  // namespace
}  // namespace nimbus::data
