#pragma once
// Note [Switches of unverified kernels]
// A kernel path that has not yet passed its parity test on a real GPU is off by default, and one
// environment variable turns it on (docs/GPU.md lists them with their tests). Each such path has a
// KernelSwitch: the variable is read once, at first use, and counts as on only for a value
// starting with '1' (unset, "", "0", "true" are off); tests flip it with set(). It also counts the
// calls the path ran and those it left to its fallback, so a parity test can tell "the new path
// matched the CPU" from "the fallback matched the CPU". The switches live in nimbus_kernels rather
// than in the CUDA module, so tests (which reach the module only through the backend registry)
// can read and flip them and the module can report into them.
#include <atomic>
#include <cstdint>

#include "runtime/macros.h"

namespace nimbus {

class NIMBUS_API KernelSwitch {
 public:
  // Reads `environment_variable` now; the accessors below make each switch at first use.
  explicit KernelSwitch(const char* environment_variable);
  KernelSwitch(const KernelSwitch&) = delete;
  KernelSwitch& operator=(const KernelSwitch&) = delete;

  static bool value_is_on(const char* value);

  const char* variable() const { return variable_; }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  void set(bool on) { enabled_.store(on, std::memory_order_relaxed); }

  struct Counts {
    int64_t ran = 0, fell_back = 0;
  };
  // A call the path ran (true) or left to its fallback (false), while the switch was on.
  void count(bool ran) { (ran ? ran_ : fell_back_).fetch_add(1, std::memory_order_relaxed); }
  Counts counts() const { return {ran_.load(std::memory_order_relaxed), fell_back_.load(std::memory_order_relaxed)}; }

 private:
  const char* variable_;
  std::atomic<bool> enabled_;
  std::atomic<int64_t> ran_{0}, fell_back_{0};
};

// Sets a switch for a scope and puts its value back at the end (tests).
class ScopedKernelSwitch {
 public:
  ScopedKernelSwitch(KernelSwitch& kernel_switch, bool on) : switch_(kernel_switch), was_(kernel_switch.enabled()) {
    switch_.set(on);
  }
  ~ScopedKernelSwitch() { switch_.set(was_); }
  ScopedKernelSwitch(const ScopedKernelSwitch&) = delete;
  ScopedKernelSwitch& operator=(const ScopedKernelSwitch&) = delete;

 private:
  KernelSwitch& switch_;
  bool was_;
};

// NIMBUS_CUDA_MULTI_TENSOR_OPTIMIZER: SGD/Adam/AdamW over many parameters per launch (Note
// [Multi-tensor optimizer steps] in multi_tensor_chunks.h).
NIMBUS_API KernelSwitch& multi_tensor_optimizer_switch();
// NIMBUS_CUDA_CUDNN: the cuDNN paths, loaded at first use: conv2d (Note [cuDNN convolution] in
// cuda/cudnn_conv.cu), avg_pool2d (Note [cuDNN pooling] in cuda/cudnn_pool.cpp) and batch_norm
// (Note [cuDNN batch norm] in cuda/cudnn_batch_norm.cpp). One switch and one pair of counts for
// all of them: cuDNN is one library, present or not on a host.
NIMBUS_API KernelSwitch& cudnn_switch();
// NIMBUS_CUDA_LT_EPILOGUE: batched GEMMs through cuBLASLt (Note [cuBLASLt epilogues] in
// cuda/cublaslt_gemm.cu).
NIMBUS_API KernelSwitch& cublaslt_gemm_switch();

}  // namespace nimbus
