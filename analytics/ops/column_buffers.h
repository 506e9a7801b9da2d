#pragma once
// Output columns assembled from host memory the operators fill in place, instead of appending
// value by value through a ColumnBuilder. Internal to the operators; CPU buffers only.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "analytics/column.h"

namespace nimbus::analytics::detail {

// An uninitialised CPU buffer of `nbytes`.
Buffer host_buffer(size_t nbytes);
// A validity bitmap from per-row flags (nonzero = valid); undefined when every row is valid, so a
// column without nulls carries no bitmap (Note [Column layout]).
Buffer validity_from_flags(const std::vector<uint8_t>& valid);

// A fixed-width column of `type` holding `values`; `valid` (one flag a row) may be empty: no nulls.
template <typename T>
Column fixed_column(DataType type, const std::vector<T>& values, const std::vector<uint8_t>& valid = {}) {
  Buffer data = host_buffer(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(data.data(), values.data(), values.size() * sizeof(T));
  return Column(type, static_cast<int64_t>(values.size()), std::move(data),
                valid.empty() ? Buffer() : validity_from_flags(valid));
}

}  // namespace nimbus::analytics::detail
