# `cmake --install` puts libraries, headers (under include/nimbus) and a package config in place,
# so another project can write find_package(nimbus) and link nimbus::runtime / nimbus::kernels, or
# nimbus::inference to load and run exported models (examples/embed).
include(CMakePackageConfigHelpers)

set(NIMBUS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/nimbus)
install(EXPORT nimbusTargets NAMESPACE nimbus:: DESTINATION ${NIMBUS_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/nimbusConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/nimbusConfig.cmake
                              INSTALL_DESTINATION ${NIMBUS_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nimbusConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nimbusConfig.cmake ${PROJECT_BINARY_DIR}/nimbusConfigVersion.cmake
        DESTINATION ${NIMBUS_INSTALL_CMAKEDIR})

# Installs the public headers of a layer folder, keeping the include paths of the source tree
# (#include "runtime/tensor.h").
function(nimbus_install_headers folder)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${folder}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nimbus/${folder}
          FILES_MATCHING PATTERN "*.h" PATTERN "*.cuh")
endfunction()
nimbus_install_headers(runtime)
nimbus_install_headers(kernels)
if(TARGET nimbus_frontend)
  nimbus_install_headers(frontend)
  nimbus_install_headers(models)
endif()
if(TARGET nimbus_analytics)
  nimbus_install_headers(analytics)
endif()
if(TARGET nimbus_serve)
  nimbus_install_headers(serve)
endif()
