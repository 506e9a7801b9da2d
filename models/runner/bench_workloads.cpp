#include "models/runner/bench_workloads.h"

#include "runtime/error.h"

namespace nimbus::models {

namespace {

// What the three workloads share: everything but the model, the data's shape and the optimizer.
RunConfig common(const std::string& workload, int64_t batch_size) {
  RunConfig c;
  c.seed = 0;
  c.device = "cpu";
  c.data.dataset = "synthetic";
  c.data.batch_size = batch_size;
  c.data.shuffle = true;
  // Enough examples for several distinct batches; the evaluation splits hold one batch each, so a
  // run() of the config (the tests do one) spends little time evaluating.
  c.data.train_size = 8 * batch_size;
  c.data.val_size = batch_size;
  c.data.test_size = batch_size;
  c.schedule.kind = "constant";  // the optimizer's rate never changes, in train_step and run() alike
  c.training.steps = 1000;
  c.checkpoint.dir = "runs/bench_" + workload;
  return c;
}

RunConfig mlp_config() {
  RunConfig c = common("mlp", 256);
  c.data.synthetic_kind = "classification";
  c.data.input_shape = {784};
  c.data.classes = 10;
  c.model.kind = "mlp";
  c.model.hidden = {1024, 1024};
  c.model.activation = "relu";
  c.optimizer.name = "sgd";
  c.optimizer.lr = 0.01;
  c.optimizer.momentum = 0.9;
  c.optimizer.weight_decay = 0;
  return c;
}

RunConfig cnn_config() {
  RunConfig c = common("cnn", 64);
  c.data.synthetic_kind = "classification";
  c.data.input_shape = {1, 28, 28};
  c.data.classes = 10;
  c.model.kind = "cnn";
  c.model.channels = {32, 64};
  c.model.kernel_size = 3;
  c.model.fc_width = 128;
  c.optimizer.name = "adam";
  c.optimizer.lr = 1e-3;
  c.optimizer.weight_decay = 0;
  return c;
}

RunConfig gpt_config() {
  RunConfig c = common("gpt", 16);
  c.data.synthetic_kind = "tokens";
  c.data.classes = 65;  // the vocabulary
  c.data.context = 128;
  c.model.kind = "gpt";
  c.model.layers = 4;
  c.model.width = 256;
  c.model.heads = 4;
  c.model.context = 128;
  c.optimizer.name = "adamw";
  c.optimizer.lr = 1e-3;
  c.optimizer.weight_decay = 0.01;  // what a config naming adamw gets by default
  return c;
}

}  // namespace

const std::vector<std::string>& bench_workloads() {
  static const std::vector<std::string> names = {"mlp", "cnn", "gpt"};
  return names;
}

RunConfig bench_workload_config(const std::string& workload) {
  RunConfig c;
  if (workload == "mlp") c = mlp_config();
  else if (workload == "cnn") c = cnn_config();
  else if (workload == "gpt") c = gpt_config();
  else NIMBUS_THROW(ConfigError, "bench train: unknown workload '", workload, "' (expected mlp, cnn or gpt)");
  // The model's data-given fields as the trainer fills them in, so the spec alone describes the
  // model (and build_model can be called on it without the data).
  if (c.model.kind == "gpt") {
    c.model.input_shape = {c.data.context};
  } else {
    c.model.input_shape = Shape(c.data.input_shape.begin(), c.data.input_shape.end());
  }
  c.model.classes = c.data.classes;
  return c;
}

}  // namespace nimbus::models
