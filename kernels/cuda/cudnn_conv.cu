// conv2d forward, backward data and backward filter through cuDNN's legacy API
// (kernels/cuda/cudnn_conv.h); conv.cu tries these first when the switch is on.
//
// Note [cuDNN convolution]
// Why: conv.cu computes convolutions as im2col + cuBLAS GEMMs, which is exact and deterministic
// but writes and reads a column matrix C * kH * kW times the size of the input; cuDNN's kernels
// (implicit GEMM, Winograd, FFT) avoid most of that traffic and use tensor cores for 16-bit types.
//
// Why dlopen: cuDNN is several hundred MB and many GPU hosts lack it. Linking it would make the
// whole CUDA module fail to load there, taking the CUDA backend with it; loaded at first use
// (cudnn_library.cpp), a missing or foreign cuDNN costs only this fast path. Only cudnn.h is
// needed to build, and a build without it compiles these functions as "never available"
// (NIMBUS_HAVE_CUDNN, runtime/cuda/CMakeLists.txt).
//
// How: one handle per (thread, device), bound to the current stream before every call and shared
// with the pooling path (cudnn_common.h). Descriptors are made per call for NCHW contiguous
// tensors: f32, f64, and f16/bf16 with f32 accumulation. The algorithm is the first of cuDNN's
// heuristic list (cudnn*Algorithm_v7) that
// (a) is deterministic, as every kernel of this backend is, (b) needs at most kMaxWorkspaceBytes
// of workspace, and (c) for f32 without NIMBUS_ALLOW_TF32, does not use tensor cores: f32 runs
// with CUDNN_FMA_MATH, since CUDNN_DEFAULT_MATH lets cuDNN pick TF32 on Ampere and later, which
// would make f32 results depend on the library rather than on the user's TF32 choice. The
// workspace comes from the caching allocator and is released in stream order, as conv.cu's
// temporaries are. Bias is not cuDNN's business here: conv.cu adds it after the forward call and
// reduces grad_bias with its own kernel.
//
// Fallback: everything before execution (loading the library, creating the handle, setting the
// descriptors, choosing an algorithm, sizing the workspace) may decline, and a declined call runs
// on the im2col kernels instead: cuDNN returns NOT_SUPPORTED for some type and geometry
// combinations, and sizes beyond int do not fit its descriptors (cudnn_conv_geometry.h). An error
// while cuDNN executes is a real failure and throws with cudnnGetErrorString's text.
//
// Off by default (NIMBUS_CUDA_CUDNN=1 turns it on, cudnn_switch() in kernels/kernel_switch.h): the
// project's rule for kernels that have not passed their parity test on a real GPU. Its test,
// tests/gpu/cudnn_conv_parity_test.cpp, compares it with the CPU and checks that cuDNN, not the
// fallback, produced the results; docs/GPU.md lists it.
#include "kernels/cuda/cudnn_conv.h"

#include <array>
#include <optional>

#include "kernels/cuda/conv_columns.cuh"
#include "kernels/cuda/cublas_gemm.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cudnn_common.h"
#include "kernels/cuda/cudnn_conv_geometry.h"
#include "kernels/cuda/cudnn_library.h"
#include "kernels/kernel_switch.h"

namespace nimbus::cuda {

namespace {

#if NIMBUS_HAVE_CUDNN

// Algorithms that want more workspace are passed over; conv.cu's im2col temporaries are bounded by
// the same amount (kChunkBytes), so choosing cuDNN never needs much more memory than not.
constexpr size_t kMaxWorkspaceBytes = size_t{256} << 20;

// Short for cudnn_ok: the descriptor chains below read better with it.
bool ok(cudnnStatus_t s) { return cudnn_ok(s); }

ConvProblem problem_of(const ConvShape& g) {
  return {g.N, g.C, g.H, g.W, g.O, g.kH, g.kW, g.OH, g.OW, g.groups, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw};
}

// The tensors' element type, the type cuDNN accumulates in, and the math type asked for.
struct CudnnTypes {
  cudnnDataType_t data, compute;
  cudnnMathType_t math;

  // f32 that must not round its operands to TF32 (Note [cuDNN convolution], point (c)).
  bool exact_f32() const { return data == CUDNN_DATA_FLOAT && math == CUDNN_FMA_MATH; }
};

std::optional<CudnnTypes> cudnn_types(DType dt) {
  switch (dt) {
    case DType::f32: return CudnnTypes{CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT, allow_tf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH};
    case DType::f64: return CudnnTypes{CUDNN_DATA_DOUBLE, CUDNN_DATA_DOUBLE, CUDNN_DEFAULT_MATH};
    case DType::f16: return CudnnTypes{CUDNN_DATA_HALF, CUDNN_DATA_FLOAT, CUDNN_TENSOR_OP_MATH};
    case DType::bf16: return CudnnTypes{CUDNN_DATA_BFLOAT16, CUDNN_DATA_FLOAT, CUDNN_TENSOR_OP_MATH};
    default: return std::nullopt;
  }
}

// The four descriptors of one convolution, destroyed with it. x and y are the input and output
// (their gradients in the backward calls), w the filter.
class ConvDescriptors {
 public:
  explicit ConvDescriptors(const CudnnLibrary& lib) : lib_(lib) {}
  ~ConvDescriptors() {
    if (x != nullptr) lib_.DestroyTensorDescriptor(x);
    if (y != nullptr) lib_.DestroyTensorDescriptor(y);
    if (w != nullptr) lib_.DestroyFilterDescriptor(w);
    if (conv != nullptr) lib_.DestroyConvolutionDescriptor(conv);
  }
  ConvDescriptors(const ConvDescriptors&) = delete;
  ConvDescriptors& operator=(const ConvDescriptors&) = delete;

