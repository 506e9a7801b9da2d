#include "runtime/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <system_error>

#include "runtime/error.h"

namespace nimbus::io {

namespace {

// Linux transfers at most about 2 GiB per write call; larger writes take several.
constexpr size_t kMaxChunk = size_t{1} << 30;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  // A directory at `path` would otherwise be discovered only by the rename, after all the writing.
  struct stat st {};
  NIMBUS_CHECK_T(IOError, !(::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)), "cannot write '", path_,
                 "': ", errno_text(EISDIR));
  const size_t slash = path_.find_last_of('/');
  dir_ = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  static std::atomic<uint64_t> counter{0};
  for (int attempt = 0;; ++attempt) {
    // Same folder, so the final rename stays on one filesystem and is atomic.
    temp_path_ = dir_ + "." + base + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    // 0666 lets the umask decide the permissions, as for any newly created file.
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) return;
    const int err = errno;
    if (err != EEXIST || attempt >= 100)
      NIMBUS_THROW(IOError, "cannot write '", path_, "': cannot create a temporary file in its folder: ",
                   errno_text(err));
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFileWriter::fail(const char* step, int err) const {
  NIMBUS_THROW(IOError, "cannot write '", path_, "': ", errno_text(err), " (", step, " '", temp_path_, "')");
}

void AtomicFileWriter::write(const void* data, size_t size) {
  NIMBUS_CHECK_T(IOError, fd_ >= 0 && !committed_, "cannot write '", path_, "': the file was already committed");
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t put = ::write(fd_, p, std::min(size, kMaxChunk));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) fail("writing the temporary file", errno);
    p += put;
    size -= static_cast<size_t>(put);
  }
}

void AtomicFileWriter::commit(const std::function<void()>& before_rename) {
  NIMBUS_CHECK_T(IOError, fd_ >= 0 && !committed_, "cannot write '", path_, "': the file was already committed");
  if (::fsync(fd_) != 0) fail("flushing the temporary file", errno);
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) fail("closing the temporary file", errno);
  if (before_rename) before_rename();
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("renaming the temporary file", errno);
  committed_ = true;
  // Make the rename durable. Some filesystems refuse fsync on a directory; the file is already in
  // place by then, so that is not reported as a failure.
  const int dir = ::open(dir_.empty() ? "." : dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::string& path, std::string_view content) {
  AtomicFileWriter file(path);
  file.write(content);
  file.commit();
}

}  // namespace nimbus::io
