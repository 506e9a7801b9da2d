#pragma once
// A training run, fully described by one YAML file (Note [Run config] below). The loader checks
// the whole file before any work starts and reports every problem at once, each naming the file,
// line, key, the bad value and what is allowed.
//
// Note [Run config]: the top-level keys are
//   seed        integer, seeds initialization, dropout and the loader's order (default 0)
//   device      auto | cpu | cuda | cuda:N (default auto: a GPU when there is one)
//   precision   fp32 | bf16 | fp16 (default fp32). bf16 and fp16 train in mixed precision: f32
//               master weights (what the optimizer updates, checkpoints store and eval, predict
//               and export use), forward and backward in the 16-bit dtype, the loss in f32
//               (Note [Mixed precision] in models/runner/mixed_precision.h). fp16 adds dynamic
//               loss scaling: scale 65536 at the start, halved and the step skipped when a
//               gradient overflows, doubled after 2000 good steps in a row (Note [Loss scaling]
//               in models/runner/loss_scaler.h)
//   model       kind (mlp | cnn | resnet | gpt) and that kind's keys (models/zoo/model_zoo.h)
//   data        dataset (digits | text | csv | synthetic | query), its path and options, batch
//               sizes; `type` is accepted as another name for `dataset`. A query dataset is
//               {dataset: query, sql, tables: {name: path}, label, features} (Note [Query data])
//   optimizer   name (sgd | adam | adamw), lr, and that optimizer's keys; grad_clip
//   schedule    kind (constant | step | cosine), warmup_steps and that kind's keys
//   training    steps or epochs, log_every, eval_every, eval_batches
//   checkpoint  dir (the run directory), every, keep
// Relative data paths are resolved against the folder of the config file, so a config works from
// any working directory; checkpoint.dir is relative to the working directory.
//
// Note [Query data]: `sql` is one SELECT; `tables` maps the names it uses to CSV files (a path, or
// {path, header: false} for a file without a header row, whose columns are column_1..column_N);
// `label` names the result's class column; `features` lists feature columns (default: every other
// numeric column). The loader runs the query while checking the config, so a query error (shown
// with its place in the query), a missing label or a non-numeric feature is reported with the
// other problems before any work starts; the result is kept in DataConfig::query_result and the
// dataset is built on it without running the query again (models/data/query_dataset.h says which
// columns are shared with the result and which are copied).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analytics/table.h"
#include "models/data/query_dataset.h"
#include "models/zoo/model_zoo.h"

namespace nimbus::models {

struct DataConfig {
  std::string dataset = "digits";  // digits | text | csv | synthetic | query
  std::string path;                // digits, text, csv: the file (absolute after loading)
  int64_t batch_size = 64;
  int64_t eval_batch_size = 256;
  bool shuffle = true;
  uint64_t split_seed = 0;   // digits, csv, query: the seeded train/val/test split
  double train_fraction = 0.8, val_fraction = 0.1;  // digits, csv, query: test gets the rest
  int64_t context = 64;      // text, synthetic tokens: tokens per example
  std::string label;         // csv: the label column (empty: the last column); query: required
  // query (Note [Query data])
  std::string sql;
  std::vector<data::QueryTableFile> tables;  // paths absolute after loading
  std::vector<std::string> features;         // empty: every numeric column but the label
  // The query's result, computed while the config was checked; empty when the config was built
  // in code, and then load_run_data runs the query itself.
  std::shared_ptr<const analytics::Table> query_result;
  // synthetic
  std::string synthetic_kind = "classification";  // classification | tokens
  std::vector<int64_t> input_shape = {64};       // synthetic classification: one example's shape
  int64_t classes = 10;                            // synthetic: classes, or the vocabulary for tokens
  int64_t train_size = 2048, val_size = 256, test_size = 256;
};

struct OptimizerConfig {
  std::string name = "adamw";  // sgd | adam | adamw
  double lr = 1e-3;
  double weight_decay = 0;     // default 0.01 for adamw, 0 otherwise
  double momentum = 0;         // sgd
  bool nesterov = false;       // sgd
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam, adamw
  double grad_clip = 0;        // global gradient-norm limit; 0 disables clipping
};

struct ScheduleConfig {
  std::string kind = "constant";  // constant | step | cosine
  int64_t warmup_steps = 0;
  int64_t step_size = 1000;       // step
  double gamma = 0.1;             // step
  double min_lr = 0;              // cosine
};

struct TrainingConfig {
  int64_t steps = 0;    // total optimizer steps; exactly one of steps and epochs is given
  int64_t epochs = 0;
  int64_t log_every = 50;
  int64_t eval_every = 0;    // 0: evaluate at the end only
  int64_t eval_batches = 0;  // 0: the whole validation split
};

struct CheckpointConfig {
  std::string dir;        // the run directory (required)
  int64_t every = 0;      // steps between checkpoints; 0: at the end only
  int64_t keep = 2;       // checkpoints kept on disk (the newest ones)
};

struct RunConfig {
  uint64_t seed = 0;
  std::string device = "auto";
  std::string precision = "fp32";  // fp32 | bf16 | fp16 (Note [Run config])
  ModelSpec model;  // input_shape and classes come from the dataset
  DataConfig data;
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  TrainingConfig training;
  CheckpointConfig checkpoint;
};

// Reads and checks a config file, applying `overrides` ("key.path=value", the value in YAML
// syntax) first. Throws ConfigError listing every problem found.
NIMBUS_API RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides = {});
// The same from text; `source` names it in messages and `base_dir` resolves relative data paths.
NIMBUS_API RunConfig parse_run_config(const std::string& yaml, const std::string& source, const std::string& base_dir,
                                      const std::vector<std::string>& overrides = {});

// The options of the query dataset a data section describes.
NIMBUS_API data::QueryDatasetOptions query_dataset_options(const DataConfig& data);

// The resolved config as YAML (every key, defaults filled in): written into the run directory,
// and readable by load_run_config.
NIMBUS_API std::string to_yaml(const RunConfig& config);
// The model section alone, for comparing a checkpoint's model with a config's.
NIMBUS_API std::string model_to_yaml(const ModelSpec& model);

}  // namespace nimbus::models
