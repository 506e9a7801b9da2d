#pragma once
// Reading a whole data file into memory.
#include <string>

#include "runtime/macros.h"

namespace nimbus::data {

// The bytes of `path`, gunzipped when the file is gzip (zlib reads plain files unchanged), so
// "data.csv" and "data.csv.gz" load the same way. Throws IOError naming the path and the reason
// (missing, a folder, unreadable, corrupt or truncated gzip).
NIMBUS_API std::string read_data_file(const std::string& path);

// The last component of `path` ("digits.csv.gz" for "examples/data/digits.csv.gz"), for
// descriptions that should not depend on where the data lives.
NIMBUS_API std::string file_name(const std::string& path);

}  // namespace nimbus::data
