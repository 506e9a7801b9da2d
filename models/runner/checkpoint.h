#pragma once
// Checkpoints of a run: everything needed to continue it as if it had never stopped.
//
// Note [Checkpoint files]: RUN_DIR/checkpoints/ holds
//   step-<N>.safetensors  the model's parameters and buffers ("model.<name>"), the optimizer's
//                         state ("optimizer.<key>") and, in the header's metadata, the training
//                         state (step, loader position, generator position, the loss window, the
//                         fp16 loss scaler) as JSON and the model's config as YAML;
//   latest.json           the small file naming the newest checkpoint and its step.
// Each is written atomically (runtime/atomic_file.h), the checkpoint before latest.json, so a
// kill at any moment leaves latest.json naming a complete checkpoint. If latest.json is missing or
// names a file that is gone, the newest readable step-<N> file is used. Only the newest `keep`
// checkpoints stay on disk.
#include <cstdint>
#include <optional>
#include <string>

#include "frontend/nn/module.h"
#include "frontend/optim/optimizer.h"
#include "models/data/loader.h"
#include "models/runner/loss_scaler.h"

namespace nimbus::models {

// Training progress beyond the tensors.
struct TrainingState {
  int64_t step = 0;             // optimizer steps done
  data::LoaderState loader;     // where the training loader continues (Note [Loader state])
  uint64_t dropout_calls = 0;   // the dropout generator's position (its seed comes from the config)
  double window_loss_sum = 0;   // training losses since the last log line, and how many
  int64_t window_steps = 0;
  // precision fp16 (Note [Loss scaling]): the loss scaler's state (scale 0 in runs without one)
  // and the steps whose update was skipped because a gradient overflowed.
  LossScalerState loss_scaler;
  int64_t skipped_steps = 0;
};

class NIMBUS_API CheckpointStore {
 public:
  explicit CheckpointStore(std::string run_dir);

  // Writes a checkpoint for `state.step` and returns its path; then removes all but the newest
  // `keep` checkpoints.
  std::string save(const TrainingState& state, const nn::Module& model, const optim::Optimizer& optimizer,
                   const std::string& model_yaml, int64_t keep) const;
  // The path of the newest complete checkpoint, if any.
  std::optional<std::string> latest() const;
  // Loads a checkpoint into `model` (and `optimizer` when given) and returns its training state.
  // Throws ConfigError when it holds a different model than `model_yaml` describes.
  TrainingState load(const std::string& path, nn::Module& model, optim::Optimizer* optimizer,
                     const std::string& model_yaml) const;
  // Removes temporary files left by a process killed while writing.
  void remove_stale_temporaries() const;

  const std::string& folder() const { return folder_; }

 private:
  std::string folder_;
};

}  // namespace nimbus::models
