// `nimbus info [--json]`: the build, the devices, the BLAS, the allocators.
#include <iostream>
#include <nlohmann/json.hpp>

#include "kernels/library_info.h"
#include "runtime/backend.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

void add_allocator_stats(nlohmann::ordered_json& info, const std::string& prefix, const AllocatorStats& s) {
  info[prefix + "_allocated_bytes"] = s.allocated_bytes;
  info[prefix + "_reserved_bytes"] = s.reserved_bytes;
  info[prefix + "_peak_allocated_bytes"] = s.peak_allocated_bytes;
  info[prefix + "_peak_reserved_bytes"] = s.peak_reserved_bytes;
  info[prefix + "_allocations"] = s.allocations;
  info[prefix + "_cache_hits"] = s.cache_hits;
  info[prefix + "_cache_misses"] = s.cache_misses;
  info[prefix + "_retries"] = s.retries;
  info[prefix + "_ooms"] = s.ooms;
}

nlohmann::ordered_json collect_info() {
  nlohmann::ordered_json info;
  info["version"] = version();
  info["cuda"] = cuda_compiled_in() ? "yes" : "no";
  const int devices = cuda_device_count();
  info["cuda_devices"] = devices;
  if (cuda_compiled_in() && devices == 0) info["cuda_status"] = cuda_backend_status();
  for (int i = 0; i < devices; ++i)
    info["cuda_" + std::to_string(i) + "_name"] = find_backend(DeviceType::cuda)->device_name(i);
  info["blas"] = blas_description();
  if (const std::string hint = blas_hint(); !hint.empty()) info["blas_hint"] = hint;
  info["cpu_threads"] = cpu_threads();
  info["cpu_simd"] = cpu_simd_level();
  add_allocator_stats(info, "cpu_allocator", allocator_for(Device::cpu()).stats());
  for (int i = 0; i < devices; ++i)
    add_allocator_stats(info, "cuda_" + std::to_string(i) + "_allocator", allocator_for(Device::cuda(i)).stats());
  return info;
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Show the build, devices, BLAS and allocator statistics");
  static bool json = false;
  cmd->add_flag("--json", json, "Print one JSON object instead of key: value lines");
  cmd->callback([] {
    const nlohmann::ordered_json info = collect_info();
    if (json) {
      std::cout << info.dump() << "\n";
      return;
    }
    for (const auto& [key, value] : info.items())
      std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
  });
}

}  // namespace nimbus::tools
