// The cuDNN convolution switch (kernels/cudnn_convolution_switch.h): how its environment value
// reads, its default, the setter, and the counts and reason the CUDA module reports through it.
#include "kernels/cudnn_convolution_switch.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace nimbus {
namespace {

TEST(CudnnConvolutionSwitch, OnlyOneTurnsItOn) {
  EXPECT_TRUE(cudnn_switch_value_is_on("1"));
  EXPECT_FALSE(cudnn_switch_value_is_on(nullptr));
  EXPECT_FALSE(cudnn_switch_value_is_on(""));
  EXPECT_FALSE(cudnn_switch_value_is_on("0"));
  EXPECT_FALSE(cudnn_switch_value_is_on("true"));
  EXPECT_FALSE(cudnn_switch_value_is_on("yes"));
}

TEST(CudnnConvolutionSwitch, OffByDefaultAndSettable) {
  const char* env = std::getenv("NIMBUS_CUDA_CUDNN");
  const bool was = cudnn_convolution_enabled();
  // Read once, at first use: on only when the variable is 1.
  EXPECT_EQ(was, cudnn_switch_value_is_on(env));
  set_cudnn_convolution(true);
  EXPECT_TRUE(cudnn_convolution_enabled());
  set_cudnn_convolution(false);
  EXPECT_FALSE(cudnn_convolution_enabled());
  set_cudnn_convolution(was);
}

TEST(CudnnConvolutionSwitch, CountsAndReasonAreReported) {
  const CudnnConvolutionCounts before = cudnn_convolution_counts();
  count_cudnn_convolution(true);
  count_cudnn_convolution(false);
  count_cudnn_convolution(false);
  const CudnnConvolutionCounts after = cudnn_convolution_counts();
  EXPECT_EQ(after.cudnn_calls - before.cudnn_calls, 1);
  EXPECT_EQ(after.fallbacks - before.fallbacks, 2);

  const std::string was = cudnn_unavailable_reason();
  set_cudnn_unavailable_reason("cannot load cuDNN (no such file)");
  EXPECT_EQ(cudnn_unavailable_reason(), "cannot load cuDNN (no such file)");
  set_cudnn_unavailable_reason(was);
}

}  // namespace
}  // namespace nimbus
