// Loading cuDNN at first use (kernels/cuda/cudnn_library.h).
//
// Where: the folders of NIMBUS_CUDA_LIBRARY_PATH first (the variable docs/GPU.md names for the
// NVIDIA libraries of a GPU host), then the dynamic loader's own search by soname, then the
// unversioned name of a development install. The library must be of the major version whose
// header the module was built with: the legacy API's structs and enums are only stable within
// one major version.
#if NIMBUS_HAVE_CUDNN
#include "kernels/cuda/cudnn_library.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <type_traits>

#include "kernels/cudnn_availability.h"

namespace nimbus::cuda {

namespace {

void* open_cudnn(std::string& tried) {
  std::string soname = "libcudnn.so.";
  soname.append(std::to_string(CUDNN_MAJOR));
  if (const char* path = std::getenv("NIMBUS_CUDA_LIBRARY_PATH")) {
    const std::string folders(path);
    size_t begin = 0;
    while (begin <= folders.size()) {
      const size_t end = std::min(folders.find(':', begin), folders.size());
      if (end > begin) {
        std::string candidate = folders.substr(begin, end - begin);
        candidate.append("/").append(soname);
        if (void* h = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL)) return h;
      }
      begin = end + 1;
    }
  }
  for (const std::string& name : {soname, std::string("libcudnn.so")}) {
    if (void* h = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) return h;
    const char* why = dlerror();
    if (!tried.empty()) tried.append("; ");
    tried.append(why != nullptr ? why : name);
  }
  return nullptr;
}

// Fills every entry, or returns the name of the first symbol the library lacks.
std::optional<std::string> fill(void* handle, CudnnLibrary& lib) {
  std::optional<std::string> missing;
  auto get = [&](auto& entry, const char* name) {
    void* p = dlsym(handle, name);
    if (p == nullptr && !missing) missing = name;
    entry = reinterpret_cast<std::remove_reference_t<decltype(entry)>>(p);
  };
  get(lib.GetVersion, "cudnnGetVersion");
  get(lib.GetErrorString, "cudnnGetErrorString");
  get(lib.Create, "cudnnCreate");
  get(lib.Destroy, "cudnnDestroy");
  get(lib.SetStream, "cudnnSetStream");
  get(lib.CreateTensorDescriptor, "cudnnCreateTensorDescriptor");
  get(lib.SetTensor4dDescriptor, "cudnnSetTensor4dDescriptor");
  get(lib.DestroyTensorDescriptor, "cudnnDestroyTensorDescriptor");
  get(lib.CreateFilterDescriptor, "cudnnCreateFilterDescriptor");
  get(lib.SetFilter4dDescriptor, "cudnnSetFilter4dDescriptor");
  get(lib.DestroyFilterDescriptor, "cudnnDestroyFilterDescriptor");
  get(lib.CreateConvolutionDescriptor, "cudnnCreateConvolutionDescriptor");
  get(lib.SetConvolution2dDescriptor, "cudnnSetConvolution2dDescriptor");
  get(lib.SetConvolutionGroupCount, "cudnnSetConvolutionGroupCount");
  get(lib.SetConvolutionMathType, "cudnnSetConvolutionMathType");
  get(lib.DestroyConvolutionDescriptor, "cudnnDestroyConvolutionDescriptor");
  get(lib.GetConvolutionForwardAlgorithm_v7, "cudnnGetConvolutionForwardAlgorithm_v7");
  get(lib.GetConvolutionBackwardDataAlgorithm_v7, "cudnnGetConvolutionBackwardDataAlgorithm_v7");
  get(lib.GetConvolutionBackwardFilterAlgorithm_v7, "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
  get(lib.GetConvolutionForwardWorkspaceSize, "cudnnGetConvolutionForwardWorkspaceSize");
  get(lib.GetConvolutionBackwardDataWorkspaceSize, "cudnnGetConvolutionBackwardDataWorkspaceSize");
  get(lib.GetConvolutionBackwardFilterWorkspaceSize, "cudnnGetConvolutionBackwardFilterWorkspaceSize");
  get(lib.ConvolutionForward, "cudnnConvolutionForward");
  get(lib.ConvolutionBackwardData, "cudnnConvolutionBackwardData");
  get(lib.ConvolutionBackwardFilter, "cudnnConvolutionBackwardFilter");
  get(lib.CreatePoolingDescriptor, "cudnnCreatePoolingDescriptor");
  get(lib.SetPooling2dDescriptor, "cudnnSetPooling2dDescriptor");
  get(lib.DestroyPoolingDescriptor, "cudnnDestroyPoolingDescriptor");
  get(lib.PoolingForward, "cudnnPoolingForward");
  get(lib.PoolingBackward, "cudnnPoolingBackward");
  get(lib.BatchNormalizationForwardTraining, "cudnnBatchNormalizationForwardTraining");
  get(lib.BatchNormalizationForwardInference, "cudnnBatchNormalizationForwardInference");
  get(lib.BatchNormalizationBackward, "cudnnBatchNormalizationBackward");
  return missing;
}

// The loaded table, or nothing with the reason recorded. The handle is never closed: cuDNN's
// handles live as long as the process (kernels/cuda/cudnn_common.h).
std::optional<CudnnLibrary> load() {
  std::string tried;
  void* handle = open_cudnn(tried);
  if (handle == nullptr) {
    std::string reason = "cannot load cuDNN (";
    reason.append(tried).append(")");
    set_cudnn_unavailable_reason(reason);
    return std::nullopt;
  }
  CudnnLibrary lib{};
  if (const std::optional<std::string> missing = fill(handle, lib)) {
    std::string reason = "the loaded cuDNN has no ";
    reason.append(*missing);
    set_cudnn_unavailable_reason(reason);
    return std::nullopt;
  }
  // cuDNN 9 numbers versions major * 10000 + minor * 100 + patch (8 and before used * 1000).
  const size_t version = lib.GetVersion();
  if (version / 10000 != CUDNN_MAJOR) {
    std::string reason = "the loaded cuDNN is version ";
    reason.append(std::to_string(version)).append(", the module was built for major version ");
    reason.append(std::to_string(CUDNN_MAJOR));
    set_cudnn_unavailable_reason(reason);
    return std::nullopt;
  }
  return lib;
}

}  // namespace

const CudnnLibrary* cudnn_library() {
  static const std::optional<CudnnLibrary> library = load();
  return library ? &*library : nullptr;
}

}  // namespace nimbus::cuda

#endif  // NIMBUS_HAVE_CUDNN
