// avg_pool2d forward and backward through cuDNN's legacy pooling API (kernels/cuda/cudnn_pool.h);
// pool.cuh's average entries try these first when the cuDNN switch is on.
//
// Note [cuDNN pooling]
// What runs on cuDNN: average pooling, forward and backward, with the library, handle and switch
// of the convolution path (Note [cuDNN convolution] in cudnn_conv.cu: loaded with dlopen at first
// use, NIMBUS_CUDA_CUDNN=1, off by default until its parity test has passed on a GPU). Max pooling
// stays on pool.cuh's kernels, switch on or off, and is not counted on the switch.
//
// Why not max pooling: our max_pool2d writes `indices`, the argmax of every window, and
// max_pool2d_backward scatters grad_out through them. The backward's table entry receives only
// grad_out and those indices (kernels/dispatch.h), and the autograd function saves only the
// indices (frontend/autograd/conv_functions.cpp). cuDNN's max forward writes no indices, and its
// backward needs x, y and the window geometry, none of which reach the backward entry. So:
// - a cuDNN backward is impossible without changing the table entry and the autograd function to
//   keep x and y and pass the geometry;
// - a cuDNN forward would still have to fill the indices the backward consumes, with a scan of
//   every window that picks the CPU's element (the first of tied maxima, the last NaN, from
//   -inf at the first in-bounds position) - exactly pool.cuh's forward, which writes the output
//   in the same pass. cuDNN could only add time. CUDNN_PROPAGATE_NAN would give the CPU's values
//   but says nothing of which element won, and the indices must name the element whose value the
//   forward returned, or the gradient lands elsewhere than on the CPU.
// Keeping both halves on our kernels keeps them consistent whichever path any other op takes; if
// the table entry ever carries x, y and the geometry, a cuDNN max path must fill the same indices
// or skip them as a pair.
//
// Average semantics: the kernels divide each window's sum by the window clipped to the padded
// input (count_include_pad) or to the input. cuDNN's CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
// and _EXCLUDE_PADDING divide by the full window and by the in-bounds count, which are the same
// numbers wherever the output has cuDNN's (floor-mode) size; ceil_mode's extra window, dilation
// (which average pooling never has) and sizes beyond int stay on the kernels
// (cudnn_pool_geometry.h). A NaN in a window makes its average NaN either way (the NaN option of
// the descriptor concerns max pooling only; it is set to propagate all the same).
//
// The backward: cudnnPoolingBackward takes y and x besides dy, for max pooling's sake; an
// average's gradient depends on neither, so their values cannot enter the result, but the call
// still wants valid buffers of their sizes (TensorFlow hands it scratch buffers for the same
// reason). y is given grad_out (y's shape; both only read) and x a scratch buffer of x's shape:
// not grad_input, since cuDNN does not promise that x may be the dx it writes. Were cuDNN ever to
// read them in an average mode, the parity test's backward would show it.
//
// Types: f32, f64, f16 and bf16, the types our pooling has. cuDNN may sum a window in another
// order, in another precision for 16-bit data (our kernels sum in f32 and round once), or multiply
// by the divisor's reciprocal, so results agree with the CPU within rounding, not bit for bit (the
// parity test's tolerance). Its average modes are deterministic: cuDNN lists only max-mode pooling
// backward among its non-reproducible routines.
//
// Fallback: loading the library, creating the handle and setting the descriptors may decline, and
// so may the pooling call itself, with a NOT_SUPPORTED status (a type or shape cuDNN's pooling
// kernels lack) or a misaligned pointer, both reported before any launch (cudnn_declines in
// cudnn_common.h); the caller then runs pool.cuh's kernels. Any other error is a real failure and
// throws with cudnnGetErrorString's text. Every call with the switch on counts as ran or fell back
// on cudnn_switch(), so the parity test (tests/gpu/cudnn_pool_parity_test.cpp) can tell cuDNN's
// results from the fallback's.
#include "kernels/cuda/cudnn_pool.h"

#include <optional>

#include "kernels/cuda/cudnn_common.h"
#include "kernels/cuda/cudnn_library.h"
#include "kernels/cuda/cudnn_pool_geometry.h"
#include "kernels/kernel_switch.h"

namespace nimbus::cuda {

#if NIMBUS_HAVE_CUDNN

namespace {

std::optional<cudnnDataType_t> cudnn_data_type(DType dt) {
  switch (dt) {
    case DType::f32: return CUDNN_DATA_FLOAT;
    case DType::f64: return CUDNN_DATA_DOUBLE;
    case DType::f16: return CUDNN_DATA_HALF;
    case DType::bf16: return CUDNN_DATA_BFLOAT16;
    default: return std::nullopt;
  }
}

// `in` has the pooling input's shape ([N, C, H, W]), `out` the output's ([N, C, OH, OW]).
PoolProblem problem_of(const Tensor& in, const Tensor& out, const Pool2dParams& p) {
  return {in.size(0),  in.size(1),  in.size(2),   in.size(3),   out.size(2),   out.size(3),   p.kernel[0],
          p.kernel[1], p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1],
          p.count_include_pad};
}

cudnnPoolingMode_t cudnn_mode(CudnnAverageMode mode) {
  return mode == CudnnAverageMode::count_include_padding ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
                                                         : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
}

// The three descriptors of one pooling, destroyed with it: x the input (its gradient in the
// backward), y the output (its gradient in the backward).
class PoolDescriptors {
 public:
  explicit PoolDescriptors(const CudnnLibrary& lib) : lib_(lib) {}
  ~PoolDescriptors() {
    if (x != nullptr) lib_.DestroyTensorDescriptor(x);
    if (y != nullptr) lib_.DestroyTensorDescriptor(y);
    if (pool != nullptr) lib_.DestroyPoolingDescriptor(pool);
  }
  PoolDescriptors(const PoolDescriptors&) = delete;
  PoolDescriptors& operator=(const PoolDescriptors&) = delete;

