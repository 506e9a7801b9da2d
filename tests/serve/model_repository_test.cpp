#include "serve/model_repository.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "runtime/error.h"
#include "serve/http_error.h"
#include "exported_model_fixture.h"

namespace fs = std::filesystem;

namespace nimbus::serve {

namespace {

class ModelRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("nimbus_repo_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // The status of the HttpError find() throws, or 200.
  int find_status(const ModelRepository& repo, std::string_view model, std::string_view version = {}) {
    try {
      repo.find(model, version);
    } catch (const HttpError& e) {
      return e.status();
    }
    return 200;
  }

  fs::path root_;
};

}  // namespace

TEST_F(ModelRepositoryTest, LoadsEveryVersionAndServesTheNewestByDefault) {
  testing::write_exported_mlp(root_ / "digits" / "1", 1);
  testing::write_exported_mlp(root_ / "digits" / "10", 2);
  testing::write_exported_mlp(root_ / "digits" / "2", 3);
  testing::write_exported_mlp(root_ / "other" / "1", 4);
  const ModelRepository repo = ModelRepository::open(root_.string(), Device::cpu());
  EXPECT_EQ(repo.models(), (std::vector<std::string>{"digits", "other"}));
  EXPECT_EQ(repo.versions("digits"), (std::vector<int64_t>{1, 2, 10}));
  EXPECT_EQ(repo.find("digits").version, 10);  // numerically newest, not "2" by text
  EXPECT_EQ(repo.find("digits", "2").version, 2);
  EXPECT_EQ(repo.find("digits").served->input_width(), 4);
  EXPECT_EQ(repo.find("digits").served->output_width(), 3);
}

TEST_F(ModelRepositoryTest, SkipsFoldersThatAreNotModelsOrVersions) {
  testing::write_exported_mlp(root_ / "digits" / "1");
  testing::write_exported_mlp(root_ / "digits" / ".2.exporting");  // an export in progress
  testing::write_exported_mlp(root_ / "digits" / "latest");
  testing::write_exported_mlp(root_ / ".hidden" / "1");
  testing::write_exported_mlp(root_ / "has space" / "1");
  const ModelRepository repo = ModelRepository::open(root_.string(), Device::cpu());
  EXPECT_EQ(repo.models(), (std::vector<std::string>{"digits"}));
  EXPECT_EQ(repo.versions("digits"), (std::vector<int64_t>{1}));
}

TEST_F(ModelRepositoryTest, UnknownAndInvalidNamesAreRefused) {
  testing::write_exported_mlp(root_ / "digits" / "1");
  const ModelRepository repo = ModelRepository::open(root_.string(), Device::cpu());
  EXPECT_EQ(find_status(repo, "digits", "1"), 200);
  EXPECT_EQ(find_status(repo, "cnn"), 404);
  EXPECT_EQ(find_status(repo, "digits", "3"), 404);
  EXPECT_EQ(find_status(repo, "digits", "01"), 400);
  EXPECT_EQ(find_status(repo, "digits", "x"), 400);
  EXPECT_EQ(find_status(repo, ".."), 400);
  EXPECT_EQ(find_status(repo, "../digits"), 400);
}

TEST_F(ModelRepositoryTest, BrokenOrMissingRepositoriesFailAtStartWithTheFolderNamed) {
  EXPECT_THROW(ModelRepository::open((root_ / "missing").string(), Device::cpu()), IOError);
  fs::create_directories(root_);
  EXPECT_THROW(ModelRepository::open(root_.string(), Device::cpu()), IOError);  // no model
  testing::write_exported_mlp(root_ / "digits" / "1");
  fs::remove(root_ / "digits" / "1" / "weights.safetensors");
  try {
    ModelRepository::open(root_.string(), Device::cpu());
    FAIL() << "expected an error";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot load model 'digits' version 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("weights.safetensors"), std::string::npos) << e.what();
  }
}

}  // namespace nimbus::serve
