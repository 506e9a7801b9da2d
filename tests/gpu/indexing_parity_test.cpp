// CUDA indexing, scan and NN-misc kernels against the CPU kernels (Note [GPU parity harness] in
// parity_harness.h): index_select, gather, scatter_add, masked_select, cumsum, embedding_backward,
// dropout and BCE with logits. One gtest per op and dtype, e.g.
// IndexingParity/CudaIndexing.MatchesCpu/scatter_add_f16. Skipped without a CUDA device.
//
// Every op here but BCE is compared bit for bit: the CUDA kernels move values unchanged or add them
// in the CPU's order in the CPU's accumulator (scatter_add, embedding_backward and cumsum are
// deterministic by construction, not only close), and dropout draws the CPU's Philox numbers. BCE
// calls exp and log1p, whose last bits differ between libm and CUDA, so it gets the harness's
// tolerance.
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/nn_ops.h"
#include "kernels/ops.h"
#include "gpu/parity_harness.h"

namespace nimbus::gpu_parity {
namespace {

const std::vector<DType> kAll = {DType::f32, DType::f64, DType::f16, DType::bf16,
                                 DType::i32, DType::i64, DType::u8,  DType::boolean};
const std::vector<DType> kFloats = {DType::f32, DType::f64, DType::f16, DType::bf16};
const Tol kExact{};

Dist dist_for(DType dt) {
  if (dt == DType::boolean) return Dist::boolean;
  return is_floating(dt) ? Dist::normal : Dist::small_int;
}

std::string dim_str(int64_t d) { return "dim " + std::to_string(d); }
std::string at(Layout layout, int64_t d) { return std::string(layout_name(layout)) + " " + dim_str(d); }

// Index values in [0, size) with `shape`; drawn on the CPU so both devices get the same ones.
Tensor random_index(int64_t size, const Shape& shape, Generator& gen) {
  return randint(0, std::max<int64_t>(size, 1), shape, {DType::i64}, gen);
}

// ---- index_select / gather ----

OpCase index_select_case() {
  return {"index_select", kAll, [](DType dt) {
            Generator gen(31);
            for (const Shape& shape : shapes())
              for (Layout layout : layouts())
                for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
                  const Input x = make_input(shape, dt, layout, gen, dist_for(dt));
                  // More indices than the dim holds (so they repeat), one index, and none.
                  for (int64_t k : {shape[d] + 3, int64_t{1}, int64_t{0}}) {
                    const Tensor idx = random_index(shape[d], {k}, gen);
                    const std::string what = at(layout, d) + " k " + std::to_string(k);
                    expect_close(index_select(x.on(Device::cpu()), d, idx), index_select(x.on(gpu()), d, idx.to(gpu())),
                                 kExact, describe("index_select", dt, shape, what));
                  }
                }
            // An i32 index (converted on the device) and a 0-d index.
            const Input x = make_input({9, 6}, dt, Layout::transposed, gen, dist_for(dt));
            const Tensor idx32 = random_index(6, {11}, gen).to(DType::i32);
            expect_close(index_select(x.on(Device::cpu()), 1, idx32), index_select(x.on(gpu()), 1, idx32.to(gpu())),
                         kExact, "index_select i32 index");
            const Tensor idx0 = scalar_tensor(int64_t{4}, {DType::i64});
            expect_close(index_select(x.on(Device::cpu()), 0, idx0), index_select(x.on(gpu()), 0, idx0.to(gpu())),
                         kExact, "index_select 0-d index");
          }};
}

OpCase gather_case() {
  return {"gather", kAll, [](DType dt) {
            Generator gen(32);
            for (const Shape& shape : shapes())
              for (Layout layout : layouts())
                for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
                  const Input x = make_input(shape, dt, layout, gen, dist_for(dt));
                  // The index may be smaller than x on the other dims and longer along d.
                  Shape is = shape;
                  for (size_t k = 0; k < is.size(); ++k) is[k] = std::max<int64_t>(1, is[k] - 1);
                  is[static_cast<size_t>(d)] = shape[static_cast<size_t>(d)] + 2;
                  const Tensor idx = random_index(shape[static_cast<size_t>(d)], is, gen);
                  const std::string what = at(layout, d) + " index " + shape_str(is);
                  expect_close(gather(x.on(Device::cpu()), d, idx), gather(x.on(gpu()), d, idx.to(gpu())), kExact,
                               describe("gather", dt, shape, what));
                }
          }};
}