  // False where cuDNN rejects a descriptor (the caller falls back).
  bool describe(const CudnnConvGeometry& geo, const CudnnTypes& t) {
    const auto& in = geo.input;
    const auto& out = geo.output;
    const auto& f = geo.filter;
    return ok(lib_.CreateTensorDescriptor(&x)) && ok(lib_.CreateTensorDescriptor(&y)) &&
           ok(lib_.CreateFilterDescriptor(&w)) && ok(lib_.CreateConvolutionDescriptor(&conv)) &&
           ok(lib_.SetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, t.data, in[0], in[1], in[2], in[3])) &&
           ok(lib_.SetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, t.data, out[0], out[1], out[2], out[3])) &&
           ok(lib_.SetFilter4dDescriptor(w, t.data, CUDNN_TENSOR_NCHW, f[0], f[1], f[2], f[3])) &&
           // Cross-correlation: the kernel is not flipped, as on the CPU (kernels/cpu/conv_cpu.cpp).
           ok(lib_.SetConvolution2dDescriptor(conv, geo.pad_h, geo.pad_w, geo.stride_h, geo.stride_w, geo.dilation_h,
                                              geo.dilation_w, CUDNN_CROSS_CORRELATION, t.compute)) &&
           ok(lib_.SetConvolutionGroupCount(conv, geo.groups)) && ok(lib_.SetConvolutionMathType(conv, t.math));
  }

  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;

 private:
  const CudnnLibrary& lib_;
};

// The first acceptable algorithm of cuDNN's heuristic list, best first (Note [cuDNN convolution]),
// or nullptr when none is.
template <typename Perf>
const Perf* choose_algorithm(const Perf* perf, int count, const CudnnTypes& t) {
  for (int i = 0; i < count; ++i) {
    const Perf& p = perf[i];
    if (!ok(p.status) || p.determinism != CUDNN_DETERMINISTIC || p.memory > kMaxWorkspaceBytes) continue;
    if (t.exact_f32() && (p.mathType == CUDNN_TENSOR_OP_MATH || p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION))
      continue;
    return &p;
  }
  return nullptr;
}

// Binds the chosen algorithm's math type to the descriptor (cuDNN runs an algorithm with the math
// type it was listed under); exact f32 stays on FMA math whatever the listing says.
bool bind_math_type(const CudnnLibrary& lib, const ConvDescriptors& d, const CudnnTypes& t, cudnnMathType_t listed) {
  return ok(lib.SetConvolutionMathType(d.conv, t.exact_f32() ? CUDNN_FMA_MATH : listed));
}

// A workspace from the caching allocator, or an undefined tensor for none. Released in stream
// order when the caller's tensor goes: the allocator reuses it only after this stream's work.
Tensor workspace(size_t bytes, Device device) {
  return bytes == 0 ? Tensor() : empty({static_cast<int64_t>(bytes)}, {DType::u8, device});
}

void* data_or_null(const Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }

// alpha = 1, beta = 0 in the type cuDNN scales with (double only for f64).
CudnnScaling scaling(const CudnnTypes& t) { return CudnnScaling(t.compute == CUDNN_DATA_DOUBLE); }

// Everything before the call proper: the library, types, geometry, handle and descriptors; then
// `run` (which chooses the algorithm and executes). False where any step declines. Counted for
// cudnn_switch().counts() either way.
template <typename Run>
bool run_on_cudnn(DType dt, Device device, const ConvShape& g, Run&& run) {
  const bool ran = [&] {
    const CudnnLibrary* lib = cudnn_library();
    if (lib == nullptr) return false;
    const std::optional<CudnnTypes> types = cudnn_types(dt);
    const std::optional<CudnnConvGeometry> geo = cudnn_conv_geometry(problem_of(g));
    if (!types || !geo) return false;
    const cudnnHandle_t handle = cudnn_handle(*lib, device);
    if (handle == nullptr) return false;
    ConvDescriptors d(*lib);
    if (!d.describe(*geo, *types)) return false;
    return run(*lib, handle, d, *types);
  }();
  cudnn_switch().count(ran);
  return ran;
}

#endif  // NIMBUS_HAVE_CUDNN

}  // namespace

#if NIMBUS_HAVE_CUDNN

