// Reading and writing safetensors files.
//
// Design note: reading validates the whole header first (safetensors_header.cpp) and refuses
// dtypes nimbus has no type for before anything is allocated; then each tensor gets its own CPU
// buffer from the pool and its bytes are read straight into it with pread, so a file is read once
// and never held in memory twice, and every tensor is aligned for its dtype whatever its offset in
// the file. (Mapping the file would share pages with the page cache, but offsets in the data
// section need not be aligned, tensors would pin the mapping, and moving weights to a GPU copies
// them anyway.) Tensors move to the requested device one at a time after loading.
//
// Writing streams the header and then each tensor's bytes, made contiguous and brought to the CPU
// one tensor at a time, through an AtomicFileWriter (runtime/atomic_file.h): a failure or a
// kill leaves an existing file untouched. The writer keeps the
// caller's order in the header and in the data, so a load returns the tensors in that order.
#include "frontend/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "runtime/atomic_file.h"
#include "frontend/io/safetensors_format.h"
#include "runtime/error.h"

namespace nimbus {

static_assert(std::endian::native == std::endian::little,
              "safetensors stores little-endian data, which is read and written here without swapping");

namespace {

using Json = nlohmann::ordered_json;

// Linux transfers at most about 2 GiB per read call; larger tensors take several.
constexpr size_t kMaxChunk = size_t{1} << 30;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// An open file descriptor, closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// ---------------------------------------------------------------------------------------------
// Reading

// A file opened for reading, with its size.
struct InputFile {
  explicit InputFile(const std::string& path) : path(path), fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    NIMBUS_CHECK_T(IOError, fd.get() >= 0, "cannot read '", path, "': ", errno_text(errno));
    struct stat st {};
    NIMBUS_CHECK_T(IOError, ::fstat(fd.get(), &st) == 0, "cannot read '", path, "': ", errno_text(errno));
    NIMBUS_CHECK_T(IOError, !S_ISDIR(st.st_mode), "cannot read '", path, "': ", errno_text(EISDIR));
    NIMBUS_CHECK_T(IOError, S_ISREG(st.st_mode), "cannot read '", path, "': not a regular file");
    size = static_cast<uint64_t>(st.st_size);
  }

  // Reads exactly n bytes at `offset`.
  void read_at(uint64_t offset, void* dst, size_t n) const {
    auto* out = static_cast<char*>(dst);
    while (n > 0) {
      const ssize_t got = ::pread(fd.get(), out, std::min(n, kMaxChunk), static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      NIMBUS_CHECK_T(IOError, got >= 0, "cannot read '", path, "': ", errno_text(errno));
      NIMBUS_CHECK_T(IOError, got > 0, "cannot read '", path, "': the file ended at byte ", offset,
                     " (was it truncated while being read?)");
      out += got;
      offset += static_cast<uint64_t>(got);
      n -= static_cast<size_t>(got);
    }
  }

  SafetensorsHeader header() const {
    unsigned char prefix[8] = {};
    if (size >= 8) read_at(0, prefix, 8);
    const uint64_t n = detail::checked_header_length(prefix, size, path);
    std::string json(n, '\0');
    read_at(8, json.data(), n);
    return detail::parse_header_json(json, size - 8 - n, path);
  }

  std::string path;
  Fd fd;
  uint64_t size = 0;
};

// Where the data section's bytes come from: copies n bytes at a file offset into dst.
using ReadAt = std::function<void(uint64_t offset, void* dst, size_t n)>;

std::string supported_list() {
  std::string names;
  for (DType t : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i64, DType::i32, DType::u8, DType::boolean})
    names += (names.empty() ? "" : ", ") + std::string(safetensors_dtype_name(t));
  return names;
}

SafetensorsFile load_tensors(const SafetensorsHeader& header, const ReadAt& read, const std::string& source,
                             Device device) {
  // Refuse the whole file before reading any data rather than fail half way.
  for (const SafetensorsEntry& e : header.tensors) {
    NIMBUS_CHECK_T(DTypeError, safetensors_dtype_supported(e.dtype), source, ": tensor '", e.name, "': dtype ",
                   e.dtype, " is not supported by nimbus (it loads ", supported_list(), ")");
  }
  SafetensorsFile out;
  out.metadata = header.metadata;
  out.tensors.reserve(header.tensors.size());
  for (const SafetensorsEntry& e : header.tensors) {
    const DType dtype = detail::find_safetensors_dtype(e.dtype)->dtype;
    Tensor t = empty(e.shape, {dtype, Device::cpu()});
    if (e.nbytes() > 0) read(header.data_start() + e.begin, t.data_ptr(), e.nbytes());
    if (dtype == DType::boolean) {
      // Any other byte would be an invalid C++ bool, so it is refused here rather than misread later.
      const auto* bytes = static_cast<const uint8_t*>(t.data_ptr());
      for (uint64_t i = 0; i < e.nbytes(); ++i) {
        NIMBUS_CHECK_T(ParseError, bytes[i] <= 1, source, ": tensor '", e.name, "': BOOL element ", i,
                       " has byte value ", static_cast<int>(bytes[i]), ", expected 0 or 1");
      }
    }
    out.tensors.emplace_back(e.name, t.to(device));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

void check_utf8(const std::string& text, const char* what) {
  NIMBUS_CHECK_T(Error, detail::find_invalid_utf8(text) == std::string_view::npos, "save_safetensors: ", what,
                 " is not valid UTF-8 (the header is JSON text)");
}

// The padded header text for `tensors` written in order; checks the inputs first.
std::string build_header(const NamedTensors& tensors, const SafetensorsMetadata& metadata) {
  Json root = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [key, value] : metadata) {
      check_utf8(key, "a metadata key");
      check_utf8(value, ("metadata value of '" + key + "'").c_str());
      meta[key] = value;
    }
    root["__metadata__"] = std::move(meta);
  }
  std::set<std::string_view> names;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    NIMBUS_CHECK_T(Error, t.defined(), "save_safetensors: tensor '", name, "' is undefined");
    NIMBUS_CHECK_T(Error, name != "__metadata__", "save_safetensors: '__metadata__' is reserved for metadata and ",
                   "cannot name a tensor");
    check_utf8(name, "a tensor name");
    NIMBUS_CHECK_T(Error, names.insert(name).second, "save_safetensors: tensor name '", name, "' is used twice");
    const uint64_t nbytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    Json entry = Json::object();
    entry["dtype"] = std::string(safetensors_dtype_name(t.dtype()));
    entry["shape"] = t.shape();
    entry["data_offsets"] = Json::array({offset, offset + nbytes});
    root[name] = std::move(entry);
    offset += nbytes;
  }
  std::string text = root.dump();
  // Padding to a multiple of 8 keeps the data section 8-byte aligned in the file, as the
  // reference writer does.
  text.append((8 - text.size() % 8) % 8, ' ');
  NIMBUS_CHECK_T(Error, text.size() <= kSafetensorsMaxHeaderBytes, "save_safetensors: the header would be ",
                 text.size(), " bytes, over the format's limit of ", kSafetensorsMaxHeaderBytes);
  return text;
}

