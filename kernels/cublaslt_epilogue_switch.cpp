// The cuBLASLt GEMM switch and the module's report of what it ran (kernels/cublaslt_epilogue_switch.h).
#include "kernels/cublaslt_epilogue_switch.h"

#include <atomic>
#include <cstdlib>

namespace nimbus {

namespace {

std::atomic<bool>& lt_switch() {
  static std::atomic<bool> enabled{cublaslt_switch_value_is_on(std::getenv("NIMBUS_CUDA_LT_EPILOGUE"))};
  return enabled;
}

std::atomic<int64_t> lt_calls{0}, fallbacks{0};

}  // namespace

bool cublaslt_switch_value_is_on(const char* value) { return value != nullptr && value[0] == '1'; }

bool cublaslt_epilogue_enabled() { return lt_switch().load(std::memory_order_relaxed); }

void set_cublaslt_epilogue(bool enabled) { lt_switch().store(enabled, std::memory_order_relaxed); }

CublasLtGemmCounts cublaslt_gemm_counts() {
  return {lt_calls.load(std::memory_order_relaxed), fallbacks.load(std::memory_order_relaxed)};
}

void count_cublaslt_gemm(bool ran_on_lt) { (ran_on_lt ? lt_calls : fallbacks).fetch_add(1, std::memory_order_relaxed); }

}  // namespace nimbus