// ---- scatter_add ----

OpCase scatter_add_case() {
  return {"scatter_add", kAll, [](DType dt) {
            Generator gen(33);
            for (const Shape& shape : shapes())
              for (Layout layout : layouts())
                for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
                  const size_t du = static_cast<size_t>(d);
                  const Input x = make_input(shape, dt, layout, gen, dist_for(dt));
                  // Many more entries than targets along d: every target is hit several times, so
                  // the order of the additions shows in the rounding.
                  Shape is = shape;
                  for (size_t k = 0; k < is.size(); ++k) is[k] = std::max<int64_t>(1, is[k] - 1);
                  is[du] = 2 * shape[du] + 1;
                  const Tensor idx = random_index(shape[du], is, gen);
                  // src larger than the index on every dim (the op uses its leading part), in
                  // another layout than x.
                  Shape ss = is;
                  for (int64_t& s : ss) s += 1;
                  const Layout src_layout = layout == Layout::contiguous ? Layout::strided : Layout::transposed;
                  const Input src = make_input(ss, dt, src_layout, gen, dist_for(dt));
                  const std::string what = at(layout, d) + " index " + shape_str(is);
                  expect_close(scatter_add(x.on(Device::cpu()), d, idx, src.on(Device::cpu())),
                               scatter_add(x.on(gpu()), d, idx.to(gpu()), src.on(gpu())), kExact,
                               describe("scatter_add", dt, shape, what));
                }
            // One long fibre: a 1-d scatter of 100000 values into 1000 targets.
            const Input x = make_input({1000}, dt, Layout::contiguous, gen, dist_for(dt));
            const Tensor idx = random_index(1000, {100000}, gen);
            const Input src = make_input({100000}, dt, Layout::strided, gen, dist_for(dt));
            expect_close(scatter_add(x.on(Device::cpu()), 0, idx, src.on(Device::cpu())),
                         scatter_add(x.on(gpu()), 0, idx.to(gpu()), src.on(gpu())), kExact, "scatter_add 1-d long");
          }};
}

// ---- masked_select ----

OpCase masked_select_case() {
  return {"masked_select", kAll, [](DType dt) {
            Generator gen(34);
            std::vector<Shape> all = shapes();
            all.push_back({1000, 600});  // more tiles than the scan block has threads
            for (const Shape& shape : all)
              for (Layout layout : layouts()) {
                const Input x = make_input(shape, dt, layout, gen, dist_for(dt));
                // The mask in a different layout from x, and a mask over the last dim broadcast.
                const Layout mask_layout = layout == Layout::contiguous ? Layout::transposed : Layout::contiguous;
                const Input m = make_input(shape, DType::boolean, mask_layout, gen, Dist::boolean);
                const Input row = make_input({shape.back()}, DType::boolean, Layout::contiguous, gen, Dist::boolean);
                const std::string what = describe("masked_select", dt, shape, layout_name(layout));
                expect_close(masked_select(x.on(Device::cpu()), m.on(Device::cpu())),
                             masked_select(x.on(gpu()), m.on(gpu())), kExact, what);
                expect_close(masked_select(x.on(Device::cpu()), row.on(Device::cpu())),
                             masked_select(x.on(gpu()), row.on(gpu())), kExact, what + " row mask");
              }
            // Nothing selected, everything selected, and an empty input.
            const Input x = make_input({37, 29}, dt, Layout::strided, gen, dist_for(dt));
            for (bool value : {false, true}) {
              const Tensor m = full({37, 29}, Scalar(value), {DType::boolean});
              expect_close(masked_select(x.on(Device::cpu()), m), masked_select(x.on(gpu()), m.to(gpu())), kExact,
                           std::string("masked_select all ") + (value ? "true" : "false"));
            }
            const Tensor e = zeros({0, 5}, {dt});
            const Tensor em = zeros({0, 5}, {DType::boolean});
            expect_close(masked_select(e, em), masked_select(e.to(gpu()), em.to(gpu())), kExact, "masked_select empty");
          }};
}

// ---- cumsum ----

