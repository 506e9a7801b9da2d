// Views share the buffer and compute the right strides; copies do not.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/tensor.h"

namespace nimbus {
namespace {

Tensor iota(const Shape& shape) {
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return from_vector(v, shape);
}

std::vector<float> vals(const Tensor& t) { return t.to_vector<float>(); }

TEST(TensorView, ReshapeAndViewShareTheBuffer) {
  const Tensor t = iota({2, 3, 4});
  const Tensor v = t.view({6, 4});
  EXPECT_TRUE(v.shares_buffer(t));
  EXPECT_EQ(v.shape(), (Shape{6, 4}));
  EXPECT_EQ(t.view({-1}).shape(), (Shape{24}));
  EXPECT_EQ(t.reshape({4, -1}).shape(), (Shape{4, 6}));
  EXPECT_THROW(t.view({5, -1}), ShapeError);
  EXPECT_THROW(t.view({-1, -1}), ShapeError);
}

TEST(TensorView, ViewOfTransposedNeedsReshape) {
  const Tensor t = iota({3, 4}).t();
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_THROW(t.view({12}), ShapeError);
  const Tensor r = t.reshape({12});
  EXPECT_FALSE(r.shares_buffer(t));
  EXPECT_EQ(vals(r), (std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  // Splitting a dim of a transposed tensor is still a view.
  const Tensor split = iota({4, 6}).t().view({2, 3, 4});
  EXPECT_EQ(split.strides(), (Shape{3, 1, 6}));
}

TEST(TensorView, PermuteTransposeAndContiguous) {
  const Tensor t = iota({2, 3, 4});
  const Tensor p = t.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Shape{1, 12, 4}));
  const Tensor c = p.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(vals(c)[1], 4.0f);   // p[0][0][1] = t[0][1][0]
  EXPECT_EQ(vals(c)[3], 12.0f);  // p[0][1][0] = t[1][0][0]
  EXPECT_THROW(t.permute({0, 0, 1}), ShapeError);
  EXPECT_THROW(t.transpose(0, 3), ShapeError);
}

TEST(TensorView, SliceNarrowSelect) {
  const Tensor t = iota({4, 5});
  EXPECT_EQ(vals(t.slice(1, 1, 5, 2)), (std::vector<float>{1, 3, 6, 8, 11, 13, 16, 18}));
  EXPECT_EQ(vals(t.slice(0, -2, 100)), (std::vector<float>{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
  EXPECT_EQ(t.slice(0, 3, 1).size(0), 0);
  EXPECT_EQ(vals(t.narrow(1, 2, 2)), (std::vector<float>{2, 3, 7, 8, 12, 13, 17, 18}));
  EXPECT_THROW(t.narrow(1, 4, 2), ShapeError);
  EXPECT_EQ(vals(t.select(0, -1)), (std::vector<float>{15, 16, 17, 18, 19}));
  EXPECT_EQ(t.select(1, 2).shape(), (Shape{4}));
  EXPECT_THROW(t.select(0, 4), ShapeError);
  EXPECT_TRUE(t.select(0, 1).shares_buffer(t));
}

TEST(TensorView, SqueezeUnsqueezeExpand) {
  const Tensor t = iota({3, 1, 2});
  EXPECT_EQ(t.squeeze().shape(), (Shape{3, 2}));
  EXPECT_EQ(t.squeeze(1).shape(), (Shape{3, 2}));
  EXPECT_EQ(t.squeeze(0).shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(t.unsqueeze(0).shape(), (Shape{1, 3, 1, 2}));
  EXPECT_EQ(t.unsqueeze(-1).shape(), (Shape{3, 1, 2, 1}));
  const Tensor e = t.expand({2, 3, 4, 2});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4, 2}));
  EXPECT_EQ(e.strides()[0], 0);
  EXPECT_EQ(e.strides()[2], 0);
  EXPECT_EQ(vals(e).size(), 48u);
  EXPECT_EQ(vals(e)[2], 0.0f);
  EXPECT_EQ(vals(e)[9], 3.0f);
  EXPECT_THROW(t.expand({3, 2, 3}), ShapeError);
  EXPECT_EQ(t.expand({-1, 5, -1}).shape(), (Shape{3, 5, 2}));
}

TEST(TensorView, ZeroDimAndEmptyTensors) {
  const Tensor s = scalar_tensor(2.5);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item<float>(), 2.5f);
  EXPECT_EQ(s.view({1, 1}).shape(), (Shape{1, 1}));
  const Tensor e = zeros({0, 3});
  EXPECT_EQ(e.numel(), 0);
  EXPECT_TRUE(e.is_contiguous());
  EXPECT_TRUE(empty({2, 0}).is_contiguous());
  EXPECT_EQ(e.reshape({3, 0}).shape(), (Shape{3, 0}));
  EXPECT_EQ(e.t().contiguous().shape(), (Shape{3, 0}));
  EXPECT_THROW(zeros({2}).item<float>(), ShapeError);
}

TEST(TensorCopy, ToDtypeConvertsWithRounding) {
  const Tensor t = from_vector<double>({1.5, -2.7, 1e9, 0.0});
  EXPECT_EQ(t.to(DType::i32).to_vector<int32_t>(), (std::vector<int32_t>{1, -2, 1000000000, 0}));
  EXPECT_EQ(t.to(DType::boolean).to_vector<bool>(), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(t.to(DType::f16).to_vector<float>()[2], INFINITY);
  EXPECT_EQ(t.to(DType::bf16).to_vector<float>()[1], -2.703125f);
  EXPECT_TRUE(t.to(DType::f64).shares_buffer(t));
}

TEST(TensorCopy, CopyBroadcastsAndCloneIsIndependent) {
  const Tensor dst = zeros({2, 3});
  dst.copy_(from_vector<int32_t>({1, 2, 3}));
  EXPECT_EQ(vals(dst), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  const Tensor c = dst.clone();
  dst.fill_(7);
  EXPECT_EQ(vals(c)[0], 1.0f);
  EXPECT_EQ(vals(dst)[5], 7.0f);
  // Writing through a strided view changes the base.
  const Tensor base = zeros({3, 3});
  base.select(1, 1).fill_(5);
  EXPECT_EQ(vals(base), (std::vector<float>{0, 5, 0, 0, 5, 0, 0, 5, 0}));
  EXPECT_THROW(zeros({2}).copy_(zeros({3})), ShapeError);
}

TEST(TensorPrint, ShowsValuesDtypeAndShape) {
  EXPECT_EQ(from_vector<int64_t>({1, 2, 3, 4}, {2, 2}).str(), "tensor([[1, 2],\n [3, 4]], dtype=i64, shape=[2, 2])");
  EXPECT_EQ(from_vector<float>({0.5f}).str(), "tensor([0.5000], dtype=f32, shape=[1])");
  const std::string big = zeros({2000}).str();
  EXPECT_NE(big.find("..."), std::string::npos);
  EXPECT_LT(big.size(), 200u);
}

TEST(TensorData, TypedAccessChecksTheDtype) {
  const Tensor t = zeros({2}, DType::i32);
  EXPECT_NO_THROW(t.data<int32_t>());
  EXPECT_THROW(t.data<float>(), DTypeError);
}

}  // namespace
}  // namespace nimbus

namespace nimbus {
namespace {

TEST(TensorVersion, InPlaceWritesBumpTheSharedBufferVersion) {
  const Tensor t = zeros({4});
  const Tensor view = t.slice(0, 1, 3);
  const uint64_t before = t.buffer().version();
  view.fill_(1);
  EXPECT_GT(t.buffer().version(), before);  // a write through a view counts for the base
  const uint64_t after_fill = t.buffer().version();
  t.copy_(ones({4}));
  EXPECT_GT(view.buffer().version(), after_fill);
  const Tensor c = t.clone();
  EXPECT_EQ(t.buffer().version(), view.buffer().version());
  EXPECT_NE(c.buffer().data(), t.buffer().data());
}

}  // namespace
}  // namespace nimbus
