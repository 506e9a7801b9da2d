# Third-party libraries, all from Debian packages (see `make deps`).
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)

# BLAS: OpenBLAS's OpenMP build, so BLAS and our OpenMP loops share one thread pool (the pthread
# build would oversubscribe the cores). Debian installs it under an alternatives folder.
find_path(NIMBUS_CBLAS_INCLUDE_DIR cblas.h
          PATHS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp /usr/include/openblas
          NO_DEFAULT_PATH)
find_path(NIMBUS_CBLAS_INCLUDE_DIR cblas.h)
find_library(NIMBUS_OPENBLAS_LIBRARY openblas
             PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)
find_library(NIMBUS_OPENBLAS_LIBRARY openblas)
if(NOT NIMBUS_CBLAS_INCLUDE_DIR OR NOT NIMBUS_OPENBLAS_LIBRARY)
  message(FATAL_ERROR "OpenBLAS (OpenMP build) not found: run `make deps` or apt-get install libopenblas-openmp-dev")
endif()
message(STATUS "nimbus: BLAS ${NIMBUS_OPENBLAS_LIBRARY}")

find_package(Eigen3 3.4 REQUIRED NO_MODULE)
