// embedding_backward and dropout against scalar float64 references written here and against
// central finite differences; repeated and padding indices, dtypes, layouts, determinism, Philox
// masks, p = 0 and p = 1, and error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>

#include "kernels/nn_ops.h"
#include "kernels/ops.h"
#include "reference.h"
#include "runtime/philox.h"

namespace nimbus {
namespace {

using testing::expect_error;
using testing::non_contiguous;
using testing::numeric_grad;
using testing::random_tensor;
using testing::tolerance;
using testing::values;

// ---- embedding_backward ----

std::vector<double> ref_embedding_backward(const std::vector<double>& g, const std::vector<int64_t>& idx,
                                           int64_t num_weights, int64_t dim, int64_t padding_idx) {
  std::vector<double> gw(static_cast<size_t>(num_weights * dim));
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] == padding_idx) continue;
    for (int64_t k = 0; k < dim; ++k) gw[static_cast<size_t>(idx[i] * dim + k)] += g[i * dim + k];
  }
  return gw;
}

// The forward lookup, for the finite differences: weight[indices].
Tensor embedding(const Tensor& weight, const Tensor& indices) {
  Shape shape = indices.shape();
  shape.push_back(weight.size(1));
  return index_select(weight, 0, indices.reshape({-1})).reshape(shape);
}

TEST(Embedding, BackwardMatchesReferenceOverDtypesLayoutsAndPadding) {
  const Tensor idx = from_vector<int64_t>({3, 0, 3, 5, 1, 3, 0, 2}, {2, 4});
  for (DType dtype : testing::float_dtypes()) {
    const Tensor g = random_tensor({2, 4, 3}, dtype, 1);
    for (int64_t padding : {int64_t{-1}, int64_t{3}, int64_t{4}}) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " padding " + std::to_string(padding));
      const std::vector<double> ref = ref_embedding_backward(values(g), idx.to_vector<int64_t>(), 6, 3, padding);
      for (const Tensor& gi : {g, non_contiguous(g)}) {
        const Tensor gw = embedding_backward(gi, non_contiguous(idx), 6, padding);
        EXPECT_EQ(gw.dtype(), dtype);
        testing::expect_values(gw, {6, 3}, ref, 4 * tolerance(dtype), 4 * tolerance(dtype));
      }
      testing::expect_values(embedding_backward(g, idx.to(DType::i32), 6, padding), {6, 3}, ref, 4 * tolerance(dtype),
                             4 * tolerance(dtype));
    }
  }
}

TEST(Embedding, BackwardMatchesFiniteDifferences) {
  const Tensor idx = from_vector<int64_t>({2, 2, 0, 4, 2}, {5});
  const Tensor w = random_tensor({5, 4}, DType::f64, 2), g = random_tensor({5, 4}, DType::f64, 3);
  testing::expect_values(embedding_backward(g, idx, 5), {5, 4},
                         numeric_grad([&](const Tensor& t) { return embedding(t, idx); }, w, g), 1e-6, 1e-8);
  // A 0-d index and an empty batch.
  testing::expect_values(embedding_backward(from_vector<double>({1.5, 2.5}), scalar_tensor(1, DType::i64), 3), {3, 2},
                         {0, 0, 1.5, 2.5, 0, 0}, 0);
  EXPECT_EQ(values(embedding_backward(zeros({0, 2}), zeros({0}, DType::i64), 3)), std::vector<double>(6, 0.0));
}

TEST(Embedding, ManyRepeatsAccumulateInOrderAndDeterministically) {
  // 200000 rows into 7 weights: every weight row sums ~28000 grads, in index order.
  const int64_t n = 200000, dim = 16;
  std::vector<int64_t> iv(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) iv[static_cast<size_t>(i)] = (i * 13) % 7;
  const Tensor idx = from_vector(iv), g = random_tensor({n, dim}, DType::f32, 4);
  const Tensor a = embedding_backward(g, idx, 7), b = embedding_backward(g, idx, 7);
  EXPECT_EQ(std::memcmp(a.data_ptr(), b.data_ptr(), a.numel() * 4), 0);
  const std::vector<double> ref = ref_embedding_backward(values(g), iv, 7, dim, -1);
  testing::expect_values(a, {7, dim}, ref, 1e-4, 1e-2);
  // bf16 accumulates in f32, not in bf16 (which would stall once the sum is large).
  const Tensor ones16 = ones({n, 1}, DType::bf16);
  const std::vector<double> counts = values(embedding_backward(ones16, idx, 7));
  for (int64_t w = 0; w < 7; ++w) EXPECT_NEAR(counts[static_cast<size_t>(w)], n / 7.0, n / 7.0 * 1e-2);
}

TEST(Embedding, ErrorsNameTheIndexAndShapes) {
  expect_error<ShapeError>([] { embedding_backward(zeros({2, 3}), from_vector<int64_t>({0, 9}), 4); },
                           {"embedding_backward", "9", "4"});
  expect_error<ShapeError>([] { embedding_backward(zeros({2, 3}), from_vector<int64_t>({0, -1}), 4); },
                           {"embedding_backward", "-1"});
  expect_error<ShapeError>([] { embedding_backward(zeros({3, 3}), from_vector<int64_t>({0, 1}), 4); },
                           {"embedding_backward", "[3, 3]", "[2]"});
  expect_error<DTypeError>([] { embedding_backward(zeros({2, 3}), zeros({2}), 4); }, {"embedding_backward", "f32"});
}

