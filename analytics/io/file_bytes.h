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

// The bytes of a file for reading in place, without read_file_bytes's copy: a plain file is mapped
// into memory (its pages come straight from the page cache, nothing is zero-filled or copied), a
// gzip file is inflated into memory. Same errors as read_file_bytes. The file must not be
// truncated while the object lives (reading a vanished page of a mapping raises SIGBUS).
class NIMBUS_API FileBytes {
 public:
  explicit FileBytes(const std::string& path);
  ~FileBytes();
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  std::string_view view() const { return mapped_ ? std::string_view(static_cast<const char*>(mapped_), size_) : inflated_; }

 private:
  void* mapped_ = nullptr;  // the mapping of a plain, non-empty file
  size_t size_ = 0;
  std::string inflated_;    // otherwise: the bytes (inflated when gzip)
};

NIMBUS_API bool is_gzip(std::string_view bytes);
// Inflates gzip bytes; `source` names them in IOError messages.
NIMBUS_API std::string gunzip(std::string_view bytes, const std::string& source);

}  // namespace nimbus::analytics