OpCase cumsum_case() {
  return {"cumsum", kAll, [](DType dt) {
            Generator gen(35);
            std::vector<Shape> all = shapes();
            // Lines longer than one piece (32768), so carries between pieces take part.
            all.push_back({3, 70001});
            all.push_back({70001, 3});
            all.push_back({100003});
            for (const Shape& shape : all)
              for (Layout layout : layouts())
                for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
                  const Input x = make_input(shape, dt, layout, gen, dist_for(dt));
                  expect_close(cumsum(x.on(Device::cpu()), d), cumsum(x.on(gpu()), d), kExact,
                               describe("cumsum", dt, shape, at(layout, d)));
                }
            const Tensor s = scalar_tensor(3, {dt});
            expect_close(cumsum(s, 0), cumsum(s.to(gpu()), 0), kExact, "cumsum 0-d");
            const Tensor e = zeros({4, 0, 3}, {dt});
            expect_close(cumsum(e, 1), cumsum(e.to(gpu()), 1), kExact, "cumsum empty");
          }};
}

// ---- embedding_backward ----

OpCase embedding_backward_case() {
  return {"embedding_backward", kFloats, [](DType dt) {
            Generator gen(36);
            struct Case {
              int64_t num_weights;
              Shape indices;
              int64_t dim;
              int64_t padding_idx;
            };
            const std::vector<Case> cases = {
                {1, {1}, 1, -1},
                {7, {5000}, 33, -1},  // heavy repeats: ~700 positions per weight row
                {10, {4, 13}, 17, 3},
                {1000, {37}, 64, 0},  // most weight rows untouched
                {3, {0}, 5, -1},      // no indices: zeros
                {50000, {3000}, 3, -1},
                {129, {8, 257}, 5, 128},
                {1, {300}, 7, 0},  // everything in the padding row
            };
            for (const Case& c : cases)
              for (Layout layout : {Layout::contiguous, Layout::strided}) {
                const Tensor idx = random_index(c.num_weights, c.indices, gen);
                Shape gs = c.indices;
                gs.push_back(c.dim);
                const Input g = make_input(gs, dt, layout, gen, Dist::normal);
                expect_close(embedding_backward(g.on(Device::cpu()), idx, c.num_weights, c.padding_idx),
                             embedding_backward(g.on(gpu()), idx.to(gpu()), c.num_weights, c.padding_idx), kExact,
                             describe("embedding_backward", dt, gs,
                                      std::string(layout_name(layout)) + " weights " + std::to_string(c.num_weights) +
                                          " padding " + std::to_string(c.padding_idx)));
              }
            // i32 indices (converted on the device).
            const Tensor idx32 = random_index(11, {6, 7}, gen).to(DType::i32);
            const Tensor g = random_tensor({6, 7, 9}, dt, Dist::normal, gen);
            expect_close(embedding_backward(g, idx32, 11), embedding_backward(g.to(gpu()), idx32.to(gpu()), 11), kExact,
                         "embedding_backward i32 indices");
          }};
}

// ---- dropout ----

OpCase dropout_case() {
  return {"dropout", kFloats, [](DType dt) {
            Generator data(37);
            // A seed with both 32-bit halves set: both Philox key words matter.
            const uint64_t seed = 0x9E3779B97F4A7C15ull;
            for (const Shape& shape : std::vector<Shape>{{1}, {3}, {5}, {7}, {33, 65}, {4, 1, 131}, {1001}, {257, 263}})
              for (double p : {0.0, 0.25, 0.5, 0.9, 1.0}) {
                const Layout layout = shape.size() > 1 ? Layout::transposed : Layout::strided;
                const Input x = make_input(shape, dt, layout, data, Dist::normal);
                Generator gc(seed), gg(seed);
                // Three calls: the call counter is part of the stream.
                for (int call = 0; call < 3; ++call) {
                  const DropoutResult rc = dropout(x.on(Device::cpu()), p, gc);
                  const DropoutResult rg = dropout(x.on(gpu()), p, gg);
                  const std::string what =
                      describe("dropout", dt, shape, "p " + std::to_string(p) + " call " + std::to_string(call));
                  expect_close(rc.mask, rg.mask, kExact, what + " mask");
                  expect_close(rc.output, rg.output, kExact, what + " output");
                }
              }
          }};
}

// ---- BCE with logits ----

