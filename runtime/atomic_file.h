#pragma once
// Files written atomically: the bytes go to a temporary file beside the target, which is flushed
// to disk and then renamed over the target, and the folder is flushed so the rename survives a
// crash. A reader (or a process restarted after a kill) sees either the old file or the complete
// new one, never a mixture. Checkpoints, weights, run metadata and the streaming engine's logs
// are written this way. Temporaries are named ".<name>.tmp-<pid>-<n>": readers skip dot-files.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus::io {

class NIMBUS_API AtomicFileWriter {
 public:
  // Creates the temporary file; throws IOError naming `path` when the folder is not writable or
  // `path` is a directory.
  explicit AtomicFileWriter(std::string path);
  // Without commit() the temporary is removed and an existing file at `path` is left untouched.
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Flushes, closes and renames the temporary over the target. `before_rename` runs in between,
  // with the temporary complete (crash tests stop there).
  void commit(const std::function<void()>& before_rename = {});

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  [[noreturn]] void fail(const char* step, int err) const;

  std::string path_, dir_, temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Replaces `path` with `content` atomically.
NIMBUS_API void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace nimbus::io
