#pragma once
// The BLAS (OpenBLAS, OpenMP build), loaded on first use. See Note [BLAS loading] in blas.cpp.
#include <cblas.h>

#include <string>

namespace nimbus::cpu {

struct Blas {
  decltype(&cblas_sgemm) sgemm = nullptr;
  decltype(&cblas_dgemm) dgemm = nullptr;
  std::string description;  // configuration and the kernel set ("core") it chose
  std::string core;
};

// Loads the library the first time (thread-safe); throws Error naming what is missing.
const Blas& blas();

}  // namespace nimbus::cpu
