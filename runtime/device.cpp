#include "runtime/device.h"

#include <charconv>

#include "runtime/backend.h"
#include "runtime/error.h"

namespace nimbus {

std::string Device::str() const {
  return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index);
}

Device Device::parse(std::string_view text) {
  if (text == "cpu") return cpu();
  if (text == "auto") return cuda_device_count() > 0 ? cuda(0) : cpu();
  if (text == "cuda" || text.starts_with("cuda:")) {
    int index = 0;
    if (text.size() > 4) {
      const std::string_view digits = text.substr(5);
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      NIMBUS_CHECK_T(ParseError, ec == std::errc() && end == digits.data() + digits.size() && index >= 0,
                     "invalid device '", text, "': expected cuda:N with N a device number");
    }
    const int count = cuda_device_count();
    NIMBUS_CHECK_T(DeviceError, index < count, "device '", text, "' is not available: ", count,
                   " CUDA device(s) found", count == 0 ? " (" + cuda_backend_status() + ")" : "");
    return cuda(index);
  }
  NIMBUS_THROW(ParseError, "invalid device '", text, "': expected cpu, cuda, cuda:N or auto");
}

int cuda_device_count() {
  DeviceBackend* cuda = find_backend(DeviceType::cuda);
  return cuda ? cuda->device_count() : 0;
}

}  // namespace nimbus
