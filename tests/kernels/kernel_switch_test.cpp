// Note [Switches of unverified kernels] in kernels/kernel_switch.h: how a variable reads, the
// default of each switch, setting one for a scope, and the counts.
#include "kernels/kernel_switch.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "kernels/cudnn_availability.h"

namespace nimbus {
namespace {

TEST(KernelSwitch, OnlyAValueStartingWithOneTurnsItOn) {
  EXPECT_TRUE(KernelSwitch::value_is_on("1"));
  EXPECT_FALSE(KernelSwitch::value_is_on(nullptr));
  EXPECT_FALSE(KernelSwitch::value_is_on(""));
  EXPECT_FALSE(KernelSwitch::value_is_on("0"));
  EXPECT_FALSE(KernelSwitch::value_is_on("true"));
  EXPECT_FALSE(KernelSwitch::value_is_on("yes"));
}

TEST(KernelSwitch, EachSwitchReadsItsVariableAndCanBeSetForAScope) {
  for (KernelSwitch* s : {&multi_tensor_optimizer_switch(), &cudnn_switch(), &cublaslt_gemm_switch()}) {
    SCOPED_TRACE(s->variable());
    const bool was = s->enabled();
    EXPECT_EQ(was, KernelSwitch::value_is_on(std::getenv(s->variable())));  // off unless the variable says 1
    {
      const ScopedKernelSwitch on(*s, true);
      EXPECT_TRUE(s->enabled());
      {
        const ScopedKernelSwitch off(*s, false);
        EXPECT_FALSE(s->enabled());
      }
      EXPECT_TRUE(s->enabled());
    }
    EXPECT_EQ(s->enabled(), was);
  }
  EXPECT_NE(&cudnn_switch(), &cublaslt_gemm_switch());
}

TEST(KernelSwitch, CountsWhatRanAndWhatFellBack) {
  KernelSwitch local("NIMBUS_TEST_SWITCH_THAT_IS_NEVER_SET");
  EXPECT_FALSE(local.enabled());
  local.count(true);
  local.count(false);
  local.count(false);
  EXPECT_EQ(local.counts().ran, 1);
  EXPECT_EQ(local.counts().fell_back, 2);
}

TEST(CudnnAvailability, TheReasonIsKept) {
  const std::string was = cudnn_unavailable_reason();
  set_cudnn_unavailable_reason("cannot load cuDNN (no such file)");
  EXPECT_EQ(cudnn_unavailable_reason(), "cannot load cuDNN (no such file)");
  set_cudnn_unavailable_reason(was);
}

}  // namespace
}  // namespace nimbus