// At the kernel entries (any dtype, broadcast strides), then through the public ops for f32/f64.
OpCase bce_case(bool backward) {
  const std::string name = backward ? "bce_with_logits_backward" : "bce_with_logits";
  return {name, kFloats, [=](DType dt) {
            Generator gen(38);
            for (const Shape& shape : shapes())
              for (Layout layout : layouts()) {
                const Input x = make_input(shape, dt, layout, gen, Dist::normal);
                const Input y = make_input(shape, dt, Layout::strided, gen, Dist::boolean);
                const Input pw = make_input({shape.back()}, dt, Layout::contiguous, gen, Dist::positive);
                const Input g = make_input(shape, dt, Layout::broadcast, gen, Dist::normal);
                auto run = [&](Device d) {
                  const KernelTable& k = kernels_for(d);
                  const Tensor out = empty(shape, {dt, d});
                  const Tensor pwd = pw.on(d).expand(shape);
                  if (backward) k.bce_with_logits_backward(out, g.on(d), x.on(d), y.on(d), pwd);
                  else k.bce_with_logits(out, x.on(d), y.on(d), pwd);
                  return out;
                };
                expect_close(run(Device::cpu()), run(gpu()), tolerance(dt).scaled(4),
                             describe(name, dt, shape, layout_name(layout)));
              }
            if (dt != DType::f32 && dt != DType::f64) return;
            const Tensor x = mul(random_tensor({9, 13}, dt, Dist::normal, gen), 4.0);
            const Tensor y = rand({9, 13}, {dt}, gen);
            const Tensor pw = random_tensor({13}, dt, Dist::positive, gen);
            const Tensor go = random_tensor({9, 13}, dt, Dist::normal, gen);
            for (bool weighted : {false, true}) {
              const Tensor pc = weighted ? pw : Tensor(), pg = weighted ? pw.to(gpu()) : Tensor();
              const std::string what = name + " public" + (weighted ? " pos_weight" : "");
              if (backward)
                expect_close(binary_cross_entropy_with_logits_backward(go, x, y, Reduction::none, pc),
                             binary_cross_entropy_with_logits_backward(go.to(gpu()), x.to(gpu()), y.to(gpu()),
                                                                       Reduction::none, pg),
                             tolerance(dt).scaled(4), what);
              else
                expect_close(binary_cross_entropy_with_logits(x, y, Reduction::none, pc),
                             binary_cross_entropy_with_logits(x.to(gpu()), y.to(gpu()), Reduction::none, pg),
                             tolerance(dt).scaled(4), what);
            }
          }};
}

// ---- the registry ----

const std::vector<OpCase>& all_cases() {
  static const std::vector<OpCase> cases = {index_select_case(), gather_case(),   scatter_add_case(),
                                             masked_select_case(), cumsum_case(),   embedding_backward_case(),
                                             dropout_case(),       bce_case(false), bce_case(true)};
  return cases;
}

NIMBUS_PARITY_SUITE(IndexingParity, CudaIndexing, all_cases());

// ---- beyond parity ----

// The accumulating kernels give the same bits on every run (no atomics, fixed orders), with many
// colliding indices and more elements than one grid covers in a single pass.
TEST(CudaIndexingKernels, AccumulationIsDeterministic) {
  NIMBUS_REQUIRE_GPU();
  Generator gen(39);
  const Tensor x = zeros({64, 300}, {DType::f32, gpu()});
  const Tensor idx = random_index(64, {4096, 300}, gen).to(gpu());
  const Tensor src = randn({4096, 300}, {DType::f32}, gen).to(gpu());
  const std::vector<float> first = scatter_add(x, 0, idx, src).to_vector<float>();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(scatter_add(x, 0, idx, src).to_vector<float>(), first);

  const Tensor ids = random_index(50, {20000}, gen).to(gpu());
  const Tensor g = randn({20000, 48}, {DType::f32}, gen).to(gpu());
  const std::vector<float> e_first = embedding_backward(g, ids, 50).to_vector<float>();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(embedding_backward(g, ids, 50).to_vector<float>(), e_first);
}

// masked_select waits for its count on the current stream: a side stream gives the right result.
TEST(CudaIndexingKernels, MaskedSelectOnASideStream) {
  NIMBUS_REQUIRE_GPU();
  const Tensor x = arange(0, 10000, 1, {DType::f32}).to(gpu());
  const Stream s = new_stream(gpu());
  Tensor y;
  {
    StreamGuard guard(s);
    y = masked_select(x, ge(x, scalar_tensor(9000.0, {DType::f32, gpu()})));
  }
  s.synchronize();
  const std::vector<float> v = y.to_vector<float>();
  ASSERT_EQ(v.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(v[static_cast<size_t>(i)], float(9000 + i));
}

}  // namespace
}  // namespace nimbus::gpu_parity
