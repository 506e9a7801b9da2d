// The column-major layouts a row-major batched GEMM hands to cuBLASLt, and the alignments it
// declares (kernels/cuda/cublaslt_layout.h): plain C++, so checked on every machine. The layouts
// are checked by meaning: a small column-major GEMM that reads the operands exactly as cuBLASLt
// would (stored rows x cols with ld, then its transpose flag) must give out = a @ w.
#include "kernels/cuda/cublaslt_layout.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace nimbus::cuda {
namespace {

// Element (i, j) of op(X) for the column-major matrix X that `m` describes.
double lt_element(const std::vector<double>& data, const LtMatrix& m, int64_t batch, uint64_t i, uint64_t j) {
  const uint64_t row = m.transposed ? j : i, col = m.transposed ? i : j;
  EXPECT_LT(row, m.rows);
  EXPECT_LT(col, m.cols);
  const int64_t offset = batch * m.batch_stride + static_cast<int64_t>(row) + static_cast<int64_t>(col) * m.ld;
  return data[static_cast<size_t>(offset)];
}

// Row-major [rows, cols] with layout l, batch entries `stride` apart: element (r, c) of batch b.
size_t row_major_index(const MatrixLayout& l, int64_t stride, int64_t b, int64_t r, int64_t c) {
  return static_cast<size_t>(b * stride + (l.transposed ? c * l.ld + r : r * l.ld + c));
}

struct Case {
  int64_t batches, m, n, k;
  bool a_transposed, w_transposed;
  int64_t pad;  // extra leading dimension beyond the dense one
};

void check_case(const Case& c) {
  const MatrixLayout la{c.a_transposed, (c.a_transposed ? c.m : c.k) + c.pad};
  const MatrixLayout lw{c.w_transposed, (c.w_transposed ? c.k : c.n) + c.pad};
  // Batch entries a few elements apart beyond their extent, so a mixed-up stride shows.
  const int64_t a_stride = la.ld * (c.a_transposed ? c.k : c.m) + 3;
  const int64_t w_stride = lw.ld * (c.w_transposed ? c.n : c.k) + 5;
  std::vector<double> a(static_cast<size_t>(a_stride * c.batches)), w(static_cast<size_t>(w_stride * c.batches));
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<double>((i * 7) % 11) - 5;
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<double>((i * 5) % 13) - 6;

  const std::optional<LtGemmShape> s = lt_gemm_shape(c.batches, c.m, c.n, c.k, la, a_stride, lw, w_stride);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->batches, c.batches);
  // D is our dense row-major out: [n, m] column-major with ld n.
  EXPECT_EQ(s->d.rows, static_cast<uint64_t>(c.n));
  EXPECT_EQ(s->d.cols, static_cast<uint64_t>(c.m));
  EXPECT_EQ(s->d.ld, c.n);
  EXPECT_EQ(s->d.batch_stride, c.m * c.n);
  // Every stored matrix fits its leading dimension, as cuBLASLt requires.
  EXPECT_GE(s->a.ld, static_cast<int64_t>(s->a.rows));
  EXPECT_GE(s->b.ld, static_cast<int64_t>(s->b.rows));

  for (int64_t b = 0; b < c.batches; ++b)
    for (int64_t r = 0; r < c.m; ++r)
      for (int64_t col = 0; col < c.n; ++col) {
        double expected = 0, lt = 0;
        for (int64_t p = 0; p < c.k; ++p) {
          expected += a[row_major_index(la, a_stride, b, r, p)] * w[row_major_index(lw, w_stride, b, p, col)];
          // D(i, j) = sum_p op(A)(i, p) op(B)(p, j), with i = col and j = r.
          lt += lt_element(w, s->a, b, static_cast<uint64_t>(col), static_cast<uint64_t>(p)) *
                lt_element(a, s->b, b, static_cast<uint64_t>(p), static_cast<uint64_t>(r));
        }
        ASSERT_EQ(lt, expected) << "batch " << b << " row " << r << " col " << col;
      }
}

TEST(CublasLtLayout, ColumnMajorViewComputesTheRowMajorProduct) {
  for (int64_t batches : {1, 3})
    for (bool at : {false, true})
      for (bool wt : {false, true})
        for (int64_t pad : {0, 2}) {
          SCOPED_TRACE(testing::Message() << "batches " << batches << " a " << (at ? "T" : "N") << " w "
                                          << (wt ? "T" : "N") << " pad " << pad);
          check_case({batches, 1, 1, 1, at, wt, pad});
          check_case({batches, 7, 5, 3, at, wt, pad});
          check_case({batches, 1, 33, 7, at, wt, pad});
          check_case({batches, 9, 1, 17, at, wt, pad});
        }
}

TEST(CublasLtLayout, DeclinesWhatItCannotDescribe) {
  const MatrixLayout dense_a{false, 4}, dense_w{false, 5};
  EXPECT_TRUE(lt_gemm_shape(1, 3, 5, 4, dense_a, 0, dense_w, 0).has_value());  // one batch: strides unused
  EXPECT_FALSE(lt_gemm_shape(2, 3, 5, 4, dense_a, 12, dense_w, 0).has_value());  // w broadcast over batches
  EXPECT_FALSE(lt_gemm_shape(2, 3, 5, 4, dense_a, 0, dense_w, 20).has_value());  // a broadcast over batches
  EXPECT_FALSE(lt_gemm_shape(int64_t(INT32_MAX) + 1, 3, 5, 4, dense_a, 12, dense_w, 20).has_value());
  EXPECT_FALSE(lt_gemm_shape(1, 0, 5, 4, dense_a, 0, dense_w, 0).has_value());
  EXPECT_FALSE(lt_gemm_shape(1, 3, 5, 0, dense_a, 0, dense_w, 0).has_value());
}

TEST(CublasLtLayout, AlignmentIsTheLargestPowerOfTwoUpTo256) {
  EXPECT_EQ(lt_alignment_bytes(0x10000, 0, 1), 256u);
  EXPECT_EQ(lt_alignment_bytes(0x10080, 0, 1), 128u);
  EXPECT_EQ(lt_alignment_bytes(0x10004, 0, 1), 4u);
  EXPECT_EQ(lt_alignment_bytes(0x10002, 0, 1), 2u);
  // Over several batches every entry's start counts: a 6-byte stride leaves only 2.
  EXPECT_EQ(lt_alignment_bytes(0x10000, 6, 3), 2u);
  EXPECT_EQ(lt_alignment_bytes(0x10000, 4096, 3), 256u);
  EXPECT_EQ(lt_alignment_bytes(0x10000, -48, 3), 16u);
  // One batch: the stride never applies.
  EXPECT_EQ(lt_alignment_bytes(0x10000, 6, 1), 256u);
}

}  // namespace
}  // namespace nimbus::cuda
