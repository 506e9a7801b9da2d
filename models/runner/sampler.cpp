#include "models/runner/sampler.h"

#include <algorithm>
#include <cmath>

#include "frontend/autograd/variable.h"
#include "kernels/nn_ops.h"
#include "kernels/ops.h"
#include "runtime/error.h"
#include "runtime/random.h"

namespace nimbus::models {

std::string sample_text(nn::Module& model, const data::Vocabulary& vocabulary, int64_t context,
                        const std::string& prompt, const SampleOptions& options, Device device) {
  NIMBUS_CHECK_T(ConfigError, options.tokens >= 0, "sample: tokens must be >= 0, got ", options.tokens);
  NIMBUS_CHECK_T(ConfigError, options.temperature > 0 && std::isfinite(options.temperature),
                 "sample: temperature must be > 0, got ", options.temperature);
  // Without a prompt the text starts after a newline (or the first symbol when there is none).
  std::vector<int64_t> ids = !prompt.empty()              ? vocabulary.encode(prompt)  // names unknown characters
                             : vocabulary.contains('\n') ? vocabulary.encode("\n")
                                                         : std::vector<int64_t>{0};
  const bool was_training = model.is_training();
  model.eval();
  autograd::NoGradGuard no_grad;
  Generator gen(options.seed);
  for (int64_t t = 0; t < options.tokens; ++t) {
    const auto window = static_cast<int64_t>(std::min<size_t>(ids.size(), static_cast<size_t>(context)));
    const std::vector<int64_t> recent(ids.end() - window, ids.end());
    const Tensor logits = model(autograd::Variable(from_vector(recent, {1, window}).to(device))).data();
    // The last position's distribution, on the host: a few dozen values.
    const Tensor last = (logits.select(0, 0).select(0, window - 1).to(DType::f64) / options.temperature).to(Device::cpu());
    const Tensor probs = softmax(last, 0).contiguous();
    const double u = rand({1}, DType::f64, gen).item<double>();
    const auto* p = static_cast<const double*>(probs.data_ptr());
    int64_t next = probs.numel() - 1;  // rounding can leave the total a hair below u
    double total = 0;
    for (int64_t i = 0; i < probs.numel(); ++i) {
      total += p[i];
      if (u < total) {
        next = i;
        break;
      }
    }
    ids.push_back(next);
  }
  model.train(was_training);
  std::string text = vocabulary.decode(ids);
  return prompt.empty() ? text.substr(1) : text;
}

}  // namespace nimbus::models
