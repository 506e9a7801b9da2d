#pragma once
// Note [One dispatch point per op]
// The public ops (kernels/ops.h) validate their inputs once, allocate the result, then call the
// kernel of the operands' device type through this table. A backend fills a KernelTable with its
// implementations and registers it from an explicit registration function (the CPU one runs on
// first use of any op; the CUDA library registers its table when the runtime loads it), never from
// a static initialiser that a linker may drop. A missing entry is a clear DeviceError.
//
// Kernels receive tensors that are already validated: shapes broadcast to the output's, operands
// cast to the compute dtype where the op says so, and the output allocated. They may assume the
// output does not overlap the inputs unless the entry says otherwise.
#include <cstdint>
#include <vector>

#include "runtime/tensor.h"

namespace nimbus {

enum class UnaryOp : uint8_t {
  neg, abs, exp, log, sqrt, rsqrt, sin, cos, tanh, sigmoid, relu, gelu_erf, gelu_tanh, silu,
  logical_not, clamp
};
enum class BinaryOp : uint8_t {
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, logical_and, logical_or, logical_xor
};
enum class ReduceOp : uint8_t { sum, mean, amax, amin, var, norm };

// Extra operands of a unary op: clamp bounds (has_min/has_max say which apply).
struct UnaryArgs {
  double min = 0, max = 0;
  bool has_min = false, has_max = false;
};
// Extra operands of a reduction: var's correction, norm's p.
struct ReduceArgs {
  int64_t correction = 1;
  double p = 2.0;
};

struct KernelTable {
  // out[i] = op(in[i]); `in` has out's shape (possibly broadcast strides) and out's compute dtype,
  // except logical_not whose out is bool.
  void (*unary)(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryArgs& args) = nullptr;
  // out[i] = op(a[i], b[i]); a and b share one dtype and have out's shape (broadcast strides);
  // out has that dtype, or bool for comparisons and logical ops.
  void (*binary)(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) = nullptr;
  // out[i] = cond[i] ? a[i] : b[i]; cond is bool, a, b and out share a dtype and shape.
  void (*where)(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) = nullptr;
  // Reduces `in` over `dims` (sorted, unique, non-empty) into `out`, which has in's shape with
  // those dims set to 1 (keepdim form).
  void (*reduce)(ReduceOp op, const Tensor& out, const Tensor& in, const std::vector<int>& dims,
                 const ReduceArgs& args) = nullptr;
  // Index (i64) of the first max/min along `dim` into `out` (keepdim form).
  void (*arg_reduce)(bool is_max, const Tensor& out, const Tensor& in, int dim) = nullptr;
  void (*cumsum)(const Tensor& out, const Tensor& in, int dim) = nullptr;
  // out[b] = a[b] @ w[b] for 3-d operands [B,M,K] x [B,K,N] -> [B,M,N]; a and w may have any
  // strides (stride 0 on broadcast batch dims), out is contiguous; one floating dtype throughout.
  void (*batched_gemm)(const Tensor& out, const Tensor& a, const Tensor& w) = nullptr;
  // Indexing (index tensors are i64 and already range-checked).
  void (*index_select)(const Tensor& out, const Tensor& in, int dim, const Tensor& index) = nullptr;
  void (*gather)(const Tensor& out, const Tensor& in, int dim, const Tensor& index) = nullptr;
  // out already holds the input; adds src at index along dim (in place on out).
  void (*scatter_add)(const Tensor& out, int dim, const Tensor& index, const Tensor& src) = nullptr;
  // Returns the elements of `in` where mask (bool, same shape) is true, as a 1-d tensor.
  Tensor (*masked_select)(const Tensor& in, const Tensor& mask) = nullptr;
};

// Installs the kernels of a device type (replacing any earlier table).
NIMBUS_API void register_kernels(DeviceType type, const KernelTable& table);
// The kernel table for a device; registers the CPU kernels on first use.
NIMBUS_API const KernelTable& kernels_for(Device device);

namespace cpu {
// Fills the CPU table; called once by kernels_for. Each kernels/cpu/*.cpp contributes its part.
void register_kernels();
}  // namespace cpu

}  // namespace nimbus

// Looks up `entry` for `device` or throws DeviceError naming the op and the device.
#define NIMBUS_KERNEL(device, entry, op_name)                                                        \
  [&]() {                                                                                            \
    const auto fn = ::nimbus::kernels_for(device).entry;                                             \
    NIMBUS_CHECK_T(DeviceError, fn != nullptr, op_name, ": not implemented on ", (device).str());    \
    return fn;                                                                                       \
  }()
