// The model zoo's architectures: output shapes, parameter names, shapes and counts (the bench
// workloads' specs must give exactly the layers the benchmarks describe), dropout and seeding,
// and spec validation with messages that name the field.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "frontend/autograd/functions.h"
#include "frontend/nn/attention.h"
#include "models/zoo/model_zoo.h"

namespace nimbus::models {
namespace {

using autograd::Variable;

struct Built {
  Generator init{7}, dropout{8};
  std::shared_ptr<nn::Module> model;
  explicit Built(const ModelSpec& spec) : model(build_model(spec, init, dropout)) {}
};

std::map<std::string, Shape> parameter_shapes(const nn::Module& model) {
  std::map<std::string, Shape> out;
  for (const auto& [name, p] : model.named_parameters()) out[name] = p.shape();
  return out;
}

int64_t parameter_count(const nn::Module& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters()) n += p.data().numel();
  return n;
}

Variable image_batch(const Shape& shape) {
  Generator gen(3);
  return Variable(randn(shape, DType::f32, gen));
}

ModelSpec bench_mlp() {
  ModelSpec spec;
  spec.kind = "mlp";
  spec.input_shape = {1, 28, 28};
  spec.classes = 10;
  spec.hidden = {1024, 1024};
  spec.activation = "relu";
  return spec;
}

ModelSpec bench_cnn() {
  ModelSpec spec;
  spec.kind = "cnn";
  spec.input_shape = {1, 28, 28};
  spec.classes = 10;
  spec.channels = {32, 64};
  spec.kernel_size = 3;
  spec.fc_width = 128;
  return spec;
}

ModelSpec bench_gpt() {
  ModelSpec spec;
  spec.kind = "gpt";
  spec.input_shape = {128};
  spec.classes = 65;
  spec.layers = 4;
  spec.width = 256;
  spec.heads = 4;
  spec.context = 128;
  return spec;
}

ModelSpec small_resnet() {
  ModelSpec spec;
  spec.kind = "resnet";
  spec.input_shape = {3, 16, 16};
  spec.classes = 10;
  spec.channels = {16, 32, 64};
  spec.blocks_per_stage = 2;
  return spec;
}

TEST(ZooShapes, KindsAreListed) { EXPECT_EQ(model_kinds(), (std::vector<std::string>{"mlp", "cnn", "resnet", "gpt"})); }

TEST(ZooShapes, BenchMlpIsLinear784To1024To1024To10) {
  for (const Shape& input : {Shape{1, 28, 28}, Shape{784}}) {
    ModelSpec spec = bench_mlp();
    spec.input_shape = input;
    Built built(spec);
    EXPECT_EQ(parameter_shapes(*built.model), (std::map<std::string, Shape>{{"layers.0.weight", {1024, 784}},
                                                                            {"layers.0.bias", {1024}},
                                                                            {"layers.1.weight", {1024, 1024}},
                                                                            {"layers.1.bias", {1024}},
                                                                            {"head.weight", {10, 1024}},
                                                                            {"head.bias", {10}}}));
    EXPECT_EQ(parameter_count(*built.model), 784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10);
    Shape batch = {3};
    batch.insert(batch.end(), input.begin(), input.end());
    EXPECT_EQ((*built.model)(image_batch(batch)).shape(), (Shape{3, 10}));
  }
}

TEST(ZooShapes, BenchCnnIsTwoConvStagesThenFc3136To128To10) {
  Built built(bench_cnn());
  EXPECT_EQ(parameter_shapes(*built.model), (std::map<std::string, Shape>{{"convs.0.weight", {32, 1, 3, 3}},
                                                                          {"convs.0.bias", {32}},
                                                                          {"convs.1.weight", {64, 32, 3, 3}},
                                                                          {"convs.1.bias", {64}},
                                                                          {"fc.weight", {128, 3136}},
                                                                          {"fc.bias", {128}},
                                                                          {"head.weight", {10, 128}},
                                                                          {"head.bias", {10}}}));
  EXPECT_EQ(parameter_count(*built.model), 32 * 9 + 32 + 64 * 32 * 9 + 64 + 3136 * 128 + 128 + 128 * 10 + 10);
  EXPECT_EQ((*built.model)(image_batch({2, 1, 28, 28})).shape(), (Shape{2, 10}));
}

TEST(ZooShapes, CnnRoundsOddFeatureMapsDown) {
  ModelSpec spec = bench_cnn();
  spec.input_shape = {3, 10, 11};  // 10x11 -> 5x5 -> 2x2
  spec.channels = {4, 8};
  spec.kernel_size = 5;
  spec.fc_width = 16;
  Built built(spec);
  EXPECT_EQ(parameter_shapes(*built.model)["fc.weight"], (Shape{16, 8 * 2 * 2}));
  EXPECT_EQ(parameter_shapes(*built.model)["convs.0.weight"], (Shape{4, 3, 5, 5}));
  EXPECT_EQ((*built.model)(image_batch({2, 3, 10, 11})).shape(), (Shape{2, 10}));
}

TEST(ZooShapes, BenchGptIsFourBlocksOfWidth256) {
  Built built(bench_gpt());
  const auto shapes = parameter_shapes(*built.model);
  EXPECT_EQ(shapes.at("wte.weight"), (Shape{65, 256}));
  EXPECT_EQ(shapes.at("wpe.weight"), (Shape{128, 256}));
  EXPECT_EQ(shapes.at("ln_f.weight"), (Shape{256}));
  EXPECT_EQ(shapes.at("head.weight"), (Shape{65, 256}));
  EXPECT_EQ(shapes.count("head.bias"), 0u) << "the head has no bias, as nanoGPT's";
  // Each block has exactly nn::TransformerBlock's parameters, under blocks.<i>.
  Generator gen(1);
  const nn::TransformerBlock reference(256, 4, gen);
  for (int i = 0; i < 4; ++i)
    for (const auto& [name, p] : reference.named_parameters()) {
      const std::string full = "blocks." + std::to_string(i) + "." + name;
      ASSERT_TRUE(shapes.count(full)) << full;
      EXPECT_EQ(shapes.at(full), p.shape()) << full;
    }
  EXPECT_EQ(shapes.count("blocks.4.ln_1.weight"), 0u);
  const int64_t block = 2 * 2 * 256 + 4 * (256 * 256 + 256) + (256 * 1024 + 1024) + (1024 * 256 + 256);
  EXPECT_EQ(parameter_count(*built.model), 65 * 256 + 128 * 256 + 4 * block + 2 * 256 + 65 * 256);

  Generator tokens_gen(2);
  const Variable tokens(randint(0, 65, {2, 5}, DType::i64, tokens_gen));
  EXPECT_EQ((*built.model)(tokens).shape(), (Shape{2, 5, 65}));
  EXPECT_THROW((*built.model)(Variable(zeros({1, 129}, DType::i64))), ShapeError);
  EXPECT_THROW((*built.model)(Variable(zeros({1, 4}, DType::f32))), DTypeError);
}

TEST(ZooShapes, ResNetNamesFollowTorchvision) {
  Built built(small_resnet());
  const auto shapes = parameter_shapes(*built.model);
  EXPECT_EQ(shapes.at("stem.conv.weight"), (Shape{16, 3, 3, 3}));
  EXPECT_EQ(shapes.at("stem.bn.weight"), (Shape{16}));
  EXPECT_EQ(shapes.at("stages.0.0.conv1.weight"), (Shape{16, 16, 3, 3}));
  EXPECT_EQ(shapes.at("stages.0.1.bn2.bias"), (Shape{16}));
  EXPECT_EQ(shapes.at("stages.1.0.conv1.weight"), (Shape{32, 16, 3, 3}));
  EXPECT_EQ(shapes.at("stages.1.0.downsample.conv.weight"), (Shape{32, 16, 1, 1}));
  EXPECT_EQ(shapes.at("stages.2.0.downsample.bn.weight"), (Shape{64}));
  EXPECT_EQ(shapes.at("head.weight"), (Shape{10, 64}));
  // Identity shortcuts where the shape is kept; no conv biases (batch norm follows every conv).
  EXPECT_EQ(shapes.count("stages.0.0.downsample.conv.weight"), 0u);
  EXPECT_EQ(shapes.count("stages.1.1.downsample.conv.weight"), 0u);
  for (const auto& [name, shape] : shapes)
    EXPECT_FALSE(name.find("conv") != std::string::npos && name.ends_with(".bias")) << name;

  const auto conv = [](int64_t in, int64_t out, int64_t k) { return in * out * k * k; };
  const auto bn = [](int64_t channels) { return 2 * channels; };  // weight and bias
  const auto block = [&](int64_t in, int64_t out) {
    const int64_t projection = in == out ? 0 : conv(in, out, 1) + bn(out);
    return conv(in, out, 3) + bn(out) + conv(out, out, 3) + bn(out) + projection;
  };
  const int64_t expected = conv(3, 16, 3) + bn(16)          // stem
                           + block(16, 16) + block(16, 16)  // stage 0
                           + block(16, 32) + block(32, 32)  // stage 1
                           + block(32, 64) + block(64, 64)  // stage 2
                           + 64 * 10 + 10;                  // head
  EXPECT_EQ(parameter_count(*built.model), expected);

  std::vector<std::string> buffers;
  for (const auto& [name, b] : built.model->named_buffers()) buffers.push_back(name);
  EXPECT_EQ(buffers.front(), "stem.bn.running_mean");
  EXPECT_NE(std::find(buffers.begin(), buffers.end(), "stages.2.0.downsample.bn.num_batches_tracked"), buffers.end());

  const Variable x = image_batch({2, 3, 16, 16});
  EXPECT_EQ((*built.model)(x).shape(), (Shape{2, 10}));
  built.model->eval();
  EXPECT_EQ((*built.model)(x).shape(), (Shape{2, 10}));
}

TEST(ZooShapes, SameSeedSameWeightsAndDtypeIsHonoured) {
  ModelSpec spec = bench_cnn();
  spec.channels = {4};
  spec.fc_width = 8;
  Built a(spec), b(spec);
  const auto sa = a.model->state_dict(), sb = b.model->state_dict();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i)
    EXPECT_EQ(sa[i].second.to_vector<double>(), sb[i].second.to_vector<double>()) << sa[i].first;
  spec.dtype = DType::f64;
  Built wide(spec);
  for (const auto& p : wide.model->parameters()) EXPECT_EQ(p.dtype(), DType::f64);
}

