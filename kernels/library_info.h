#pragma once
// What the kernels library was built with and runs on, for `nimbus info` and benchmark reports.
#include <string>

#include "runtime/macros.h"

namespace nimbus {

NIMBUS_API std::string blas_description();  // e.g. "OpenBLAS 0.3.21 (OpenMP) Haswell"
// Advice when the BLAS runs narrower kernels than the CPU offers, else "" (Note [BLAS loading]).
NIMBUS_API std::string blas_hint();
NIMBUS_API int cpu_threads();               // OpenMP threads our loops and BLAS use
NIMBUS_API std::string cpu_simd_level();    // widest vector ISA this CPU offers: avx512, avx2, ...
NIMBUS_API std::string version();

}  // namespace nimbus
