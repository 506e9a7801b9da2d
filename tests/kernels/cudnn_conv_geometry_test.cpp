// The numbers conv2d hands to cuDNN's descriptors (kernels/cuda/cudnn_conv_geometry.h), and the
// configurations it keeps away from cuDNN: plain C++, so checked on every machine.
#include "kernels/cuda/cudnn_conv_geometry.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace nimbus::cuda {
namespace {

// x [N, C, H, W] * weight [O, C / groups, kH, kW] with the output size of the CPU's formula.
ConvProblem problem(int64_t N, int64_t C, int64_t H, int64_t W, int64_t O, int64_t kH, int64_t kW, int64_t groups = 1,
                    int64_t s = 1, int64_t pad = 0, int64_t d = 1) {
  return {N, C, H, W, O, kH, kW, cudnn_output_size(H, pad, kH, s, d), cudnn_output_size(W, pad, kW, s, d), groups,
          s, s, pad, pad, d, d};
}

TEST(CudnnConvGeometry, OutputSizeFollowsTheConvolutionFormula) {
  EXPECT_EQ(cudnn_output_size(5, 0, 3, 1, 1), 3);
  EXPECT_EQ(cudnn_output_size(7, 1, 3, 2, 1), 4);   // odd size, stride 2, padding 1
  EXPECT_EQ(cudnn_output_size(8, 1, 3, 2, 1), 4);   // the last partial window is dropped
  EXPECT_EQ(cudnn_output_size(11, 1, 3, 1, 2), 9);  // dilation 2: a 5-wide window
  EXPECT_EQ(cudnn_output_size(1, 0, 1, 1, 1), 1);
}

TEST(CudnnConvGeometry, DescribesAPaddedStridedConvolution) {
  const auto geo = cudnn_conv_geometry(problem(2, 3, 7, 9, 4, 3, 3, 1, 2, 1));
  ASSERT_TRUE(geo.has_value());
  EXPECT_EQ(geo->input, (std::array<int, 4>{2, 3, 7, 9}));
  EXPECT_EQ(geo->filter, (std::array<int, 4>{4, 3, 3, 3}));
  EXPECT_EQ(geo->output, (std::array<int, 4>{2, 4, 4, 5}));
  EXPECT_EQ(geo->pad_h, 1);
  EXPECT_EQ(geo->pad_w, 1);
  EXPECT_EQ(geo->stride_h, 2);
  EXPECT_EQ(geo->stride_w, 2);
  EXPECT_EQ(geo->dilation_h, 1);
  EXPECT_EQ(geo->dilation_w, 1);
  EXPECT_EQ(geo->groups, 1);
}

TEST(CudnnConvGeometry, GroupsGiveTheFilterItsChannelsPerGroup) {
  const auto grouped = cudnn_conv_geometry(problem(3, 4, 11, 8, 6, 3, 2, 2));
  ASSERT_TRUE(grouped.has_value());
  EXPECT_EQ(grouped->filter, (std::array<int, 4>{6, 2, 3, 2}));
  EXPECT_EQ(grouped->groups, 2);
  const auto depthwise = cudnn_conv_geometry(problem(2, 6, 9, 9, 6, 3, 3, 6, 1, 1));
  ASSERT_TRUE(depthwise.has_value());
  EXPECT_EQ(depthwise->filter, (std::array<int, 4>{6, 1, 3, 3}));
  EXPECT_EQ(depthwise->groups, 6);
}

TEST(CudnnConvGeometry, AsymmetricStrideAndDilationKeepTheirAxes) {
  ConvProblem p{5, 6, 7, 6, 9, 2, 3, 0, 0, 3, 1, 2, 0, 2, 2, 2};
  p.OH = cudnn_output_size(p.H, p.ph, p.kH, p.sh, p.dh);
  p.OW = cudnn_output_size(p.W, p.pw, p.kW, p.sw, p.dw);
  const auto geo = cudnn_conv_geometry(p);
  ASSERT_TRUE(geo.has_value());
  EXPECT_EQ(geo->output, (std::array<int, 4>{5, 9, 5, 3}));
  EXPECT_EQ(geo->stride_h, 1);
  EXPECT_EQ(geo->stride_w, 2);
  EXPECT_EQ(geo->pad_h, 0);
  EXPECT_EQ(geo->pad_w, 2);
}

TEST(CudnnConvGeometry, EmptyDimensionsStayOnTheKernels) {
  EXPECT_FALSE(cudnn_conv_geometry(problem(0, 3, 5, 5, 2, 3, 3)).has_value());
  EXPECT_FALSE(cudnn_conv_geometry(problem(1, 0, 5, 5, 2, 3, 3)).has_value());
  EXPECT_FALSE(cudnn_conv_geometry(problem(1, 3, 5, 5, 0, 3, 3)).has_value());
  ConvProblem no_rows = problem(1, 2, 1, 3, 3, 1, 1);
  no_rows.H = 0;
  EXPECT_FALSE(cudnn_conv_geometry(no_rows).has_value());
}

TEST(CudnnConvGeometry, SizesBeyondIntStayOnTheKernels) {
  // 2^31 input elements: each size fits an int, the tensor does not.
  EXPECT_FALSE(cudnn_conv_geometry(problem(2048, 1024, 32, 32, 1, 1, 1)).has_value());
  EXPECT_TRUE(cudnn_conv_geometry(problem(2047, 1024, 32, 32, 1, 1, 1)).has_value());
  ConvProblem huge_pad = problem(1, 1, 4, 4, 1, 1, 1);
  huge_pad.ph = int64_t{1} << 31;
  EXPECT_FALSE(cudnn_conv_geometry(huge_pad).has_value());
}

TEST(CudnnConvGeometry, InconsistentShapesAreRejected) {
  ConvProblem wrong_output = problem(1, 3, 7, 7, 2, 3, 3, 1, 2, 1);
  wrong_output.OH += 1;
  EXPECT_FALSE(cudnn_conv_geometry(wrong_output).has_value());
  EXPECT_FALSE(cudnn_conv_geometry(problem(1, 3, 7, 7, 4, 3, 3, 2)).has_value());  // 3 channels, 2 groups
  ConvProblem negative_pad = problem(1, 3, 7, 7, 2, 3, 3);
  negative_pad.pw = -1;
  EXPECT_FALSE(cudnn_conv_geometry(negative_pad).has_value());
}

}  // namespace
}  // namespace nimbus::cuda
