// Module weights through safetensors: our own round trip, and a PyTorch MLP's state dict loaded
// by name into the same architecture giving PyTorch's output.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "frontend/io/safetensors.h"
#include "frontend/nn/layers.h"
#include "frontend/nn/serialize.h"

namespace nimbus {
namespace {

using autograd::Variable;

std::shared_ptr<nn::Sequential> mlp(Generator& gen) {
  nn::LinearOptions o;
  o.dtype = DType::f64;
  return std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(4, 8, gen, o), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(8, 3, gen, o)});
}

TEST(Serialize, ModuleRoundTripThroughAFile) {
  Generator g1(1), g2(2);
  const auto a = mlp(g1), b = mlp(g2);
  const std::string path = (std::filesystem::temp_directory_path() / "nimbus_serialize_test.safetensors").string();
  nn::save_module(*a, path, {{"model", "mlp"}});
  nn::load_module(*b, path);
  EXPECT_EQ(load_safetensors(path).metadata.at("model"), "mlp");
  const Variable x(randn({3, 4}, DType::f64, g1));
  EXPECT_EQ((*a)(x).data().to_vector<double>(), (*b)(x).data().to_vector<double>());
  // A different architecture is refused with the mismatches named.
  nn::Linear wrong(4, 3, g1);
  EXPECT_THROW(nn::load_module(wrong, path), ShapeError);
  std::remove(path.c_str());
}

TEST(Serialize, LoadsAPyTorchStateDict) {
  Generator gen(3);
  const auto model = mlp(gen);
  nn::load_module(*model, std::string(NIMBUS_TEST_DATA_DIR) + "/pytorch_mlp.safetensors");
  const SafetensorsFile io = load_safetensors(std::string(NIMBUS_TEST_DATA_DIR) + "/pytorch_mlp_io.safetensors");
  const auto ours = (*model)(Variable(io.at("input"))).data().to_vector<double>();
  const auto theirs = io.at("output").to_vector<double>();
  ASSERT_EQ(ours.size(), theirs.size());
  for (size_t i = 0; i < ours.size(); ++i) EXPECT_NEAR(ours[i], theirs[i], 1e-12) << i;
}

}  // namespace
}  // namespace nimbus
