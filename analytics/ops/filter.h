#pragma once
// filter: the rows a selection keeps, as SQL's WHERE does.
#include <cstdint>
#include <span>
#include <vector>

#include "analytics/ops/exec_options.h"
#include "analytics/table.h"

namespace nimbus::analytics {

// The rows where `selection` (a bool column as long as the table) is true, in order. A NULL in the
// selection does not select its row (SQL's WHERE). When every row is selected the table comes
// back as it is, sharing its buffers; when none is, an empty slice.
NIMBUS_API Table filter(const Table& table, const Column& selection, const ExecOptions& options = {});
// The rows numbered `rows`, in that order; each must be in [0, num_rows) (ShapeError otherwise).
NIMBUS_API Table filter(const Table& table, std::span<const int64_t> rows, const ExecOptions& options = {});
// The row numbers where `selection` is true (NULL = not selected), increasing.
NIMBUS_API std::vector<int64_t> selected_rows(const Column& selection);

}  // namespace nimbus::analytics
