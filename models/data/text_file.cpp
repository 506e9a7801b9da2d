#include "models/data/text_file.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <system_error>

#include "runtime/error.h"

namespace nimbus::data {

namespace {

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// A gzFile closed on scope exit.
class GzFile {
 public:
  explicit GzFile(gzFile file) : file_(file) {}
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;
  ~GzFile() {
    if (file_ != nullptr) gzclose(file_);
  }
  gzFile get() const { return file_; }

 private:
  gzFile file_;
};

std::string gz_error_text(gzFile file) {
  int code = Z_OK;
  const char* text = gzerror(file, &code);
  if (code == Z_ERRNO) return errno_text(errno);
  return text != nullptr && *text != '\0' ? text : "read error";
}

}  // namespace

std::string read_data_file(const std::string& path) {
  // gzopen opens folders and other non-files without complaint; stat first for a clear message.
  struct stat st {};
  NIMBUS_CHECK_T(IOError, ::stat(path.c_str(), &st) == 0, "cannot read '", path, "': ", errno_text(errno));
  NIMBUS_CHECK_T(IOError, !S_ISDIR(st.st_mode), "cannot read '", path, "': ", errno_text(EISDIR));
  NIMBUS_CHECK_T(IOError, S_ISREG(st.st_mode), "cannot read '", path, "': not a regular file");

  errno = 0;
  GzFile file(gzopen(path.c_str(), "rb"));
  NIMBUS_CHECK_T(IOError, file.get() != nullptr, "cannot read '", path, "': ",
                 errno != 0 ? errno_text(errno) : "out of memory");
  std::string bytes;
  constexpr unsigned kChunk = 1u << 20;
  for (;;) {
    const size_t old_size = bytes.size();
    bytes.resize(old_size + kChunk);
    const int got = gzread(file.get(), bytes.data() + old_size, kChunk);
    NIMBUS_CHECK_T(IOError, got >= 0, "cannot read '", path, "': ", gz_error_text(file.get()));
    bytes.resize(old_size + static_cast<size_t>(got));
    if (got == 0) break;
  }
  // gzread stops quietly at a truncated gzip stream; gzerror reports it.
  int code = Z_OK;
  gzerror(file.get(), &code);
  NIMBUS_CHECK_T(IOError, code == Z_OK, "cannot read '", path, "': ", gz_error_text(file.get()));
  return bytes;
}

std::string file_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace nimbus::data
