// Indexing and shaping ops against scalar float64 references, over dtypes, dims (negative too),
// strided inputs and indices, empty and size-1 dims; error messages; scatter_add determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>

#include "kernels/ops.h"
#include "reference.h"

namespace nimbus {
namespace {

using testing::broadcast_position;
using testing::expect_values;
using testing::non_contiguous;
using testing::random_tensor;
using testing::unravel;
using testing::values;

// Row-major position of an in-range multi-index.
int64_t ravel(const std::vector<int64_t>& index, const Shape& shape) {
  int64_t linear = 0;
  for (size_t d = 0; d < shape.size(); ++d) linear = linear * shape[d] + index[d];
  return linear;
}

// Random values for `dtype`, non-negative where the dtype cannot hold negatives (reshaped
// because random_tensor makes a 0-d shape 1-d).
Tensor make_input(const Shape& shape, DType dtype, uint32_t seed) {
  return random_tensor(shape, dtype, seed, dtype == DType::u8 ? 0.0 : -3.0, 3.0).reshape(shape);
}

// Random indices in [0, bound) of `shape`, stored as `dtype`.
Tensor make_index(const Shape& shape, int64_t bound, DType dtype, uint32_t seed) {
  return random_tensor(shape, DType::f64, seed, 0.0, static_cast<double>(bound) - 0.01).to(DType::i64).to(dtype);
}

template <typename E>
void expect_error(const std::function<void()>& fn, const std::string& message) {
  try {
    fn();
    ADD_FAILURE() << "expected an exception with: " << message;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

const DType kIndexDtypes[] = {DType::i64, DType::i32, DType::u8};

// One case of a sweep over ops on 3-d inputs: d is dim normalized; seed differs per case.
struct Sweep {
  DType dtype;
  int64_t dim;
  int d;
  bool strided;
  uint32_t seed;
};

// Calls body(Sweep) over dtypes x dims x {contiguous, strided}.
template <typename Body>
void sweep(const std::vector<DType>& dtypes, std::initializer_list<int64_t> dims, uint32_t seed, const Body& body) {
  for (DType dtype : dtypes) {
    for (int64_t dim : dims) {
      for (bool strided : {false, true}) {
        SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim) + (strided ? " strided" : ""));
        body(Sweep{dtype, dim, static_cast<int>(dim < 0 ? dim + 3 : dim), strided, seed += 8});
      }
    }
  }
}

// ---- index_select ----

std::vector<double> ref_index_select(const Tensor& x, int dim, const std::vector<double>& idx, const Shape& out) {
  const std::vector<double> vx = values(x);
  std::vector<double> r(static_cast<size_t>(shape_numel(out)));
  for (size_t i = 0; i < r.size(); ++i) {
    auto pos = unravel(static_cast<int64_t>(i), out);
    pos[dim] = static_cast<int64_t>(idx[pos[dim]]);
    r[i] = vx[ravel(pos, x.shape())];
  }
  return r;
}

TEST(IndexSelect, MatchesReferenceOverDtypesDimsAndLayouts) {
  sweep(testing::all_dtypes(), {0, 1, 2, -1, -3}, 0, [](const Sweep& c) {
    Tensor x = make_input({4, 5, 3}, c.dtype, c.seed);
    Tensor idx = make_index({7}, x.size(c.d), kIndexDtypes[c.seed % 3], c.seed + 1);
    if (c.strided) x = non_contiguous(x), idx = non_contiguous(idx);
    Shape shape = x.shape();
    shape[c.d] = 7;
    const Tensor y = index_select(x, c.dim, idx);
    EXPECT_EQ(y.dtype(), c.dtype);
    expect_values(y, shape, ref_index_select(x, c.d, values(idx), shape), 0);
  });
}

TEST(IndexSelect, EmbeddingRowsEmptyIndexAndScalars) {
  // Contiguous [N, D] along dim 0: whole rows (the embedding lookup), many of them.
  const Tensor table = make_input({50, 64}, DType::f32, 1);
  const Tensor ids = make_index({3000}, 50, DType::i64, 2);
  expect_values(index_select(table, 0, ids), {3000, 64}, ref_index_select(table, 0, values(ids), {3000, 64}), 0);
  // Long rows inside a higher-dim tensor, selected along a middle dim.
  const Tensor x = make_input({3, 6, 40}, DType::f64, 3);
  const Tensor mid = from_vector<int64_t>({5, 0, 5});
  expect_values(index_select(x, 1, mid), {3, 3, 40}, ref_index_select(x, 1, values(mid), {3, 3, 40}), 0);
  // Empty index, empty table dims, a 0-d index and a 0-d input.
  EXPECT_EQ(index_select(table, 0, from_vector<int64_t>({})).shape(), (Shape{0, 64}));
  EXPECT_EQ(index_select(zeros({4, 0}), 0, from_vector<int64_t>({3, 1})).shape(), (Shape{2, 0}));
  expect_values(index_select(table, 1, scalar_tensor(2, DType::i64)), {50, 1},
                ref_index_select(table, 1, {2}, {50, 1}), 0);
  expect_values(index_select(scalar_tensor(4.5), 0, from_vector<int32_t>({0})), {}, {4.5}, 0);
  expect_values(index_select(from_vector<double>({7}), -1, from_vector<int64_t>({0, 0})), {2}, {7, 7}, 0);
}

TEST(IndexSelect, RejectsBadIndicesWithMessages) {
  const Tensor x = zeros({5, 2});
  expect_error<ShapeError>([&] { index_select(x, 0, from_vector<int64_t>({1, 7, 2})); },
                           "index_select: index 7 is out of range for dim 0 of size 5");
  expect_error<ShapeError>([&] { index_select(x, -1, from_vector<int32_t>({-1})); },
                           "index_select: index -1 is out of range for dim 1 of size 2");
  expect_error<DTypeError>([&] { index_select(x, 0, from_vector<float>({1})); }, "integer");
  EXPECT_THROW(index_select(x, 0, from_vector<bool>({true})), DTypeError);
  EXPECT_THROW(index_select(x, 0, zeros({2, 2}, DType::i64)), ShapeError);
  EXPECT_THROW(index_select(x, 2, from_vector<int64_t>({0})), ShapeError);
  EXPECT_THROW(index_select(Tensor(), 0, from_vector<int64_t>({0})), Error);
  EXPECT_THROW(index_select(x, 0, Tensor()), Error);
}

// ---- gather ----

std::vector<double> ref_gather(const Tensor& x, int dim, const Tensor& index) {
  const std::vector<double> vx = values(x), vi = values(index);
  std::vector<double> r(vi.size());
  for (size_t i = 0; i < r.size(); ++i) {
    auto pos = unravel(static_cast<int64_t>(i), index.shape());
    pos[dim] = static_cast<int64_t>(vi[i]);
    r[i] = vx[ravel(pos, x.shape())];
  }
  return r;
}

TEST(Gather, MatchesReferenceOverDtypesDimsAndLayouts) {
  sweep(testing::all_dtypes(), {0, 1, 2, -1, -2}, 100, [](const Sweep& c) {
    Tensor x = make_input({4, 5, 3}, c.dtype, c.seed);
    Shape index_shape = {3, 4, 2};  // smaller than x off `dim`, larger along it (repeats)
    index_shape[c.d] = 6;
    Tensor idx = make_index(index_shape, x.size(c.d), kIndexDtypes[c.seed % 3], c.seed + 1);
    if (c.strided) x = non_contiguous(x), idx = non_contiguous(idx);
    const Tensor y = gather(x, c.dim, idx);
    EXPECT_EQ(y.dtype(), c.dtype);
    expect_values(y, index_shape, ref_gather(x, c.d, idx), 0);
  });
  // Transposed input, a size-1 dim, an empty index, and 0-d operands.
  const Tensor xt = make_input({6, 4}, DType::f32, 7).t();
  const Tensor it = make_index({4, 1}, 6, DType::i64, 8);
  expect_values(gather(xt, 1, it), {4, 1}, ref_gather(xt, 1, it), 0);
  EXPECT_EQ(gather(xt, 0, zeros({0, 3}, DType::i64)).shape(), (Shape{0, 3}));
  expect_values(gather(scalar_tensor(2.5), 0, scalar_tensor(0, DType::i64)), {}, {2.5}, 0);
}

TEST(Gather, RejectsBadShapesAndIndices) {
  const Tensor x = zeros({3, 4});
  expect_error<ShapeError>([&] { gather(x, 1, from_vector<int64_t>({0, 4, 1}, {1, 3})); },
                           "gather: index 4 is out of range for dim 1 of size 4");
  expect_error<ShapeError>([&] { gather(x, 1, zeros({4, 2}, DType::i64)); }, "at dim 0");
  EXPECT_THROW(gather(x, 0, zeros({3}, DType::i64)), ShapeError);
  EXPECT_THROW(gather(x, 0, zeros({3, 4})), DTypeError);
}

// ---- scatter_add ----

// Sum in float64, plus the sum of magnitudes and the number of terms per element for tolerances.
struct ScatterReference {
  std::vector<double> sum, magnitude, terms;
};

ScatterReference ref_scatter_add(const Tensor& x, int dim, const Tensor& index, const Tensor& src) {
  ScatterReference r{values(x), {}, {}};
  for (double v : r.sum) r.magnitude.push_back(std::abs(v));
  r.terms.assign(r.sum.size(), 1.0);
  const std::vector<double> vi = values(index), vs = values(src);
  for (size_t i = 0; i < vi.size(); ++i) {
    const auto pos = unravel(static_cast<int64_t>(i), index.shape());
    auto target = pos;
    target[dim] = static_cast<int64_t>(vi[i]);
    const int64_t t = ravel(target, x.shape());
    const double v = vs[ravel(pos, src.shape())];
    r.sum[t] += v;
    r.magnitude[t] += std::abs(v);
    r.terms[t] += 1;
  }
  if (x.dtype() == DType::boolean)
    for (double& v : r.sum) v = v != 0 ? 1.0 : 0.0;  // bool addition is logical or
  return r;
}

TEST(ScatterAdd, MatchesReferenceWithRepeatedIndices) {
  sweep(testing::all_dtypes(), {0, 1, 2, -1, -3}, 200, [](const Sweep& c) {
    Tensor x = make_input({4, 5, 3}, c.dtype, c.seed);
    Shape index_shape = {3, 4, 2};
    index_shape[c.d] = 9;  // more entries than x has along dim: repeats are certain
    Shape src_shape = index_shape;
    for (int64_t& s : src_shape) s += 1;  // src may be larger than index
    Tensor src = make_input(src_shape, c.dtype, c.seed + 1);
    Tensor idx = make_index(index_shape, x.size(c.d), kIndexDtypes[c.seed % 3], c.seed + 2);
    if (c.strided) x = non_contiguous(x), idx = non_contiguous(idx), src = non_contiguous(src);
    const std::vector<double> before = values(x);
    const Tensor y = scatter_add(x, c.dim, idx, src);
    EXPECT_EQ(y.dtype(), c.dtype);
    ASSERT_EQ(y.shape(), x.shape());
    EXPECT_EQ(values(x), before);  // out of place
    const ScatterReference ref = ref_scatter_add(x, c.d, idx, src);
    const std::vector<double> got = values(y);
    // Each addition rounds once in the element c.dtype.
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_NEAR(got[i], ref.sum[i], testing::tolerance(c.dtype) * ref.terms[i] * ref.magnitude[i]) << i;
  });
}

TEST(ScatterAdd, EdgeCases) {
  // 1-d with every index the same: one output collects all, the others keep x.
  const Tensor x = from_vector<int64_t>({10, 20, 30});
  expect_values(scatter_add(x, 0, from_vector<int64_t>({1, 1, 1, 1}), from_vector<int64_t>({1, 2, 3, 4})), {3},
                {10, 30, 30}, 0);
  // Empty index: a copy of x; 0-d operands.
  expect_values(scatter_add(x, 0, from_vector<int64_t>({}), from_vector<int64_t>({})), {3}, {10, 20, 30}, 0);
  expect_values(scatter_add(scalar_tensor(1.5), 0, scalar_tensor(0, DType::i64), scalar_tensor(2.0)), {}, {3.5}, 0);
  // A broadcast (stride-0) x: the result must not alias.
  const Tensor wide = from_vector<float>({1, 2}).unsqueeze(0).expand({3, 2});
  expect_values(scatter_add(wide, 0, from_vector<int64_t>({0, 0}, {1, 2}), ones({1, 2})), {3, 2}, {2, 3, 1, 2, 1, 2},
                0);
}

TEST(ScatterAdd, RejectsBadOperands) {
  const Tensor x = zeros({4, 3});
  expect_error<ShapeError>([&] { scatter_add(x, 0, from_vector<int64_t>({0, 9, 1}, {1, 3}), ones({1, 3})); },
                           "scatter_add: index 9 is out of range for dim 0 of size 4");
  expect_error<DTypeError>([&] { scatter_add(x, 0, zeros({1, 3}, DType::i64), ones({1, 3}, DType::f64)); },
                           "scatter_add: src is f64, x is f32");
  EXPECT_THROW(scatter_add(x, 0, zeros({2, 3}, DType::i64), ones({1, 3})), ShapeError);  // index > src
  EXPECT_THROW(scatter_add(x, 0, zeros({1, 4}, DType::i64), ones({1, 4})), ShapeError);  // index > x off dim
  EXPECT_THROW(scatter_add(x, 0, zeros({3}, DType::i64), ones({3})), ShapeError);
}

TEST(ScatterAdd, LargeInputIsBitIdenticalRunToRunAndToASequentialLoop) {
  for (int dim : {0, 1}) {
    const Shape index_shape = dim == 0 ? Shape{6000, 300} : Shape{300, 6000};
    const Shape x_shape = dim == 0 ? Shape{500, 300} : Shape{300, 500};
    const Tensor x = make_input(x_shape, DType::f32, 11);
    const Tensor src = make_input(index_shape, DType::f32, 12);
    const Tensor idx = make_index(index_shape, 500, DType::i64, 13);
    const std::vector<float> a = scatter_add(x, dim, idx, src).to_vector<float>();
    const std::vector<float> b = scatter_add(x, dim, idx, src).to_vector<float>();
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
    // The same sums in float, adding in index order, give the same bits.
    std::vector<float> expected = x.to_vector<float>();
    const std::vector<float> vs = src.to_vector<float>();
    const std::vector<int64_t> vi = idx.to_vector<int64_t>();
    for (int64_t j = 0; j < 6000; ++j) {
      for (int64_t c = 0; c < 300; ++c) {
        const int64_t at = dim == 0 ? j * 300 + c : c * 6000 + j;
        const int64_t target = dim == 0 ? vi[at] * 300 + c : c * 500 + vi[at];
        expected[target] += vs[at];
      }
    }
    EXPECT_EQ(std::memcmp(a.data(), expected.data(), a.size() * sizeof(float)), 0) << "dim " << dim;
  }
}

// ---- masked_select ----

std::vector<double> ref_masked_select(const Tensor& x, const Tensor& mask, const Shape& shape) {
  const std::vector<double> vx = values(x), vm = values(mask);
  std::vector<double> r;
  for (int64_t i = 0; i < shape_numel(shape); ++i) {
    const auto pos = unravel(i, shape);
    if (vm[broadcast_position(pos, mask.shape())] != 0) r.push_back(vx[broadcast_position(pos, x.shape())]);
  }
  return r;
}

TEST(MaskedSelect, MatchesReferenceWithBroadcastAndLayouts) {
  struct Case {
    Shape x, mask, out;
  };
  // Equal shapes, broadcasts both ways, 0-d, empty, and one large enough to split across threads.
  const Case cases[] = {{{4, 5}, {4, 5}, {4, 5}}, {{3, 5}, {4, 1, 5}, {4, 3, 5}}, {{2, 1, 3}, {4, 1}, {2, 4, 3}},
                        {{}, {}, {}}, {{0, 3}, {3}, {0, 3}}, {{200, 300}, {200, 300}, {200, 300}}};
  int seed = 300;
  for (DType dtype : testing::all_dtypes()) {
    for (const Case& c : cases) {
      for (bool strided : {false, true}) {
        Tensor x = make_input(c.x, dtype, ++seed);
        Tensor mask = make_input(c.mask, DType::boolean, ++seed);
        if (strided) x = non_contiguous(x), mask = non_contiguous(mask);
        SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + shape_str(c.x) + (strided ? " strided" : ""));
        const std::vector<double> expected = ref_masked_select(x, mask, c.out);
        const Tensor y = masked_select(x, mask);
        EXPECT_EQ(y.dtype(), dtype);
        expect_values(y, {static_cast<int64_t>(expected.size())}, expected, 0);
      }
    }
  }
  EXPECT_EQ(masked_select(ones({3, 3}), zeros({3, 3}, DType::boolean)).shape(), (Shape{0}));
}

TEST(MaskedSelect, RejectsNonBoolMaskAndBadShapes) {
  expect_error<DTypeError>([] { masked_select(ones({3}), from_vector<int64_t>({1, 0, 1})); },
                           "masked_select: mask must be a bool tensor, got i64");
  EXPECT_THROW(masked_select(ones({3}), zeros({4}, DType::boolean)), ShapeError);
  EXPECT_THROW(masked_select(Tensor(), zeros({4}, DType::boolean)), Error);
}

// ---- cat, stack, split ----

// Concatenation of references along dim, in float64.
std::vector<double> ref_cat(const std::vector<Tensor>& ts, int dim, const Shape& out) {
  std::vector<double> r(static_cast<size_t>(shape_numel(out)));
  for (size_t i = 0; i < r.size(); ++i) {
    auto pos = unravel(static_cast<int64_t>(i), out);
    for (const Tensor& t : ts) {
      if (pos[dim] < t.shape()[dim]) {
        r[i] = values(t)[ravel(pos, t.shape())];
        break;
      }
      pos[dim] -= t.shape()[dim];
    }
  }
  return r;
}

TEST(Cat, MatchesReferenceOverDtypesDimsAndLayouts) {
  sweep(testing::all_dtypes(), {0, 1, 2, -1, -2}, 400, [](const Sweep& c) {
    std::vector<Tensor> ts;
    uint32_t seed = c.seed;
    Shape out = {2, 3, 4};
    out[c.d] = 0;
    for (int64_t n : {2, 0, 1, 3}) {  // includes an empty piece
      Shape s = {2, 3, 4};
      s[c.d] = n;
      out[c.d] += n;
      const Tensor t = make_input(s, c.dtype, seed++);
      ts.push_back(c.strided ? non_contiguous(t) : t);
    }
    const Tensor y = cat(ts, c.dim);
    EXPECT_EQ(y.dtype(), c.dtype);
    expect_values(y, out, ref_cat(ts, c.d, out), 0);
  });
}

TEST(Cat, PromotesDtypesAndRejectsMismatches) {
  const Tensor a = from_vector<int32_t>({1, 2}), b = from_vector<float>({0.5f}), c = from_vector<bool>({true});
  const Tensor y = cat({a, b, c});
  EXPECT_EQ(y.dtype(), DType::f32);
  expect_values(y, {4}, {1, 2, 0.5, 1}, 0);
  EXPECT_EQ(cat({from_vector<uint8_t>({3}), c}).dtype(), DType::u8);
  EXPECT_EQ(cat({a}).shape(), (Shape{2}));
  expect_error<ShapeError>([] { cat({zeros({2, 3}), zeros({5, 3}), zeros({2, 4})}, 0); },
                           "cat: tensor 2 has shape [2, 4], expected size 3 at dim 1");
  expect_error<ShapeError>([] { cat({zeros({2, 3}), zeros({6})}, 0); }, "cat: tensor 1 has shape [6]");
  EXPECT_THROW(cat({}, 0), ShapeError);
  EXPECT_THROW(cat({scalar_tensor(1), scalar_tensor(2)}), ShapeError);
  EXPECT_THROW(cat({zeros({2}), zeros({2})}, 1), ShapeError);
  EXPECT_THROW(cat({zeros({2}), Tensor()}), Error);
}

TEST(Stack, MatchesCatOfUnsqueezedAndRejectsShapeMismatch) {
  for (DType dtype : {DType::f32, DType::bf16, DType::i64, DType::boolean}) {
    for (int64_t dim : {0, 1, 2, -1, -3}) {
      const Tensor a = make_input({2, 3}, dtype, 1), b = non_contiguous(make_input({2, 3}, dtype, 2));
      const int d = dim < 0 ? static_cast<int>(dim + 3) : static_cast<int>(dim);
      Shape out = {2, 3};
      out.insert(out.begin() + d, 2);
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim));
      expect_values(stack({a, b}, dim), out, ref_cat({a.unsqueeze(d), b.unsqueeze(d)}, d, out), 0);
    }
  }
  expect_values(stack({scalar_tensor(1.0), scalar_tensor(2.0)}), {2}, {1, 2}, 0);
  expect_error<ShapeError>([] { stack({zeros({2, 3}), zeros({2, 3}), zeros({3, 2})}); },
                           "stack: tensor 2 has shape [3, 2], expected [2, 3]");
  EXPECT_THROW(stack({zeros({2})}, 2), ShapeError);
}

