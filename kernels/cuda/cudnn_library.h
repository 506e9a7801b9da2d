#pragma once
// cuDNN's legacy convolution, pooling and batch norm API as a table of function pointers, filled by
// dlopen at first use (Note [cuDNN convolution] in kernels/cuda/cudnn_conv.cu says why it is not
// linked). Only the functions the convolution, pooling and batch norm paths call are in the table;
// their types come from cudnn.h, so a mismatch with the header is a compile error. Built only where
// the header was found (NIMBUS_HAVE_CUDNN, runtime/cuda/CMakeLists.txt).
#if NIMBUS_HAVE_CUDNN
#include <cudnn.h>

namespace nimbus::cuda {

struct CudnnLibrary {
  decltype(&::cudnnGetVersion) GetVersion;
  decltype(&::cudnnGetErrorString) GetErrorString;
  decltype(&::cudnnCreate) Create;
  decltype(&::cudnnDestroy) Destroy;
  decltype(&::cudnnSetStream) SetStream;
  decltype(&::cudnnCreateTensorDescriptor) CreateTensorDescriptor;
  decltype(&::cudnnSetTensor4dDescriptor) SetTensor4dDescriptor;
  decltype(&::cudnnDestroyTensorDescriptor) DestroyTensorDescriptor;
  decltype(&::cudnnCreateFilterDescriptor) CreateFilterDescriptor;
  decltype(&::cudnnSetFilter4dDescriptor) SetFilter4dDescriptor;
  decltype(&::cudnnDestroyFilterDescriptor) DestroyFilterDescriptor;
  decltype(&::cudnnCreateConvolutionDescriptor) CreateConvolutionDescriptor;
  decltype(&::cudnnSetConvolution2dDescriptor) SetConvolution2dDescriptor;
  decltype(&::cudnnSetConvolutionGroupCount) SetConvolutionGroupCount;
  decltype(&::cudnnSetConvolutionMathType) SetConvolutionMathType;
  decltype(&::cudnnDestroyConvolutionDescriptor) DestroyConvolutionDescriptor;
  decltype(&::cudnnGetConvolutionForwardAlgorithm_v7) GetConvolutionForwardAlgorithm_v7;
  decltype(&::cudnnGetConvolutionBackwardDataAlgorithm_v7) GetConvolutionBackwardDataAlgorithm_v7;
  decltype(&::cudnnGetConvolutionBackwardFilterAlgorithm_v7) GetConvolutionBackwardFilterAlgorithm_v7;
  decltype(&::cudnnGetConvolutionForwardWorkspaceSize) GetConvolutionForwardWorkspaceSize;
  decltype(&::cudnnGetConvolutionBackwardDataWorkspaceSize) GetConvolutionBackwardDataWorkspaceSize;
  decltype(&::cudnnGetConvolutionBackwardFilterWorkspaceSize) GetConvolutionBackwardFilterWorkspaceSize;
  decltype(&::cudnnConvolutionForward) ConvolutionForward;
  decltype(&::cudnnConvolutionBackwardData) ConvolutionBackwardData;
  decltype(&::cudnnConvolutionBackwardFilter) ConvolutionBackwardFilter;
  decltype(&::cudnnCreatePoolingDescriptor) CreatePoolingDescriptor;
  decltype(&::cudnnSetPooling2dDescriptor) SetPooling2dDescriptor;
  decltype(&::cudnnDestroyPoolingDescriptor) DestroyPoolingDescriptor;
  decltype(&::cudnnPoolingForward) PoolingForward;
  decltype(&::cudnnPoolingBackward) PoolingBackward;
  decltype(&::cudnnBatchNormalizationForwardTraining) BatchNormalizationForwardTraining;
  decltype(&::cudnnBatchNormalizationForwardInference) BatchNormalizationForwardInference;
  decltype(&::cudnnBatchNormalizationBackward) BatchNormalizationBackward;
};

// The table, loaded once per process; nullptr when cuDNN cannot be loaded, with the reason
// recorded for cudnn_unavailable_reason() (kernels/cudnn_availability.h).
const CudnnLibrary* cudnn_library();

}  // namespace nimbus::cuda

#endif  // NIMBUS_HAVE_CUDNN