  // False where cuDNN rejects a descriptor (the caller falls back).
  bool describe(const CudnnPoolGeometry& geo, cudnnDataType_t data) {
    const auto& in = geo.input;
    const auto& out = geo.output;
    return cudnn_ok(lib_.CreateTensorDescriptor(&x)) && cudnn_ok(lib_.CreateTensorDescriptor(&y)) &&
           cudnn_ok(lib_.CreatePoolingDescriptor(&pool)) &&
           cudnn_ok(lib_.SetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, data, in[0], in[1], in[2], in[3])) &&
           cudnn_ok(lib_.SetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, data, out[0], out[1], out[2], out[3])) &&
           cudnn_ok(lib_.SetPooling2dDescriptor(pool, cudnn_mode(geo.mode), CUDNN_PROPAGATE_NAN, geo.window_h,
                                                geo.window_w, geo.pad_h, geo.pad_w, geo.stride_h, geo.stride_w));
  }

  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnPoolingDescriptor_t pool = nullptr;

 private:
  const CudnnLibrary& lib_;
};

// Everything before the call proper (library, type, geometry, handle, descriptors), then `call`,
// which returns the pooling function's status. False where any step declines, the call included
// (cudnn_declines); other failures of the call throw. `in` and `out` have the shapes of the
// pooling's input and output. Counted on cudnn_switch() either way.
template <typename Call>
bool run_on_cudnn(const char* op, const Tensor& in, const Tensor& out, const Pool2dParams& p, Call&& call) {
  const bool ran = [&] {
    const CudnnLibrary* lib = cudnn_library();
    if (lib == nullptr) return false;
    const std::optional<cudnnDataType_t> data = cudnn_data_type(in.dtype());
    const std::optional<CudnnPoolGeometry> geo = cudnn_avg_pool_geometry(problem_of(in, out, p));
    if (!data || !geo) return false;
    const cudnnHandle_t handle = cudnn_handle(*lib, in.device());
    if (handle == nullptr) return false;
    PoolDescriptors d(*lib);
    if (!d.describe(*geo, *data)) return false;
    const CudnnScaling s(*data == CUDNN_DATA_DOUBLE);
    return cudnn_ran(*lib, call(*lib, handle, d, s), op);
  }();
  cudnn_switch().count(ran);
  return ran;
}

}  // namespace

bool cudnn_avg_pool2d_forward(const Tensor& out, const Tensor& x, const Pool2dParams& p) {
  return run_on_cudnn("avg_pool2d", x, out, p, [&](const CudnnLibrary& lib, cudnnHandle_t h, const PoolDescriptors& d,
                                                    const CudnnScaling& s) {
    return lib.PoolingForward(h, d.pool, s.one(), d.x, x.data_ptr(), s.zero(), d.y, out.data_ptr());
  });
}

bool cudnn_avg_pool2d_backward(const Tensor& grad_input, const Tensor& grad_out, const Pool2dParams& p) {
  // An average's gradient needs neither y nor x (Note [cuDNN pooling]): grad_out stands in for y
  // (both only read), and x gets a scratch buffer of its shape, since cuDNN does not promise that
  // x may be the dx it writes.
  Tensor x_stand_in;
  return run_on_cudnn("avg_pool2d_backward", grad_input, grad_out, p,
                      [&](const CudnnLibrary& lib, cudnnHandle_t h, const PoolDescriptors& d, const CudnnScaling& s) {
                        x_stand_in = empty(grad_input.shape(), {grad_input.dtype(), grad_input.device()});
                        return lib.PoolingBackward(h, d.pool, s.one(), d.y, grad_out.data_ptr(), d.y,
                                                   grad_out.data_ptr(), d.x, x_stand_in.data_ptr(), s.zero(), d.x,
                                                   grad_input.data_ptr());
                      });
}

#else  // !NIMBUS_HAVE_CUDNN

bool cudnn_avg_pool2d_forward(const Tensor&, const Tensor&, const Pool2dParams&) { return cudnn_not_built(); }
bool cudnn_avg_pool2d_backward(const Tensor&, const Tensor&, const Pool2dParams&) { return cudnn_not_built(); }

#endif  // NIMBUS_HAVE_CUDNN

}  // namespace nimbus::cuda
