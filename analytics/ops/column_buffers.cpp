#include "analytics/ops/column_buffers.h"

#include <algorithm>

namespace nimbus::analytics::detail {

Buffer host_buffer(size_t nbytes) { return Buffer::allocate(nbytes, Device::cpu()); }

Buffer validity_from_flags(const std::vector<uint8_t>& valid) {
  if (std::all_of(valid.begin(), valid.end(), [](uint8_t flag) { return flag != 0; })) return {};
  const auto rows = static_cast<int64_t>(valid.size());
  Buffer bits = host_buffer(static_cast<size_t>(bitmap_bytes(rows)));
  auto* out = static_cast<uint8_t*>(bits.data());
  std::fill(out, out + bitmap_bytes(rows), uint8_t{0});
  for (int64_t i = 0; i < rows; ++i) {
    if (valid[static_cast<size_t>(i)]) set_bit(out, i, true);
  }
  return bits;
}

}  // namespace nimbus::analytics::detail
