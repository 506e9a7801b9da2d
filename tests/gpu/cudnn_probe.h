#pragma once
// What the cuDNN parity tests share: whether cuDNN runs here at all, probed with the easiest call
// of the path under test, so that a host without cuDNN skips with the reason while a cuDNN that
// loads but declines even that call fails.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "gpu/parity_harness.h"
#include "kernels/cudnn_availability.h"
#include "kernels/kernel_switch.h"

namespace nimbus::gpu_parity {

// Runs `probe` with the cuDNN switch on. True when it reached cuDNN; otherwise false, with
// `why_not` the module's reason (empty when cuDNN is loaded and declined the call).
inline bool cudnn_probe_ran(const std::function<void()>& probe, std::string& why_not) {
  const ScopedKernelSwitch on_switch(cudnn_switch(), true);
  const int64_t before = cudnn_switch().counts().ran;
  probe();
  if (cudnn_switch().counts().ran > before) return true;
  why_not = cudnn_unavailable_reason();
  return false;
}

}  // namespace nimbus::gpu_parity

// In a test body: skips without a GPU or cuDNN (with the reason), fails when cuDNN is loaded but
// declines `probe`, the easiest call of the path under test, described by `what`.
#define NIMBUS_REQUIRE_CUDNN_FOR(what, probe)                                                       \
  NIMBUS_REQUIRE_GPU();                                                                             \
  {                                                                                                 \
    std::string why_not;                                                                            \
    if (!::nimbus::gpu_parity::cudnn_probe_ran(probe, why_not)) {                                   \
      if (!why_not.empty()) GTEST_SKIP() << "cuDNN " << (what) << " unavailable: " << why_not;      \
      FAIL() << "cuDNN is loaded but declined a plain f32 " << (what);                              \
    }                                                                                               \
  }