TEST(ZooShapes, DropoutActsInTrainingOnly) {
  ModelSpec mlp = bench_mlp();
  mlp.input_shape = {16};
  mlp.hidden = {32};
  mlp.dropout = 0.5;
  ModelSpec gpt = bench_gpt();
  gpt.input_shape = {4};
  gpt.layers = 1;
  gpt.width = 16;
  gpt.context = 4;
  gpt.dropout = 0.5;
  const Variable features = image_batch({4, 16});
  const Variable tokens(zeros({2, 4}, DType::i64));
  for (const auto& [spec, input] : {std::pair{mlp, features}, std::pair{gpt, tokens}}) {
    SCOPED_TRACE(spec.kind);
    Built built(spec);
    const auto first = (*built.model)(input).data().to_vector<float>();
    EXPECT_NE(first, (*built.model)(input).data().to_vector<float>()) << "a fresh mask each forward";
    built.model->eval();
    const auto evaluated = (*built.model)(input).data().to_vector<float>();
    EXPECT_EQ(evaluated, (*built.model)(input).data().to_vector<float>());
    EXPECT_NE(evaluated, first);
  }
}

// build_model must throw ConfigError whose message names every field in `fields`.
void expect_config_error(const ModelSpec& spec, const std::vector<std::string>& fields) {
  Generator init(0), dropout(0);
  try {
    build_model(spec, init, dropout);
    ADD_FAILURE() << "no error for a " << spec.kind << " spec expected to be invalid in " << fields.front();
  } catch (const ConfigError& e) {
    for (const auto& field : fields) EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

TEST(ZooSpecValidation, InvalidSpecsNameTheField) {
  ModelSpec spec = bench_mlp();
  spec.kind = "transformer";
  expect_config_error(spec, {"model.kind", "'transformer'", "mlp, cnn, resnet, gpt"});

  spec = bench_mlp();
  spec.hidden = {64, 0};
  expect_config_error(spec, {"model.hidden[1]", "0 must be positive"});
  spec = bench_mlp();
  spec.activation = "swish";
  expect_config_error(spec, {"model.activation", "'swish'", "relu, gelu, tanh, silu"});
  spec = bench_mlp();
  spec.input_shape = {};
  expect_config_error(spec, {"model.input_shape"});
  spec = bench_mlp();
  spec.classes = 0;
  expect_config_error(spec, {"model.classes"});
  spec = bench_mlp();
  spec.dropout = 1.0;
  expect_config_error(spec, {"model.dropout", "[0, 1)"});
  spec = bench_mlp();
  spec.dtype = DType::i32;
  expect_config_error(spec, {"model.dtype", "f32, f64"});

  spec = bench_cnn();
  spec.input_shape = {28, 28};
  expect_config_error(spec, {"model.input_shape", "[28, 28]", "{channels, height, width}"});
  spec = bench_cnn();
  spec.input_shape = {1, 4, 4};
  spec.channels = {8, 8, 8};
  expect_config_error(spec, {"model.input_shape", "4x4", "3 stages", "at least 8"});
  spec = bench_cnn();
  spec.kernel_size = 0;
  expect_config_error(spec, {"model.kernel_size"});
  spec = bench_cnn();
  spec.fc_width = -3;
  expect_config_error(spec, {"model.fc_width", "-3"});

  spec = small_resnet();
  spec.channels = {};
  expect_config_error(spec, {"model.channels"});
  spec = small_resnet();
  spec.blocks_per_stage = 0;
  expect_config_error(spec, {"model.blocks_per_stage"});
  spec = small_resnet();
  spec.input_shape = {3, 0, 16};
  expect_config_error(spec, {"model.input_shape"});

  spec = bench_gpt();
  spec.width = 100;
  spec.heads = 3;
  expect_config_error(spec, {"model.width", "100", "model.heads (3)"});
  spec = bench_gpt();
  spec.input_shape = {200};
  expect_config_error(spec, {"model.input_shape", "[200]", "model.context (128)"});
  spec = bench_gpt();
  spec.layers = 0;
  spec.context = 0;
  expect_config_error(spec, {"model.layers", "model.context"});  // every problem, in one message
}

TEST(ZooSpecValidation, ProblemsWithoutDataSkipTheDatasetFields) {
  ModelSpec spec = bench_gpt();
  spec.input_shape = {};
  spec.classes = 0;
  EXPECT_TRUE(model_spec_problems(spec, /*with_data=*/false).empty());
  EXPECT_EQ(model_spec_problems(spec).size(), 2u);
  // Fields another kind uses are not checked: a gpt does not care about mlp's activation.
  spec = bench_gpt();
  spec.activation = "unknown";
  spec.hidden = {0};
  EXPECT_TRUE(model_spec_problems(spec).empty());
  EXPECT_NO_THROW(validate_model_spec(bench_cnn()));
}

}  // namespace
}  // namespace nimbus::models