// ---- dropout ----

TEST(Dropout, MaskIsThePhiloxStreamOfTheSeedAndCall) {
  const double p = 0.3;
  const Tensor x = random_tensor({257, 129}, DType::f32, 5);  // not a multiple of 4 elements
  Generator gen(42);
  gen.next_call();  // the mask of call 1
  const DropoutResult r = dropout(x, p, gen);
  EXPECT_EQ(gen.calls(), 2u);
  EXPECT_EQ(r.mask.dtype(), DType::boolean);
  const std::vector<double> xv = values(x), out = values(r.output);
  const std::vector<uint8_t> mask = r.mask.to_vector<uint8_t>();
  int64_t kept = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    const bool keep = uniform_float(philox_block(42, 1, i / 4).v[i % 4]) >= p;
    ASSERT_EQ(mask[i] != 0, keep) << "element " << i;
    EXPECT_NEAR(out[i], keep ? xv[i] / (1 - p) : 0.0, 1e-6 * std::fabs(xv[i])) << "element " << i;
    kept += keep;
  }
  EXPECT_NEAR(static_cast<double>(kept) / static_cast<double>(xv.size()), 1 - p, 0.01);
  // Same seed and call, any layout: the same mask.
  Generator again(42);
  again.next_call();
  const DropoutResult r2 = dropout(non_contiguous(x), p, again);
  EXPECT_EQ(r2.mask.to_vector<uint8_t>(), mask);
  EXPECT_EQ(values(r2.output), out);
  // The next call draws a different mask.
  EXPECT_NE(dropout(x, p, again).mask.to_vector<uint8_t>(), mask);
}

TEST(Dropout, ZeroOneAndEvaluation) {
  for (DType dtype : testing::float_dtypes()) {
    const Tensor x = random_tensor({33, 5}, dtype, 6);
    Generator gen(1);
    const DropoutResult keep_all = dropout(x, 0.0, gen);
    EXPECT_EQ(values(keep_all.output), values(x));
    EXPECT_EQ(values(keep_all.mask), std::vector<double>(165, 1.0));
    const DropoutResult drop_all = dropout(x, 1.0, gen);
    EXPECT_EQ(values(drop_all.output), std::vector<double>(165, 0.0));  // zeros, not nan
    EXPECT_EQ(values(drop_all.mask), std::vector<double>(165, 0.0));
    EXPECT_EQ(values(dropout_backward(ones_like(x), drop_all.mask, 1.0)), std::vector<double>(165, 0.0));
    const DropoutResult eval = dropout(x, 0.5, gen, false);
    EXPECT_EQ(values(eval.output), values(x));
    EXPECT_EQ(values(eval.mask), std::vector<double>(165, 1.0));
    // Low precision: kept values are x / (1 - p) rounded once.
    const DropoutResult half = dropout(x, 0.25, gen);
    const std::vector<double> xv = values(x), ov = values(half.output), mv = values(half.mask);
    for (size_t i = 0; i < xv.size(); ++i)
      EXPECT_NEAR(ov[i], mv[i] * xv[i] / 0.75, tolerance(dtype) * std::fabs(xv[i]) / 0.75) << i;
  }
  EXPECT_EQ(dropout(zeros({0, 3}), 0.5).output.shape(), (Shape{0, 3}));
}

TEST(Dropout, BackwardMatchesFiniteDifferencesAndReference) {
  const double p = 0.4;
  const Tensor x = random_tensor({6, 7}, DType::f64, 7), g = random_tensor({6, 7}, DType::f64, 8);
  Generator gen(9);
  const DropoutResult r = dropout(x, p, gen);
  const Tensor grad = dropout_backward(g, r.mask, p);
  // The same generator state gives the same mask in every perturbed forward.
  const auto f = [&](const Tensor& t) {
    Generator fresh(9);
    return dropout(t, p, fresh).output;
  };
  testing::expect_values(grad, {6, 7}, numeric_grad(f, x, g), 1e-6, 1e-8);
  const std::vector<double> gv = values(g), mv = values(r.mask);
  std::vector<double> ref;
  for (size_t i = 0; i < gv.size(); ++i) ref.push_back(gv[i] * mv[i] / (1 - p));
  testing::expect_values(grad, {6, 7}, ref, 1e-15);
  testing::expect_values(dropout_backward(non_contiguous(g), non_contiguous(r.mask), p), {6, 7}, ref, 1e-15);
}

TEST(Dropout, ErrorsNameTheOpAndValues) {
  expect_error<Error>([] { dropout(zeros({2}), 1.5); }, {"dropout", "1.5"});
  expect_error<Error>([] { dropout(zeros({2}), -0.1); }, {"dropout", "-0.1"});
  expect_error<DTypeError>([] { dropout(zeros({2}, DType::i64), 0.5); }, {"dropout", "i64"});
  expect_error<ShapeError>([] { dropout_backward(zeros({2, 3}), ones({3, 2}, DType::boolean), 0.5); },
                           {"dropout_backward", "[2, 3]", "[3, 2]"});
  expect_error<DTypeError>([] { dropout_backward(zeros({2}), ones({2}), 0.5); }, {"dropout_backward", "bool"});
}

}  // namespace
}  // namespace nimbus
