// The cuBLASLt GEMM switch (kernels/cublaslt_epilogue_switch.h): how its environment value reads,
// its default, the setter, and the counts the CUDA module reports through it.
#include "kernels/cublaslt_epilogue_switch.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace nimbus {
namespace {

TEST(CublasLtEpilogueSwitch, OnlyOneTurnsItOn) {
  EXPECT_TRUE(cublaslt_switch_value_is_on("1"));
  EXPECT_FALSE(cublaslt_switch_value_is_on(nullptr));
  EXPECT_FALSE(cublaslt_switch_value_is_on(""));
  EXPECT_FALSE(cublaslt_switch_value_is_on("0"));
  EXPECT_FALSE(cublaslt_switch_value_is_on("true"));
  EXPECT_FALSE(cublaslt_switch_value_is_on("on"));
}

TEST(CublasLtEpilogueSwitch, OffByDefaultAndSettable) {
  const char* env = std::getenv("NIMBUS_CUDA_LT_EPILOGUE");
  const bool was = cublaslt_epilogue_enabled();
  // Read once, at first use: on only when the variable is 1.
  EXPECT_EQ(was, cublaslt_switch_value_is_on(env));
  set_cublaslt_epilogue(true);
  EXPECT_TRUE(cublaslt_epilogue_enabled());
  set_cublaslt_epilogue(false);
  EXPECT_FALSE(cublaslt_epilogue_enabled());
  set_cublaslt_epilogue(was);
}

TEST(CublasLtEpilogueSwitch, CountsAreReported) {
  const CublasLtGemmCounts before = cublaslt_gemm_counts();
  count_cublaslt_gemm(true);
  count_cublaslt_gemm(true);
  count_cublaslt_gemm(false);
  const CublasLtGemmCounts after = cublaslt_gemm_counts();
  EXPECT_EQ(after.lt_calls - before.lt_calls, 2);
  EXPECT_EQ(after.fallbacks - before.fallbacks, 1);
}

}  // namespace
}  // namespace nimbus
