#pragma once
// The streaming engine's file I/O: every log, snapshot and sink file is written through the
// runtime's AtomicFileWriter (runtime/atomic_file.h): either absent or complete, the rename made
// durable, a crash leaving at most a temporary whose name starts with '.', which readers skip.
#include <functional>
#include <string>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus::analytics::stream {

// `before_rename` runs after the temporary file is complete and before the rename (crash tests).
NIMBUS_API void write_file_atomically(const std::string& path, std::string_view bytes,
                                      const std::function<void()>& before_rename = {});
// The whole file, byte for byte; IOError naming it when it cannot be read.
NIMBUS_API std::string read_whole_file(const std::string& path);

}  // namespace nimbus::analytics::stream
