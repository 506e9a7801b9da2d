#include "analytics/stream/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/atomic_file.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {

void write_file_atomically(const std::string& path, std::string_view bytes, const std::function<void()>& before_rename) {
  io::AtomicFileWriter file(path);
  file.write(bytes);
  file.commit(before_rename);
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  NIMBUS_CHECK_T(IOError, in.good(), "stream: cannot read '", path, "': ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace nimbus::analytics::stream
