#include "kernels/library_info.h"

#include <cblas.h>

#include "runtime/parallel.h"

// OpenBLAS reports its build through this (not in cblas.h on every distribution).
extern "C" char* openblas_get_config();
extern "C" char* openblas_get_corename();
extern "C" int openblas_get_parallel();

namespace nimbus {

std::string blas_description() {
  std::string description = openblas_get_config();
  description += " core=";
  description += openblas_get_corename();
  description += openblas_get_parallel() == 2 ? " (OpenMP)" : openblas_get_parallel() == 1 ? " (pthreads)" : " (serial)";
  return description;
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
