#pragma once
// The workloads of `nimbus bench train`: fixed run configs on synthetic data, so the benchmark
// times the trainer's own step (Trainer::train_step) on the same model, data and optimizer that
// `nimbus train` would use for the same config. Their PyTorch twins are in
// bench/peers/torch_train_peer.py; change both together.
//
//   mlp  Linear 784 -> 1024 -> 1024 -> 10 with ReLU, batch 256, SGD (momentum 0.9)
//   cnn  Conv(1->32, 3, pad 1)-ReLU-MaxPool 2-Conv(32->64, 3, pad 1)-ReLU-MaxPool 2-
//        Linear(3136->128)-ReLU-Linear(128->10) on 1x28x28 inputs, batch 64, Adam
//   gpt  4 pre-norm blocks of width 256 with 4 heads, context 128, vocabulary 65, batch 16, AdamW
//
// All use the cross-entropy loss, a constant learning rate, no gradient clipping and no dropout,
// on the CPU. The configs name a run directory (checkpoint.dir) because a config must; only
// Trainer::run() writes there, and the benchmark never calls it.
#include <string>
#include <vector>

#include "models/config/run_config.h"

namespace nimbus::models {

// "mlp", "cnn", "gpt".
NIMBUS_API const std::vector<std::string>& bench_workloads();

// The complete run config of `workload` (as load_run_config would return it for the equivalent
// YAML). Throws ConfigError naming the workload and the known ones for any other name.
NIMBUS_API RunConfig bench_workload_config(const std::string& workload);

}  // namespace nimbus::models
