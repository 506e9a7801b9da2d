#include "runtime/read_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <system_error>

#include "runtime/error.h"

namespace nimbus::io {

namespace {

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

}  // namespace

std::string read_file(const std::string& path) {
  struct stat st {};
  NIMBUS_CHECK_T(IOError, ::stat(path.c_str(), &st) == 0, "cannot read '", path, "': ", errno_text(errno));
  NIMBUS_CHECK_T(IOError, !S_ISDIR(st.st_mode), "cannot read '", path, "': ", errno_text(EISDIR));
  NIMBUS_CHECK_T(IOError, S_ISREG(st.st_mode), "cannot read '", path, "': not a regular file");
  std::ifstream in(path, std::ios::binary);
  NIMBUS_CHECK_T(IOError, in.good(), "cannot read '", path, "': ", errno_text(errno));
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  NIMBUS_CHECK_T(IOError, in.gcount() == static_cast<std::streamsize>(bytes.size()), "cannot read '", path,
                 "': the file changed size while being read");
  return bytes;
}

}  // namespace nimbus::io
