#pragma once
// Reading a whole input file into memory, inflating gzip.
#include <string>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus::analytics {

// The bytes of `path`; when they start with the gzip magic bytes (1f 8b) they are inflated with
// zlib (concatenated gzip members too), so "data.csv" and "data.csv.gz" read the same. Throws
// IOError "cannot read 'path': reason" (missing, a folder, unreadable, corrupt or truncated gzip).
NIMBUS_API std::string read_file_bytes(const std::string& path);

NIMBUS_API bool is_gzip(std::string_view bytes);
// Inflates gzip bytes; `source` names them in IOError messages.
NIMBUS_API std::string gunzip(std::string_view bytes, const std::string& source);

}  // namespace nimbus::analytics
