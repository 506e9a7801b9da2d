# NIMBUS_CUDA=AUTO|ON|OFF. ON fails loudly when nvcc is missing instead of silently building
# CPU-only. The default architecture is sm_90 (H100/H200); set CMAKE_CUDA_ARCHITECTURES to change it.
set(NIMBUS_WITH_CUDA OFF)

# The static CUDA runtime as an imported target, found next to nvcc. (CMake 3.25's FindCUDAToolkit
# expects libraries that CUDA 13 no longer ships, so the toolkit is located from the compiler.)
# Static linking matters: libnimbus_cuda.so must load on machines without a driver, where the
# runtime reports zero devices instead of failing to load.
function(nimbus_find_cuda_runtime)
  get_filename_component(nvcc_dir "${CMAKE_CUDA_COMPILER}" REALPATH)
  get_filename_component(toolkit_root "${nvcc_dir}/../.." REALPATH)
  find_library(NIMBUS_CUDART_STATIC cudart_static
               HINTS ${CMAKE_CUDA_IMPLICIT_LINK_DIRECTORIES} "${toolkit_root}/lib64"
                     "${toolkit_root}/targets/${CMAKE_SYSTEM_PROCESSOR}-linux/lib" REQUIRED)
  if(NOT TARGET nimbus_cudart_static)
    add_library(nimbus_cudart_static INTERFACE IMPORTED GLOBAL)
    target_include_directories(nimbus_cudart_static INTERFACE ${CMAKE_CUDA_TOOLKIT_INCLUDE_DIRECTORIES})
    target_link_libraries(nimbus_cudart_static INTERFACE ${NIMBUS_CUDART_STATIC} Threads::Threads ${CMAKE_DL_LIBS} rt)
  endif()
  # cuBLAS, shared: only libnimbus_cuda links it, and that module is loaded on first use of a CUDA
  # device, so CPU-only programs never load it (reasoning in kernels/cuda/gemm.cu).
  find_library(NIMBUS_CUBLAS cublas
               HINTS ${CMAKE_CUDA_IMPLICIT_LINK_DIRECTORIES} "${toolkit_root}/lib64"
                     "${toolkit_root}/targets/${CMAKE_SYSTEM_PROCESSOR}-linux/lib" REQUIRED)
  if(NOT TARGET nimbus_cublas)
    add_library(nimbus_cublas INTERFACE IMPORTED GLOBAL)
    target_link_libraries(nimbus_cublas INTERFACE ${NIMBUS_CUBLAS})
  endif()
endfunction()
if(NOT NIMBUS_CUDA STREQUAL "OFF")
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "")
    set(CMAKE_CUDA_ARCHITECTURES 90)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    nimbus_find_cuda_runtime()
    set(NIMBUS_WITH_CUDA ON)
    # CMake 3.25 does not know that nvcc 12+ speaks C++20; teach it, so targets that mix C++20
    # headers into .cu files get the right dialect.
    if(CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.0 AND NOT "cuda_std_20" IN_LIST CMAKE_CUDA_COMPILE_FEATURES)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
      list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
    endif()
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    string(APPEND CMAKE_CUDA_FLAGS " --expt-relaxed-constexpr")
    message(STATUS "nimbus: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(NIMBUS_CUDA STREQUAL "ON")
    message(FATAL_ERROR "NIMBUS_CUDA=ON but no CUDA compiler was found. Put nvcc on PATH "
                        "(e.g. export PATH=/usr/local/cuda/bin:$PATH) or configure with -DNIMBUS_CUDA=OFF.")
  else()
    message(STATUS "nimbus: CUDA backend OFF (nvcc not found)")
  endif()
else()
  message(STATUS "nimbus: CUDA backend OFF (NIMBUS_CUDA=OFF)")
endif()
