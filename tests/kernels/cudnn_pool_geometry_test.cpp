// The numbers avg_pool2d hands to cuDNN's pooling descriptor (kernels/cuda/cudnn_pool_geometry.h),
// and the poolings it keeps away from cuDNN: plain C++, so checked on every machine.
#include "kernels/cuda/cudnn_pool_geometry.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "kernels/conv_ops.h"

namespace nimbus::cuda {
namespace {

// x [N, C, H, W] pooled by a k x k window with the output size of the public op (kernels/conv.cpp),
// as the kernels receive it; ceil_mode as avg_pool2d's.
PoolProblem problem(const Shape& x, int64_t k, int64_t s, int64_t pad, bool ceil_mode = false,
                    bool count_include_pad = true) {
  const Tensor out = avg_pool2d(zeros(x, {DType::f32, Device::cpu()}), {k, k}, Pair{s, s}, {pad, pad}, ceil_mode,
                                count_include_pad);
  return {x[0], x[1], x[2], x[3], out.size(2), out.size(3), k, k, s, s, pad, pad, 1, 1, count_include_pad};
}

TEST(CudnnPoolGeometry, OutputSizeFollowsThePoolingFormula) {
  EXPECT_EQ(cudnn_pool_output_size(5, 0, 2, 2), 2);  // the last partial window is dropped
  EXPECT_EQ(cudnn_pool_output_size(7, 1, 3, 2), 4);  // odd size, stride 2, padding 1
  EXPECT_EQ(cudnn_pool_output_size(9, 0, 3, 3), 3);
  EXPECT_EQ(cudnn_pool_output_size(1, 0, 1, 1), 1);
}

TEST(CudnnPoolGeometry, DescribesAPaddedStridedAverage) {
  const auto geo = cudnn_avg_pool_geometry(problem({2, 3, 7, 9}, 3, 2, 1));
  ASSERT_TRUE(geo.has_value());
  EXPECT_EQ(geo->input, (std::array<int, 4>{2, 3, 7, 9}));
  EXPECT_EQ(geo->output, (std::array<int, 4>{2, 3, 4, 5}));
  EXPECT_EQ(geo->window_h, 3);
  EXPECT_EQ(geo->window_w, 3);
  EXPECT_EQ(geo->pad_h, 1);
  EXPECT_EQ(geo->pad_w, 1);
  EXPECT_EQ(geo->stride_h, 2);
  EXPECT_EQ(geo->stride_w, 2);
  EXPECT_EQ(geo->mode, CudnnAverageMode::count_include_padding);
}

TEST(CudnnPoolGeometry, CountIncludePadPicksTheMode) {
  const auto excluding = cudnn_avg_pool_geometry(problem({1, 2, 6, 6}, 3, 1, 1, false, false));
  ASSERT_TRUE(excluding.has_value());
  EXPECT_EQ(excluding->mode, CudnnAverageMode::count_exclude_padding);
  const auto including = cudnn_avg_pool_geometry(problem({1, 2, 6, 6}, 3, 1, 1, false, true));
  ASSERT_TRUE(including.has_value());
  EXPECT_EQ(including->mode, CudnnAverageMode::count_include_padding);
}

TEST(CudnnPoolGeometry, AsymmetricWindowsKeepTheirAxes) {
  PoolProblem p{3, 4, 11, 8, 0, 0, 3, 2, 2, 1, 1, 0, 1, 1, true};
  p.OH = cudnn_pool_output_size(p.H, p.ph, p.kH, p.sh);
  p.OW = cudnn_pool_output_size(p.W, p.pw, p.kW, p.sw);
  const auto geo = cudnn_avg_pool_geometry(p);
  ASSERT_TRUE(geo.has_value());
  EXPECT_EQ(geo->output, (std::array<int, 4>{3, 4, 6, 7}));
  EXPECT_EQ(geo->window_h, 3);
  EXPECT_EQ(geo->window_w, 2);
  EXPECT_EQ(geo->pad_h, 1);
  EXPECT_EQ(geo->pad_w, 0);
  EXPECT_EQ(geo->stride_h, 2);
  EXPECT_EQ(geo->stride_w, 1);
}

TEST(CudnnPoolGeometry, CeilModeGoesToCudnnOnlyWithoutAnExtraWindow) {
  // 7 rows, window 2, stride 2: ceil_mode adds a fourth window over row 6 alone.
  EXPECT_FALSE(cudnn_avg_pool_geometry(problem({1, 1, 7, 7}, 2, 2, 0, true)).has_value());
  EXPECT_TRUE(cudnn_avg_pool_geometry(problem({1, 1, 7, 7}, 2, 2, 0, false)).has_value());
  // 8 rows: the windows tile the input, ceil_mode changes nothing.
  EXPECT_TRUE(cudnn_avg_pool_geometry(problem({1, 1, 8, 8}, 2, 2, 0, true)).has_value());
  // A window wider than the input: only ceil_mode gives an output, one window past the input, which
  // the formula's truncating division would also call one.
  EXPECT_FALSE(cudnn_avg_pool_geometry(problem({1, 1, 1, 1}, 2, 2, 0, true)).has_value());
}

TEST(CudnnPoolGeometry, DilationStaysOnTheKernels) {
  PoolProblem p = problem({1, 2, 9, 9}, 3, 1, 0);
  p.dh = 2;
  p.OH = 5;
  EXPECT_FALSE(cudnn_avg_pool_geometry(p).has_value());
}

TEST(CudnnPoolGeometry, EmptyDimensionsStayOnTheKernels) {
  PoolProblem no_images = problem({1, 2, 4, 4}, 2, 2, 0);
  no_images.N = 0;
  EXPECT_FALSE(cudnn_avg_pool_geometry(no_images).has_value());
  PoolProblem no_channels = problem({1, 2, 4, 4}, 2, 2, 0);
  no_channels.C = 0;
  EXPECT_FALSE(cudnn_avg_pool_geometry(no_channels).has_value());
}

TEST(CudnnPoolGeometry, SizesBeyondIntStayOnTheKernels) {
  // 2^31 input elements: each size fits an int, the tensor does not.
  PoolProblem big{2048, 1024, 32, 32, 16, 16, 2, 2, 2, 2, 0, 0, 1, 1, true};
  EXPECT_FALSE(cudnn_avg_pool_geometry(big).has_value());
  big.N = 2047;
  EXPECT_TRUE(cudnn_avg_pool_geometry(big).has_value());
}

TEST(CudnnPoolGeometry, InconsistentShapesAreRejected) {
  PoolProblem wrong_output = problem({1, 3, 7, 7}, 3, 2, 1);
  wrong_output.OW += 1;
  EXPECT_FALSE(cudnn_avg_pool_geometry(wrong_output).has_value());
  PoolProblem all_padding = problem({1, 3, 7, 7}, 2, 1, 1);
  all_padding.ph = 2;
  all_padding.OH = cudnn_pool_output_size(7, 2, 2, 1);
  EXPECT_FALSE(cudnn_avg_pool_geometry(all_padding).has_value());
  PoolProblem negative_pad = problem({1, 3, 7, 7}, 3, 1, 0);
  negative_pad.pw = -1;
  EXPECT_FALSE(cudnn_avg_pool_geometry(negative_pad).has_value());
}

}  // namespace
}  // namespace nimbus::cuda