TEST(Split, GivesViewsWithASmallerLastPiece) {
  const Tensor x = make_input({10, 4}, DType::f64, 5);
  const std::vector<Tensor> parts = split(x, 3);
  ASSERT_EQ(parts.size(), 4u);
  const int64_t sizes[] = {3, 3, 3, 1};
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i].shape(), (Shape{sizes[i], 4}));
    EXPECT_TRUE(parts[i].shares_buffer(x));
  }
  expect_values(cat(parts), {10, 4}, values(x), 0);
  const std::vector<Tensor> cols = split(non_contiguous(x), 3, -1);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[1].shape(), (Shape{10, 1}));
  expect_values(cat(cols, 1), {10, 4}, values(x), 0);
  EXPECT_EQ(split(x, 25).size(), 1u);
  const std::vector<Tensor> empty_parts = split(zeros({0, 2}), 2);
  ASSERT_EQ(empty_parts.size(), 1u);
  EXPECT_EQ(empty_parts[0].shape(), (Shape{0, 2}));
  expect_error<ShapeError>([&] { split(x, 0); }, "split: split_size must be positive, got 0");
  EXPECT_THROW(split(x, 2, 2), ShapeError);
  EXPECT_THROW(split(scalar_tensor(1), 1), ShapeError);
}

// ---- one_hot ----

