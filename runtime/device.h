#pragma once
// Where a buffer lives and an op runs: the CPU, or CUDA device N.
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus {

enum class DeviceType : uint8_t { cpu = 0, cuda = 1 };
inline constexpr int kNumDeviceTypes = 2;

struct NIMBUS_API Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static Device cpu() { return {DeviceType::cpu, 0}; }
  static Device cuda(int index = 0) { return {DeviceType::cuda, index}; }
  // "cpu", "cuda", "cuda:N", or "auto" (cuda:0 when a CUDA device is present, else cpu).
  // Throws ParseError for malformed strings and DeviceError for a CUDA device that is not there.
  static Device parse(std::string_view text);

  bool is_cpu() const { return type == DeviceType::cpu; }
  bool is_cuda() const { return type == DeviceType::cuda; }
  std::string str() const;
  bool operator==(const Device&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Device& d) { return out << d.str(); }

// Number of CUDA devices visible now: 0 when CUDA is not compiled in, when the CUDA backend
// library cannot be loaded, when there is no driver, and when there is no device.
NIMBUS_API int cuda_device_count();
// Whether this build includes the CUDA backend library.
NIMBUS_API bool cuda_compiled_in();

}  // namespace nimbus