// Emits the whole file, given its header text, through `sink(bytes, n)`.
void write_file(const std::string& header, const NamedTensors& tensors,
                const std::function<void(const void*, size_t)>& sink) {
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(uint64_t{header.size()} >> (8 * i));
  sink(length, 8);
  sink(header.data(), header.size());
  for (const auto& [name, t] : tensors) {
    // One tensor at a time on the host, so saving GPU weights needs host memory for the largest only.
    const Tensor host = t.to(Device::cpu()).contiguous();
    const size_t nbytes = static_cast<size_t>(host.numel()) * host.element_size();
    if (nbytes > 0) sink(host.data_ptr(), nbytes);
  }
}

}  // namespace

const Tensor* SafetensorsFile::find(std::string_view name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

const Tensor& SafetensorsFile::at(std::string_view name) const {
  const Tensor* t = find(name);
  NIMBUS_CHECK(t != nullptr, "safetensors: no tensor named '", name, "' (the file has ", tensors.size(),
               " tensors)");
  return *t;
}

SafetensorsHeader read_safetensors_header(const std::string& path) { return InputFile(path).header(); }

SafetensorsHeader parse_safetensors_header(const void* bytes, size_t size, const std::string& source) {
  const auto* p = static_cast<const unsigned char*>(bytes);
  const uint64_t n = detail::checked_header_length(p, size, source);
  return detail::parse_header_json(std::string_view(reinterpret_cast<const char*>(p) + 8, n), size - 8 - n, source);
}

SafetensorsFile load_safetensors(const std::string& path, Device device) {
  const InputFile file(path);
  const SafetensorsHeader header = file.header();
  return load_tensors(
      header, [&](uint64_t offset, void* dst, size_t n) { file.read_at(offset, dst, n); }, path, device);
}

SafetensorsFile parse_safetensors(const void* bytes, size_t size, const std::string& source, Device device) {
  const SafetensorsHeader header = parse_safetensors_header(bytes, size, source);
  const auto* p = static_cast<const char*>(bytes);
  return load_tensors(
      header, [&](uint64_t offset, void* dst, size_t n) { std::memcpy(dst, p + offset, n); }, source, device);
}

std::vector<uint8_t> serialize_safetensors(const NamedTensors& tensors, const SafetensorsMetadata& metadata) {
  std::vector<uint8_t> out;
  write_file(build_header(tensors, metadata), tensors, [&](const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    out.insert(out.end(), p, p + n);
  });
  return out;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors, const SafetensorsMetadata& metadata) {
  const std::string header = build_header(tensors, metadata);  // invalid input fails before a file exists
  io::AtomicFileWriter file(path);
  write_file(header, tensors, [&](const void* data, size_t n) { file.write(data, n); });
  file.commit();
}

}  // namespace nimbus