TEST(OneHot, MatchesReferenceAndInfersClasses) {
  for (DType dtype : kIndexDtypes) {
    for (bool strided : {false, true}) {
      Tensor idx = make_index({3, 4}, 5, dtype, 9);
      if (strided) idx = non_contiguous(idx);
      const std::vector<double> vi = values(idx);
      for (int64_t classes : {int64_t{-1}, int64_t{7}}) {
        const int64_t c = classes == -1 ? static_cast<int64_t>(*std::max_element(vi.begin(), vi.end())) + 1 : classes;
        std::vector<double> expected;
        for (double v : vi)
          for (int64_t k = 0; k < c; ++k) expected.push_back(k == static_cast<int64_t>(v) ? 1 : 0);
        const Tensor y = one_hot(idx, classes);
        EXPECT_EQ(y.dtype(), DType::i64);
        expect_values(y, {3, 4, c}, expected, 0);
      }
    }
  }
  expect_values(one_hot(scalar_tensor(2, DType::i64), 3), {3}, {0, 0, 1}, 0);
  EXPECT_EQ(one_hot(zeros({0}, DType::i64), 4).shape(), (Shape{0, 4}));
}

TEST(OneHot, RejectsBadValues) {
  expect_error<ShapeError>([] { one_hot(from_vector<int64_t>({0, 3, 1}), 3); },
                           "one_hot: class value 3 is out of range for num_classes 3");
  expect_error<ShapeError>([] { one_hot(from_vector<int64_t>({0, -2})); }, "non-negative, got -2");
  EXPECT_THROW(one_hot(zeros({0}, DType::i64)), ShapeError);
  EXPECT_THROW(one_hot(from_vector<float>({1})), DTypeError);
  EXPECT_THROW(one_hot(from_vector<int64_t>({1}), -3), ShapeError);
  EXPECT_THROW(one_hot(Tensor()), Error);
}

}  // namespace
}  // namespace nimbus
