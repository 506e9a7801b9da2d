#pragma once
// Columns and tables through the Arrow C Data Interface (arrow_c_abi.h), both ways, zero-copy.
//
// Export fills caller-provided ArrowArray / ArrowSchema structs whose buffers point at the
// column's own memory; the exported array holds references to those buffers, so they stay alive
// until the consumer calls release, whatever happens to the column. Import moves an ArrowArray in
// (the caller's struct is marked released, as the specification's "move" says) and wraps its
// buffers as ours; the producer's release runs once, when the last column or tensor using any of
// them is gone. The schema passed to import is read and then released. Both ways, a table is a
// struct array ("+s") with one child per column, as pyarrow's RecordBatch exports.
//
// Types: bool "b", int32 "i", int64 "l", float32 "f", float64 "g", string "u" (int32 offsets),
// date32 "tdD", timestamp "tsu:" (microseconds, no time zone). Anything else is refused on import
// with an Error naming the format (large strings "U", other timestamp units, time zones,
// dictionaries). Only CPU memory is exchanged (the C Device Data Interface would carry GPU memory).
#include <string_view>

#include "analytics/arrow/arrow_c_abi.h"
#include "analytics/column.h"
#include "analytics/table.h"

namespace nimbus::analytics {

// The Arrow format string of a type ("l" for int64, ...).
NIMBUS_API std::string_view arrow_format(DataType type);

NIMBUS_API void export_column(const Column& column, ArrowArray* array, ArrowSchema* schema,
                              std::string_view name = "");
NIMBUS_API void export_table(const Table& table, ArrowArray* array, ArrowSchema* schema);

// Both consume their arguments, also when they throw.
NIMBUS_API Column import_column(ArrowArray* array, ArrowSchema* schema);
NIMBUS_API Table import_table(ArrowArray* array, ArrowSchema* schema);

}  // namespace nimbus::analytics
