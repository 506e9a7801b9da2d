#include "analytics/io/file_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "runtime/error.h"
#include "runtime/read_file.h"

namespace nimbus::analytics {

namespace {

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// A z_stream released on scope exit.
struct Inflater {
  z_stream stream{};
  Inflater() = default;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() { inflateEnd(&stream); }
};

}  // namespace

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string gunzip(std::string_view bytes, const std::string& source) {
  Inflater inflater;
  // 16 + MAX_WBITS: a gzip wrapper, not a raw or zlib stream.
  NIMBUS_CHECK_T(IOError, inflateInit2(&inflater.stream, 16 + MAX_WBITS) == Z_OK, "cannot read '", source,
                 "': cannot start zlib");
  std::string out;
  out.resize(std::max<size_t>(bytes.size() * 4, 1 << 16));
  z_stream& z = inflater.stream;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  size_t consumed = 0, produced = 0;
  for (;;) {
    const size_t in_chunk = std::min<size_t>(bytes.size() - consumed, 1u << 30);
    const size_t out_chunk = std::min<size_t>(out.size() - produced, 1u << 30);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + consumed));
    z.avail_in = static_cast<uInt>(in_chunk);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(out_chunk);
    const int code = inflate(&z, Z_NO_FLUSH);
    consumed += in_chunk - z.avail_in;
    produced += out_chunk - z.avail_out;
    if (code == Z_STREAM_END) {
      // Another gzip member may follow (files made with `cat a.gz b.gz`).
      if (consumed < bytes.size() && is_gzip(bytes.substr(consumed))) {
        NIMBUS_CHECK_T(IOError, inflateReset(&z) == Z_OK, "cannot read '", source, "': zlib reset failed");
        continue;
      }
      break;
    }
    NIMBUS_CHECK_T(IOError, code == Z_OK || code == Z_BUF_ERROR, "cannot read '", source, "': corrupt gzip data (",
                   z.msg != nullptr ? z.msg : "zlib error", ")");
    if (z.avail_out == 0) {
      out.resize(out.size() * 2);
      continue;
    }
    NIMBUS_CHECK_T(IOError, consumed < bytes.size(), "cannot read '", source,
                   "': truncated gzip data (the stream ends before its last block)");
  }
  out.resize(produced);
  return out;
}

std::string read_file_bytes(const std::string& path) {
  std::string bytes = io::read_file(path);
  return is_gzip(bytes) ? gunzip(bytes, path) : bytes;
}

FileBytes::FileBytes(const std::string& path) {
  struct stat st {};
  NIMBUS_CHECK_T(IOError, ::stat(path.c_str(), &st) == 0, "cannot read '", path, "': ", errno_text(errno));
  NIMBUS_CHECK_T(IOError, !S_ISDIR(st.st_mode), "cannot read '", path, "': ", errno_text(EISDIR));
  if (!S_ISREG(st.st_mode) || st.st_size == 0) {
    inflated_ = read_file_bytes(path);
    return;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  NIMBUS_CHECK_T(IOError, fd >= 0, "cannot read '", path, "': ", errno_text(errno));
  size_ = static_cast<size_t>(st.st_size);
  // MAP_POPULATE maps every page up front: one call instead of a page fault per 4 KiB.
  void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) {  // a file system that cannot map: read it instead
    size_ = 0;
    inflated_ = read_file_bytes(path);
    return;
  }
  mapped_ = mapped;
  if (is_gzip(view())) {
    std::string inflated;
    try {
      inflated = gunzip(view(), path);
    } catch (...) {
      ::munmap(mapped_, size_);
      throw;
    }
    inflated_ = std::move(inflated);
    ::munmap(mapped_, size_);
    mapped_ = nullptr;
    size_ = 0;
  }
}

FileBytes::~FileBytes() {
  if (mapped_ != nullptr) ::munmap(mapped_, size_);
}

}  // namespace nimbus::analytics
