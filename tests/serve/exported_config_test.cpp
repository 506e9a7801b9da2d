// serve/exported_config.h: the model of an exported config.yaml, read without the run-config loader.
#include "serve/exported_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "exported_model_fixture.h"
#include "runtime/error.h"

namespace fs = std::filesystem;

namespace nimbus::serve {

namespace {

struct ExportedConfigTest : ::testing::Test {
  fs::path folder = fs::temp_directory_path() / ("nimbus_exported_config_test_" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(folder); }
  void TearDown() override { fs::remove_all(folder); }

  std::string write(const std::string& text) {
    const fs::path path = folder / "config.yaml";
    std::ofstream(path) << text;
    return path.string();
  }
  // The message of the error reading `text`, or "" when it reads.
  std::string error_of(const std::string& text) {
    try {
      read_exported_config(write(text));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
};

}  // namespace

TEST_F(ExportedConfigTest, ReadsWhatExportWritesForAClassifierAndAGpt) {
  testing::write_exported_mlp(folder, /*seed=*/7);
  const ExportedConfig mlp = read_exported_config((folder / "config.yaml").string());
  EXPECT_EQ(mlp.seed, 7u);
  EXPECT_EQ(mlp.model.kind, "mlp");
  EXPECT_EQ(mlp.model.hidden, std::vector<int64_t>{8});
  EXPECT_EQ(mlp.model.input_shape, std::vector<int64_t>{4});
  EXPECT_EQ(mlp.model.classes, 3);

  const ExportedConfig gpt = read_exported_config(write(
      "model: {kind: gpt, layers: 1, heads: 2, width: 8, context: 6}\n"
      "data: {dataset: synthetic, kind: tokens, classes: 5, context: 6}\n"
      "optimizer: {name: adamw, lr: 0.001}\ntraining: {steps: 1}\ncheckpoint: {dir: .}\n"));
  EXPECT_EQ(gpt.model.kind, "gpt");
  EXPECT_EQ(gpt.model.input_shape, std::vector<int64_t>{6});
  EXPECT_EQ(gpt.model.classes, 5);
}

TEST_F(ExportedConfigTest, BadConfigsNameTheFileAndTheKey) {
  EXPECT_NE(error_of("model: [unclosed\n").find("not valid YAML"), std::string::npos);
  const std::string missing = error_of("model: {kind: mlp}\ndata: {dataset: synthetic, input_shape: [4]}\n");
  EXPECT_NE(missing.find("config.yaml"), std::string::npos) << missing;
  EXPECT_NE(missing.find("data.classes"), std::string::npos) << missing;
  const std::string kind = error_of("model: {kind: tree}\ndata: {dataset: synthetic, input_shape: [4], classes: 3}\n");
  EXPECT_NE(kind.find("model.kind"), std::string::npos) << kind;
  const std::string gpt = error_of("model: {kind: gpt, layers: 1, heads: 2, width: 8, context: 6}\n"
                                   "data: {dataset: synthetic, kind: classification, input_shape: [4], classes: 5}\n");
  EXPECT_NE(gpt.find("kind: tokens"), std::string::npos) << gpt;
  const std::string digits = error_of("model: {kind: mlp}\ndata: {dataset: digits, input_shape: [4], classes: 3}\n");
  EXPECT_NE(digits.find("data.dataset"), std::string::npos) << digits;
  EXPECT_NE(error_of("[1, 2]\n").find("expected the mapping"), std::string::npos);
}

TEST_F(ExportedConfigTest, AMissingFileIsAnIOError) {
  EXPECT_THROW(read_exported_config((folder / "absent.yaml").string()), IOError);
}

}  // namespace nimbus::serve
