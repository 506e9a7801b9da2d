#include "kernels/library_info.h"

#include "kernels/cpu/blas.h"
#include "runtime/parallel.h"

namespace nimbus {

std::string blas_description() { return cpu::blas().description; }

std::string blas_hint() {
  const std::string& core = cpu::blas().core;
  const bool avx512_core = core == "SkylakeX" || core == "Cooperlake" || core == "SapphireRapids";
  if (cpu_simd_level() != "avx512" || avx512_core) return "";
  return "OpenBLAS runs its " + core + " kernels on an AVX-512 CPU; set OPENBLAS_CORETYPE=SkylakeX (or leave it unset) before start for "
         "about twice the f32 GEMM throughput";
}

int cpu_threads() { return max_threads(); }

std::string cpu_simd_level() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) return "avx512";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
  return "sse";
#else
  return "generic";
#endif
}

std::string version() { return NIMBUS_VERSION; }

}  // namespace nimbus
