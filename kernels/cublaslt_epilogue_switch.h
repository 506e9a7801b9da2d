#pragma once
// The switch of the cuBLASLt GEMM path on CUDA (Note [cuBLASLt epilogues] in
// kernels/cuda/cublaslt_gemm.cu): off unless NIMBUS_CUDA_LT_EPILOGUE=1 is in the environment at
// first use, or a test turns it on. It lives here, in nimbus_kernels, rather than in the CUDA
// module, so that tests (which link this library and reach the module only through the backend
// registry) can read and flip it, and so that the module can report whether cuBLASLt ran.
#include <cstdint>

#include "runtime/macros.h"

namespace nimbus {

// The reading of the switch's environment value: on only for a value starting with '1', as for
// the other switches of unverified kernels (unset, "", "0", "true" are off).
NIMBUS_API bool cublaslt_switch_value_is_on(const char* value);

NIMBUS_API bool cublaslt_epilogue_enabled();
NIMBUS_API void set_cublaslt_epilogue(bool enabled);

// What the CUDA module did with the GEMMs it was asked to run while the switch was on: calls that
// cuBLASLt ran, and calls that went to the cuBLAS path because the dtype or layout is not one the
// Lt path takes or cuBLASLt offered no algorithm. Lets a parity test tell "cuBLASLt matched the
// CPU" from "the fallback matched the CPU".
struct CublasLtGemmCounts {
  int64_t lt_calls = 0, fallbacks = 0;
};
NIMBUS_API CublasLtGemmCounts cublaslt_gemm_counts();
NIMBUS_API void count_cublaslt_gemm(bool ran_on_lt);

}  // namespace nimbus
