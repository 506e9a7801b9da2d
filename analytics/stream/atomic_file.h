#pragma once
// Files that are either absent, or complete: written to a temporary name in the same folder,
// flushed to disk, then renamed over the final name (rename is atomic within a file system), and
// the folder flushed so the rename itself survives a power cut. A crash leaves at most a
// temporary file, which readers ignore (its name starts with '.').
#include <functional>
#include <string>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus::analytics::stream {

// `before_rename` runs after the temporary file is complete and before the rename (crash tests).
NIMBUS_API void write_file_atomically(const std::string& path, std::string_view bytes,
                           const std::function<void()>& before_rename = {});
// The whole file; IOError naming it when it cannot be read.
NIMBUS_API std::string read_whole_file(const std::string& path);
// The temporary name write_file_atomically uses for `path`.
NIMBUS_API std::string temporary_path(const std::string& path);

}  // namespace nimbus::analytics::stream
