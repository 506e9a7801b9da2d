#pragma once
// take: gather rows by index, the building block of filter, sort, distinct, group-by keys and
// join output.
#include <cstdint>
#include <span>

#include "analytics/ops/exec_options.h"
#include "analytics/table.h"

namespace nimbus::analytics {

// An index that stands for "no row": take() gives a null there (outer joins use it for the side
// without a match).
inline constexpr int64_t kNullRow = -1;

// Rows `indices` of `column`, in that order and with repeats. kNullRow gives a null row; any other
// index outside [0, length) is a ShapeError naming it. The result has a validity bitmap only when
// it has nulls.
NIMBUS_API Column take(const Column& column, std::span<const int64_t> indices, const ExecOptions& options = {});
// take() of every column; the names are kept.
NIMBUS_API Table take(const Table& table, std::span<const int64_t> indices, const ExecOptions& options = {});

}  // namespace nimbus::analytics
