#include "analytics/stream/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/error.h"

namespace nimbus::analytics::stream {

namespace fs = std::filesystem;

namespace {

void fail(const std::string& what, const std::string& path) {
  std::string message = "stream: cannot ";
  message += what;
  message += " '";
  message += path;
  message += "': ";
  message += std::strerror(errno);
  throw IOError(message);
}

void sync_folder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: some file systems cannot open folders
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string temporary_path(const std::string& path) {
  const fs::path p(path);
  std::string name = ".";
  name += p.filename().string();
  name += ".tmp";
  return (p.parent_path() / name).string();
}

void write_file_atomically(const std::string& path, std::string_view bytes, const std::function<void()>& before_rename) {
  const std::string temp = temporary_path(path);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail("create", temp);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fail("write", temp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("flush", temp);
  }
  ::close(fd);
  if (before_rename) before_rename();
  if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename into", path);
  const std::string folder = fs::path(path).parent_path().string();
  sync_folder(folder.empty() ? "." : folder);
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("read", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace nimbus::analytics::stream
