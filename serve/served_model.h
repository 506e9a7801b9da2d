#pragma once
// One version of a model, loaded from its exported folder (Note [Exported model] in
// model_export.h) and ready to run batches of rows.
//
// Note [Shared weights]: the instances of a model (Note [Model instances] in batcher.h) share one
// ServedModel, its module and its weights, and call run() at the same time. That is safe because
// a served module is in evaluation mode and runs without gradients: forward then only reads its
// parameters and buffers (batch norm reads its running statistics instead of updating them,
// dropout returns its input without drawing from its generator), every intermediate tensor is the
// calling thread's own, the grad mode is per thread (NoGradGuard), and buffers' reference counts
// and the caching allocators are thread-safe. The weights were copied to the device, and the copy
// waited for, when the model was loaded, so any stream may read them. Nothing here changes after
// load(): no per-instance copy is needed, and N instances cost one model's memory plus their
// activations. (A module that kept state in forward, a key-value cache for instance, would need one
// copy per instance.)
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "frontend/nn/module.h"
#include "runtime/device.h"
#include "runtime/random.h"
#include "serve/model_metadata.h"

namespace nimbus::serve {

class NIMBUS_API ServedModel {
 public:
  // Loads `version_dir` onto `device`; throws IOError / ParseError / ConfigError naming the file
  // and the problem.
  static std::shared_ptr<ServedModel> load(const std::string& version_dir, Device device);

  const ModelMetadata& metadata() const { return metadata_; }
  Device device() const { return device_; }
  // A language model taking token ids (Note [Token model] in model_metadata.h): use run_tokens.
  bool takes_tokens() const { return metadata_.tokens.has_value(); }
  // Values per example: the product of the input shape after its batch dimension (for a token
  // model, the longest sequence it takes).
  int64_t input_width() const { return input_width_; }
  // Outputs per example: the classes, or for a token model the vocabulary size.
  int64_t output_width() const { return output_width_; }

  // Runs `rows` examples given as raw input values (rows * input_width(), row-major; the
  // preprocessing of the metadata is applied here) and returns rows * output_width() logits.
  // Safe to call from several threads at once (Note [Shared weights]); the work goes to the calling
  // thread's current stream.
  std::vector<float> run(const std::vector<float>& values, int64_t rows);
  // Token models: runs `rows` sequences of equal length (row-major ids, checked by the caller to
  // be in the vocabulary) and returns rows * output_width() next-token logits, those of each
  // sequence's last position. Several callers at once, as run().
  std::vector<float> run_tokens(const std::vector<int64_t>& tokens, int64_t rows);

 private:
  ServedModel() = default;

  ModelMetadata metadata_;
  Device device_;
  Shape example_shape_;  // one example as the model takes it ({64}, {1, 8, 8}, ...)
  int64_t input_width_ = 0, output_width_ = 0;
  std::unique_ptr<Generator> dropout_;  // unused in evaluation, but the model keeps a reference
  std::shared_ptr<nn::Module> module_;
};

}  // namespace nimbus::serve
