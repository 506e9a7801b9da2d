#pragma once
// The builders behind build_model, one per kind (each in its own file). They expect a spec that
// validate_model_spec accepted; build_model checks before calling them.
#include <memory>

#include "models/zoo/model_zoo.h"

namespace nimbus::models::detail {

std::shared_ptr<nn::Module> build_mlp(const ModelSpec& spec, Generator& init, Generator& dropout);
std::shared_ptr<nn::Module> build_cnn(const ModelSpec& spec, Generator& init);
std::shared_ptr<nn::Module> build_resnet(const ModelSpec& spec, Generator& init);
std::shared_ptr<nn::Module> build_gpt(const ModelSpec& spec, Generator& init, Generator& dropout);

// The cnn's feature map side after its stages: each keeps the size through a convolution with
// padding kernel_size / 2 (grows by one for even kernels, as PyTorch) and halves it (rounding
// down) in the 2x2 max pool. Used by the builder for the fc input size and by the validation.
int64_t cnn_output_side(int64_t side, int64_t kernel_size, size_t stages);
// The smallest side that leaves at least one pixel after `stages` cnn stages; 0 when that side
// does not fit in 62 bits.
int64_t cnn_input_side_needed(int64_t kernel_size, size_t stages);

}  // namespace nimbus::models::detail