bool cudnn_conv2d_forward(const Tensor& out, const Tensor& x, const Tensor& weight, const ConvShape& g) {
  const Device device = out.device();
  return run_on_cudnn(out.dtype(), device, g, [&](const CudnnLibrary& lib, cudnnHandle_t h, const ConvDescriptors& d,
                                                  const CudnnTypes& t) {
    std::array<cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT> perf{};
    int listed = 0;
    if (!ok(lib.GetConvolutionForwardAlgorithm_v7(h, d.x, d.w, d.conv, d.y, static_cast<int>(perf.size()), &listed,
                                                  perf.data())))
      return false;
    const cudnnConvolutionFwdAlgoPerf_t* chosen = choose_algorithm(perf.data(), listed, t);
    if (chosen == nullptr || !bind_math_type(lib, d, t, chosen->mathType)) return false;
    size_t bytes = 0;
    if (!ok(lib.GetConvolutionForwardWorkspaceSize(h, d.x, d.w, d.conv, d.y, chosen->algo, &bytes)) ||
        bytes > kMaxWorkspaceBytes)
      return false;
    const Tensor ws = workspace(bytes, device);
    const CudnnScaling s = scaling(t);
    NIMBUS_CUDNN_CHECK(lib, lib.ConvolutionForward(h, s.one(), d.x, x.data_ptr(), d.w, weight.data_ptr(), d.conv,
                                                   chosen->algo, data_or_null(ws), bytes, s.zero(), d.y,
                                                   out.data_ptr()));
    return true;
  });
}

bool cudnn_conv2d_backward_data(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                                const ConvShape& g) {
  const Device device = grad_input.device();
  return run_on_cudnn(grad_input.dtype(), device, g, [&](const CudnnLibrary& lib, cudnnHandle_t h,
                                                         const ConvDescriptors& d, const CudnnTypes& t) {
    std::array<cudnnConvolutionBwdDataAlgoPerf_t, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT> perf{};
    int listed = 0;
    if (!ok(lib.GetConvolutionBackwardDataAlgorithm_v7(h, d.w, d.y, d.conv, d.x, static_cast<int>(perf.size()),
                                                       &listed, perf.data())))
      return false;
    const cudnnConvolutionBwdDataAlgoPerf_t* chosen = choose_algorithm(perf.data(), listed, t);
    if (chosen == nullptr || !bind_math_type(lib, d, t, chosen->mathType)) return false;
    size_t bytes = 0;
    if (!ok(lib.GetConvolutionBackwardDataWorkspaceSize(h, d.w, d.y, d.conv, d.x, chosen->algo, &bytes)) ||
        bytes > kMaxWorkspaceBytes)
      return false;
    const Tensor ws = workspace(bytes, device);
    const CudnnScaling s = scaling(t);
    NIMBUS_CUDNN_CHECK(lib, lib.ConvolutionBackwardData(h, s.one(), d.w, weight.data_ptr(), d.y, grad_out.data_ptr(),
                                                        d.conv, chosen->algo, data_or_null(ws), bytes, s.zero(), d.x,
                                                        grad_input.data_ptr()));
    return true;
  });
}

bool cudnn_conv2d_backward_filter(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                                  const ConvShape& g) {
  const Device device = grad_weight.device();
  return run_on_cudnn(grad_weight.dtype(), device, g, [&](const CudnnLibrary& lib, cudnnHandle_t h,
                                                          const ConvDescriptors& d, const CudnnTypes& t) {
    std::array<cudnnConvolutionBwdFilterAlgoPerf_t, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT> perf{};
    int listed = 0;
    if (!ok(lib.GetConvolutionBackwardFilterAlgorithm_v7(h, d.x, d.y, d.conv, d.w, static_cast<int>(perf.size()),
                                                         &listed, perf.data())))
      return false;
    const cudnnConvolutionBwdFilterAlgoPerf_t* chosen = choose_algorithm(perf.data(), listed, t);
    if (chosen == nullptr || !bind_math_type(lib, d, t, chosen->mathType)) return false;
    size_t bytes = 0;
    if (!ok(lib.GetConvolutionBackwardFilterWorkspaceSize(h, d.x, d.y, d.conv, d.w, chosen->algo, &bytes)) ||
        bytes > kMaxWorkspaceBytes)
      return false;
    const Tensor ws = workspace(bytes, device);
    const CudnnScaling s = scaling(t);
    NIMBUS_CUDNN_CHECK(lib, lib.ConvolutionBackwardFilter(h, s.one(), d.x, x.data_ptr(), d.y, grad_out.data_ptr(),
                                                          d.conv, chosen->algo, data_or_null(ws), bytes, s.zero(),
                                                          d.w, grad_weight.data_ptr()));
    return true;
  });
}

#else  // !NIMBUS_HAVE_CUDNN

bool cudnn_conv2d_forward(const Tensor&, const Tensor&, const Tensor&, const ConvShape&) { return cudnn_not_built(); }
bool cudnn_conv2d_backward_data(const Tensor&, const Tensor&, const Tensor&, const ConvShape&) {
  return cudnn_not_built();
}
bool cudnn_conv2d_backward_filter(const Tensor&, const Tensor&, const Tensor&, const ConvShape&) {
  return cudnn_not_built();
}

#endif  // NIMBUS_HAVE_CUDNN

}  // namespace nimbus::cuda
