# Warnings and the CPU instruction-set baseline.
#
# Binaries target a portable x86-64 baseline with AVX2 and FMA (every x86 server since 2013), so they
# run on other hosts; hot loops that gain from AVX-512 are compiled a second time for it and chosen
# at run time (kernels/cpu/simd_dispatch.h). NIMBUS_NATIVE=ON compiles everything for this machine.
set(NIMBUS_WARNINGS -Wall -Wextra)
if(NIMBUS_WERROR)
  list(APPEND NIMBUS_WARNINGS -Werror)
endif()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  if(NIMBUS_NATIVE)
    set(NIMBUS_ARCH_FLAGS -march=native)
  else()
    set(NIMBUS_ARCH_FLAGS -march=x86-64-v3)  # AVX2, FMA, BMI2, F16C
  endif()
  set(NIMBUS_AVX512_FLAGS -mavx512f -mavx512bw -mavx512vl -mavx512dq -mprefer-vector-width=512)
else()
  set(NIMBUS_ARCH_FLAGS "")
  set(NIMBUS_AVX512_FLAGS "")
endif()

# Applies the project's warnings and baseline to a C++ target.
function(nimbus_target_flags target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${NIMBUS_WARNINGS} ${NIMBUS_ARCH_FLAGS}>)
endfunction()
