#pragma once
// Reading a whole file into memory, as it is on disk (analytics/io/file_bytes.h adds gzip).
#include <string>

#include "runtime/macros.h"

namespace nimbus::io {

// The bytes of `path`. Throws IOError "cannot read 'path': reason" (missing, a folder, not a
// regular file, unreadable, or changed size while being read).
NIMBUS_API std::string read_file(const std::string& path);

}  // namespace nimbus::io
