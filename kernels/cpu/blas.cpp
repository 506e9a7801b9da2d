// Note [BLAS loading]
// OpenBLAS picks its kernels ("core") for the CPU while it initialises. The Debian build (0.3.21)
// can take an AMD AVX-512 CPU for an AVX2 one and run its "Haswell" kernels, which halves f32
// GEMM there (measured at 1024^3 on 2 cores: 245 vs 470 GFLOP/s). Its
// AVX-512 "SkylakeX" kernels run correctly on those CPUs and newer OpenBLAS releases choose them.
// OpenBLAS reads OPENBLAS_CORETYPE only when it is loaded, so instead of linking it we load it
// with dlopen on the first GEMM: if the CPU is such a CPU and the user has not chosen a core, we
// set OPENBLAS_CORETYPE=SkylakeX just before. This is the run-time AVX-512 dispatch that pays
// most; it also keeps OpenBLAS out of programs that never multiply matrices. The library found at
// build time is tried first (the OpenMP build, so BLAS and our loops share one thread pool), then
// the soname. If the process already holds an OpenBLAS, dlopen returns that one as it is.
#include "kernels/cpu/blas.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "runtime/error.h"

namespace nimbus::cpu {

namespace {

bool amd_cpu_with_avx512() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_is("amd") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

template <typename Fn>
Fn symbol(void* handle, const char* name) {
  void* p = dlsym(handle, name);
  NIMBUS_CHECK(p != nullptr, "BLAS: the loaded OpenBLAS has no symbol ", name);
  return reinterpret_cast<Fn>(p);
}

Blas load() {
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr && amd_cpu_with_avx512()) setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
  void* handle = dlopen(NIMBUS_OPENBLAS_PATH, RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    NIMBUS_THROW(Error, "BLAS: cannot load OpenBLAS (", why ? why : "unknown error",
                 "); install libopenblas-openmp-dev (make deps)");
  }
  Blas b;
  b.sgemm = symbol<decltype(b.sgemm)>(handle, "cblas_sgemm");
  b.dgemm = symbol<decltype(b.dgemm)>(handle, "cblas_dgemm");
  b.sgemv = symbol<decltype(b.sgemv)>(handle, "cblas_sgemv");
  b.dgemv = symbol<decltype(b.dgemv)>(handle, "cblas_dgemv");
  const auto config = symbol<char* (*)()>(handle, "openblas_get_config");
  const auto corename = symbol<char* (*)()>(handle, "openblas_get_corename");
  const auto parallel = symbol<int (*)()>(handle, "openblas_get_parallel");
  b.core = corename();
  const int mode = parallel();
  b.description = std::string(config()) + " core=" + b.core +
                  (mode == 2 ? " (OpenMP)" : mode == 1 ? " (pthreads)" : " (serial)");
  return b;
}

}  // namespace

const Blas& blas() {
  static std::once_flag once;
  static Blas library;
  std::call_once(once, [] { library = load(); });
  return library;
}

}  // namespace nimbus::cpu
