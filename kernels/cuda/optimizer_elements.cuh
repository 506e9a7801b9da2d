#pragma once
// One element of the CUDA optimizer steps, shared by the per-tensor kernels (optimizer.cu) and the
// multi-tensor kernels (optimizer_multi_tensor.cu) so that both compile the same code around the
// single-source functors: the same loads, conversions and stores, hence the same bits (Note
// [Multi-tensor optimizer steps] in kernels/multi_tensor_chunks.h). 16-bit values are loaded to
// the compute type, updated, and rounded once on store, as on the CPU.
#include "kernels/functors/optimizer.h"
#include "runtime/convert.h"

namespace nimbus::cuda {

// buf is null without momentum: the update ignores it then.
template <typename T, typename C>
__device__ __forceinline__ void sgd_element(T* p, const T* g, T* buf, int64_t i,
                                            const functors::SgdCoefficients<C>& k) {
  C pv = convert<C>(p[i]), bv = buf ? convert<C>(buf[i]) : C(0);
  functors::sgd_update<C>(pv, convert<C>(g[i]), bv, k);
  p[i] = convert<T>(pv);
  if (buf) buf[i] = convert<T>(bv);
}

template <typename T, typename C>
__device__ __forceinline__ void adam_element(T* p, const T* g, T* m, T* v, int64_t i,
                                             const functors::AdamCoefficients<C>& k) {
  C pv = convert<C>(p[i]), mv = convert<C>(m[i]), vv = convert<C>(v[i]);
  functors::adam_update<C>(pv, convert<C>(g[i]), mv, vv, k);
  p[i] = convert<T>(pv);
  m[i] = convert<T>(mv);
  v[i] = convert<T>(vv);
}

}  // namespace nimbus::cuda
