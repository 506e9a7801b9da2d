// safetensors: round trips of every dtype and layout, the exact bytes of the format, atomic
// writes, one test per way a file can be malformed, and a file written by the Python package.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "frontend/io/safetensors.h"

namespace nimbus {
namespace {

namespace fs = std::filesystem;

// ---- helpers ----

std::vector<uint8_t> raw_bytes(const Tensor& t) {
  const Tensor c = t.to(Device::cpu()).contiguous();
  const size_t n = static_cast<size_t>(c.numel()) * c.element_size();
  std::vector<uint8_t> out(n);
  if (n) std::memcpy(out.data(), c.data_ptr(), n);
  return out;
}

template <typename T>
Tensor tensor_of(const std::vector<T>& values, Shape shape, DType dtype) {
  return from_host(values.data(), dtype, shape);
}

// A file with an arbitrary header text and `data` after it; the header length says what
// `declared` says (the real length when negative).
std::vector<uint8_t> file_bytes(const std::string& header, const std::vector<uint8_t>& data = {},
                                int64_t declared = -1) {
  const uint64_t n = declared < 0 ? header.size() : static_cast<uint64_t>(declared);
  std::vector<uint8_t> out(8 + header.size() + data.size());
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  for (size_t i = 0; i < header.size(); ++i) out[8 + i] = static_cast<uint8_t>(header[i]);
  for (size_t i = 0; i < data.size(); ++i) out[8 + header.size() + i] = data[i];
  return out;
}

SafetensorsFile parse(const std::vector<uint8_t>& bytes) {
  return parse_safetensors(bytes.data(), bytes.size(), "model.safetensors");
}

// Runs `fn`, expects exception E, and returns its message.
template <typename E, typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no exception";
  return {};
}

// Expects parsing `bytes` to throw ParseError whose message names the file and holds `words`.
void expect_parse_error(const std::vector<uint8_t>& bytes, std::initializer_list<std::string> words) {
  const std::string msg = error_of<ParseError>([&] { parse(bytes); });
  EXPECT_TRUE(msg.starts_with("model.safetensors: ")) << msg;
  for (const auto& w : words) EXPECT_NE(msg.find(w), std::string::npos) << "'" << w << "' not in: " << msg;
}

std::vector<uint8_t> zeros_of(size_t n) { return std::vector<uint8_t>(n, 0); }

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("nimbus_st_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  fs::path path_;
};

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_same_tensors(const NamedTensors& expected, const SafetensorsFile& got) {
  ASSERT_EQ(got.tensors.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(expected[i].first);
    EXPECT_EQ(got.tensors[i].first, expected[i].first);
    const Tensor& t = got.tensors[i].second;
    EXPECT_EQ(t.dtype(), expected[i].second.dtype());
    EXPECT_EQ(t.shape(), expected[i].second.shape());
    // (Tensor::is_contiguous reports false for some empty shapes, such as [2, 0]; not ours to check.)
    EXPECT_TRUE(t.numel() == 0 || t.is_contiguous());
    EXPECT_EQ(t.device(), Device::cpu());
    EXPECT_EQ(raw_bytes(t), raw_bytes(expected[i].second));
  }
}

// One tensor of every supported dtype, with the values that catch conversions: NaN payloads,
// -0.0, infinities, subnormals and integer extremes; plus 0-d, empty and non-contiguous tensors.
NamedTensors every_kind() {
  const Tensor f32 = tensor_of<float>({0.0f, -0.0f, 1.5f, -1e-45f, 3.4028235e38f, -INFINITY}, {2, 3}, DType::f32);
  uint32_t nan_payload = 0x7fc12345u;
  const Tensor f32_nan = from_host(&nan_payload, DType::f32, {});
  const Tensor f64 = tensor_of<double>({0.1, -2.5, 1e300, 5e-324, -0.0}, {5}, DType::f64);
  // 16-bit floats given as bits: they must come back bit for bit, NaN payloads included.
  const Tensor f16 = tensor_of<uint16_t>({0x3c00, 0x8000, 0x7bff, 0x0001, 0x7c00, 0x7e01}, {3, 2}, DType::f16);
  const Tensor bf16 = tensor_of<uint16_t>({0x3f80, 0xc040, 0x7f7f, 0x0001, 0x8000, 0x7fc1, 0xff80, 0x0080},
                                          {2, 2, 2}, DType::bf16);
  const Tensor i64 = tensor_of<int64_t>({INT64_MIN, -1, 0, INT64_MAX}, {4}, DType::i64);
  const Tensor i32 = tensor_of<int32_t>({INT32_MIN, 7, INT32_MAX}, {1, 3}, DType::i32);
  const Tensor u8 = tensor_of<uint8_t>({0, 1, 127, 128, 255, 3}, {6}, DType::u8);
  const Tensor mask = from_vector<bool>({true, false, true}, Shape{3});
  const Tensor base = arange(0, 24, 1, DType::f32).reshape({4, 6});
  return {
      {"f32", f32},
      {"f32.nan_0d", f32_nan},
      {"f64", f64},
      {"f16", f16},
      {"bf16", bf16},
      {"i64", i64},
      {"i32", i32},
      {"u8", u8},
      {"bool", mask},
      {"scalar.i64", scalar_tensor(42, DType::i64)},
      {"empty.f32", empty({0, 3}, DType::f32)},
      {"empty.bool", empty({2, 0}, DType::boolean)},
      {"transposed", base.t()},
      {"strided", base.slice(1, 1, 6, 2)},
      {"expanded", from_vector<int32_t>({1, 2, 3}).expand({2, 3})},
      {"bf16.transposed", bf16.permute({2, 0, 1})},
  };
}

// ---- round trips ----

TEST(Safetensors, RoundTripEveryDtypeInMemory) {
  const NamedTensors tensors = every_kind();
  const std::vector<uint8_t> bytes = serialize_safetensors(tensors);
  expect_same_tensors(tensors, parse(bytes));
}

TEST(Safetensors, RoundTripEveryDtypeThroughAFile) {
  TempDir dir;
  const NamedTensors tensors = every_kind();
  const SafetensorsMetadata metadata = {{"format", "pt"}, {"epoch", "3"}, {"note", "unicode \u2713"}, {"empty", ""}};
  save_safetensors(dir.file("model.safetensors"), tensors, metadata);
  const SafetensorsFile loaded = load_safetensors(dir.file("model.safetensors"));
  expect_same_tensors(tensors, loaded);
  EXPECT_EQ(loaded.metadata, metadata);
  EXPECT_EQ(read_file(dir.file("model.safetensors")), serialize_safetensors(tensors, metadata));
  // The device argument is honoured (the CPU here; a GPU build moves each tensor after loading).
  EXPECT_EQ(load_safetensors(dir.file("model.safetensors"), Device::cpu()).at("bf16").device(), Device::cpu());
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.safetensors"});
}

TEST(Safetensors, NoTensorsAndNoMetadata) {
  const std::vector<uint8_t> bytes = serialize_safetensors({});
  EXPECT_EQ(bytes.size(), 16u);  // "{}" padded to 8 bytes
  const SafetensorsFile f = parse(bytes);
  EXPECT_TRUE(f.tensors.empty());
  EXPECT_TRUE(f.metadata.empty());
}

TEST(Safetensors, WritesTheFormatExactly) {
  const NamedTensors tensors = {{"b", tensor_of<float>({1.0f, 2.0f}, {2}, DType::f32)},
                                {"a", tensor_of<uint8_t>({7}, {}, DType::u8)}};
  const std::vector<uint8_t> bytes = serialize_safetensors(tensors, {{"k", "v"}});
  const std::string json =
      R"({"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("a":{"dtype":"U8","shape":[],"data_offsets":[8,9]}})";
  const size_t padded = (json.size() + 7) / 8 * 8;
  ASSERT_EQ(bytes.size(), 8 + padded + 9);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  EXPECT_EQ(n, padded);
  EXPECT_EQ(n % 8, 0u);
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + padded);
  EXPECT_EQ(header, json + std::string(padded - json.size(), ' '));
  const std::vector<uint8_t> data(bytes.begin() + 8 + padded, bytes.end());
  EXPECT_EQ(data, (std::vector<uint8_t>{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 7}));  // little-endian, packed
}

TEST(Safetensors, LoadOrderIsDataOrderAndLookupByName) {
  // Header order differs from data order here; tensors come back in data order.
  const std::string header =
      R"({"second":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"first":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
  const SafetensorsFile f = parse(file_bytes(header, {10, 20}));
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors[0].first, "first");
  EXPECT_EQ(f.at("second").item<int>(), 20);
  EXPECT_EQ(f.find("third"), nullptr);
  const std::string msg = error_of<Error>([&] { f.at("third"); });
  EXPECT_NE(msg.find("'third'"), std::string::npos) << msg;
}

TEST(Safetensors, HeaderOnlyReadDescribesTheFile) {
  TempDir dir;
  save_safetensors(dir.file("m.safetensors"), every_kind(), {{"format", "pt"}});
  const SafetensorsHeader h = read_safetensors_header(dir.file("m.safetensors"));
  EXPECT_EQ(h.tensors.size(), every_kind().size());
  EXPECT_EQ(h.tensors[1].name, "f32.nan_0d");
  EXPECT_EQ(h.tensors[1].dtype, "F32");
  EXPECT_TRUE(h.tensors[1].shape.empty());
  EXPECT_EQ(h.tensors[4].dtype, "BF16");
  EXPECT_EQ(h.header_bytes % 8, 0u);
  EXPECT_EQ(h.file_bytes(), fs::file_size(dir.file("m.safetensors")));
  EXPECT_EQ(h.metadata.at("format"), "pt");
}

// ---- writer input ----

TEST(Safetensors, WriterRefusesInvalidInputBeforeCreatingAFile) {
  TempDir dir;
  const Tensor t = zeros({2});
  const std::string path = dir.file("bad.safetensors");
  std::string msg = error_of<Error>([&] { save_safetensors(path, {{"a", t}, {"a", t}}); });
  EXPECT_NE(msg.find("'a' is used twice"), std::string::npos) << msg;
  msg = error_of<Error>([&] { save_safetensors(path, {{"__metadata__", t}}); });
  EXPECT_NE(msg.find("reserved"), std::string::npos) << msg;
  msg = error_of<Error>([&] { save_safetensors(path, {{"x", Tensor()}}); });
  EXPECT_NE(msg.find("'x' is undefined"), std::string::npos) << msg;
  msg = error_of<Error>([&] { save_safetensors(path, {{"bad\xff", t}}); });
  EXPECT_NE(msg.find("UTF-8"), std::string::npos) << msg;
  msg = error_of<Error>([&] { save_safetensors(path, {{"a", t}}, {{"k", "\xc0\x80"}}); });
  EXPECT_NE(msg.find("UTF-8"), std::string::npos) << msg;
  EXPECT_TRUE(dir.entries().empty());
}

// ---- atomic writes ----

TEST(SafetensorsAtomicWrite, OverwritesAndLeavesNoTemporary) {
  TempDir dir;
  const std::string path = dir.file("w.safetensors");
  save_safetensors(path, {{"a", ones({3})}});
  save_safetensors(path, {{"b", zeros({5}, DType::i64)}});
  const SafetensorsFile f = load_safetensors(path);
  ASSERT_EQ(f.tensors.size(), 1u);
  EXPECT_EQ(f.tensors[0].first, "b");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"w.safetensors"});
}

TEST(SafetensorsAtomicWrite, PathIsADirectory) {
  TempDir dir;
  fs::create_directory(dir.path() / "model.safetensors");
  const std::string path = dir.file("model.safetensors");
  const std::string msg = error_of<IOError>([&] { save_safetensors(path, {{"a", ones({3})}}); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("Is a directory"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_directory(path));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.safetensors"});
}

TEST(SafetensorsAtomicWrite, MissingFolder) {
  TempDir dir;
  const std::string path = dir.file("no/such/folder/m.safetensors");
  const std::string msg = error_of<IOError>([&] { save_safetensors(path, {{"a", ones({3})}}); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  EXPECT_TRUE(dir.entries().empty());
}

TEST(SafetensorsAtomicWrite, FailureMidWriteKeepsTheExistingFile) {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  save_safetensors(path, {{"good", arange(0, 10, 1, DType::f32)}});
  const std::vector<uint8_t> before = read_file(path);
  // A file-size limit makes the write itself fail part way (EFBIG), as a full disk would.
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string msg = error_of<IOError>([&] { save_safetensors(path, {{"big", zeros({100000})}}); });
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("File too large"), std::string::npos) << msg;
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.safetensors"});
  EXPECT_EQ(load_safetensors(path).at("good").to_vector<float>()[9], 9.0f);
}

TEST(SafetensorsAtomicWrite, ReadOnlyFolder) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  save_safetensors(path, {{"good", ones({2})}});
  const std::vector<uint8_t> before = read_file(path);
  fs::permissions(dir.path(), fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  const std::string msg = error_of<IOError>([&] { save_safetensors(path, {{"new", zeros({2})}}); });
  fs::permissions(dir.path(), fs::perms::owner_write, fs::perm_options::add);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("Permission denied"), std::string::npos) << msg;
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.safetensors"});
}

// ---- malformed files: one message each ----

TEST(SafetensorsCorrupt, FileShorterThanEightBytes) {
  expect_parse_error({}, {"file is 0 bytes", "too short"});
  expect_parse_error({1, 0, 0, 0, 0}, {"file is 5 bytes", "8-byte header length"});
}

TEST(SafetensorsCorrupt, HeaderLengthLargerThanTheFile) {
  expect_parse_error(file_bytes("{}", {}, 1000), {"header length 1000", "larger than the 2 bytes"});
  expect_parse_error(file_bytes("{}", {}, INT64_MAX), {"header length 9223372036854775807"});
}

TEST(SafetensorsCorrupt, HeaderLengthOverTheCapIsRefusedBeforeReading) {
  // A sparse file larger than the cap, whose header length fits the file but not the cap.
  TempDir dir;
  const std::string path = dir.file("huge.safetensors");
  {
    const std::vector<uint8_t> prefix = file_bytes("", {}, 150'000'000);
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(prefix.data()), 8);
  }
  fs::resize_file(path, 200'000'000);
  const std::string msg = error_of<ParseError>([&] { load_safetensors(path); });
  EXPECT_NE(msg.find(path + ": header length 150000000 exceeds the limit of 100000000"), std::string::npos) << msg;
}

TEST(SafetensorsCorrupt, HeaderNotUtf8NotJsonNotAnObject) {
  expect_parse_error(file_bytes(""), {"header is empty"});
  expect_parse_error(file_bytes("{\"a\xff\":1}"), {"not valid UTF-8", "byte 3"});
  expect_parse_error(file_bytes("{\"\xed\xa0\x80\":1}"), {"not valid UTF-8"});  // a UTF-16 surrogate
  expect_parse_error(file_bytes("{\"a\": "), {"not valid JSON"});
  expect_parse_error(file_bytes("{\"a\":{}} x"), {"not valid JSON"});
  expect_parse_error(file_bytes("[1, 2]  "), {"does not start with '{'", "0x5b"});
  expect_parse_error(file_bytes(" {}"), {"does not start with '{'"});
  expect_parse_error(file_bytes(std::string(1000, '{')), {"nests JSON more than 4 levels"});
  expect_parse_error(file_bytes(R"({"a":{"shape":[[[[1]]]]}})"), {"nests JSON"});
}

TEST(SafetensorsCorrupt, EntryMissingFieldsOrWrongTypes) {
  expect_parse_error(file_bytes(R"({"w":3})"), {"tensor 'w'", "entry is 3", "expected an object"});
  expect_parse_error(file_bytes(R"({"w":{"shape":[1],"data_offsets":[0,1]}})"), {"tensor 'w'", "no \"dtype\""});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"U8","data_offsets":[0,1]}})"), {"tensor 'w'", "no \"shape\""});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"U8","shape":[1]}})"), {"tensor 'w'", "no \"data_offsets\""});
  expect_parse_error(file_bytes(R"({"w":{"dtype":5,"shape":[1],"data_offsets":[0,1]}})"),
                     {"tensor 'w'", "dtype is 5", "expected a string"});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"U8","shape":"1","data_offsets":[0,1]}})"),
                     {"tensor 'w'", "shape is the string \"1\""});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0]}})"),
                     {"tensor 'w'", "data_offsets is [0]", "expected [begin, end]"});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":{"begin":0}}})"),
                     {"data_offsets is an object"});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,"1"]}})"),
                     {"data_offsets [0,\"1\"] has the string \"1\""});
}

TEST(SafetensorsCorrupt, NegativeOrNonIntegerDims) {
  expect_parse_error(file_bytes(R"({"w":{"dtype":"F32","shape":[10,-1],"data_offsets":[0,40]}})", zeros_of(40)),
                     {"tensor 'w'", "shape [10,-1] has a negative value -1"});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", zeros_of(8)),
                     {"tensor 'w'", "shape [2.5] has 2.5", "non-negative integers"});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", zeros_of(8)),
                     {"has 2.0"});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}})", zeros_of(4)),
                     {"has true"});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})"),
                     {"data_offsets [-1,0] has a negative value -1"});
  expect_parse_error(
      file_bytes(R"({"w":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]}})"),
      {"tensor 'w'", "too large"});
  // An empty tensor needs no bytes, but dims whose product overflows cannot have strides.
  expect_parse_error(
      file_bytes(R"({"w":{"dtype":"U8","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})"), {"too large"});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,0]}})"),
                     {"too large"});
}

TEST(SafetensorsCorrupt, UnknownAndUnsupportedDtypes) {
  expect_parse_error(file_bytes(R"({"w":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}})", zeros_of(4)),
                     {"tensor 'w'", "unknown dtype 'F17'", "BF16"});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", zeros_of(4)),
                     {"unknown dtype 'f32'"});
  // Dtypes the format defines but nimbus has no type for: readable header, refused load.
  for (const char* dtype : {"I8", "I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "C64"}) {
    SCOPED_TRACE(dtype);
    const int bytes = std::string_view(dtype).find("16") != std::string_view::npos   ? 2
                      : std::string_view(dtype).find("32") != std::string_view::npos ? 4
                      : std::string_view(dtype).find("64") != std::string_view::npos ? 8
                                                                                     : 1;
    const std::vector<uint8_t> f = file_bytes(std::string(R"({"q":{"dtype":")") + dtype +
                                                  R"(","shape":[2],"data_offsets":[0,)" + std::to_string(2 * bytes) +
                                                  "]}}",
                                              zeros_of(2 * bytes));
    EXPECT_EQ(parse_safetensors_header(f.data(), f.size(), "q.safetensors").tensors.at(0).dtype, dtype);
    EXPECT_FALSE(safetensors_dtype_supported(dtype));
    const std::string msg = error_of<DTypeError>([&] { parse_safetensors(f.data(), f.size(), "q.safetensors"); });
    EXPECT_NE(msg.find(std::string("q.safetensors: tensor 'q': dtype ") + dtype + " is not supported by nimbus"),
              std::string::npos)
        << msg;
  }
  // Sub-byte dtypes must fill whole bytes.
  expect_parse_error(file_bytes(R"({"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", zeros_of(2)),
                     {"F4 shape [3] holds 12 bits"});
}

TEST(SafetensorsCorrupt, ShapeDisagreesWithByteRange) {
  const std::vector<uint8_t> f =
      file_bytes(R"({"fc.weight":{"dtype":"F32","shape":[10,64],"data_offsets":[0,2000]}})", zeros_of(2000));
  EXPECT_EQ(error_of<ParseError>([&] { parse(f); }),
            "model.safetensors: tensor 'fc.weight': shape [10, 64] needs 2560 bytes, data_offsets [0, 2000] hold 2000");
  expect_parse_error(file_bytes(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0,4]}})", zeros_of(4)),
                     {"tensor 's'", "shape [] needs 8 bytes", "hold 4"});
}

TEST(SafetensorsCorrupt, OffsetsReversedOrOutsideTheData) {
  expect_parse_error(file_bytes(R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[8,4]}})", zeros_of(8)),
                     {"tensor 'w'", "data_offsets [8, 4] are reversed"});
  expect_parse_error(file_bytes(R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}})", zeros_of(8)),
                     {"tensor 'w'", "data_offsets [6, 10] reach past the end of the data section (8 bytes)"});
  // A truncated file: the last tensor's bytes are missing.
  std::vector<uint8_t> cut = serialize_safetensors({{"a", ones({4})}, {"b", ones({4})}});
  cut.resize(cut.size() - 3);
  expect_parse_error(cut, {"tensor 'b'", "reach past the end of the data section"});
}

TEST(SafetensorsCorrupt, OverlapsAndHoles) {
  expect_parse_error(file_bytes(R"({"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]}})",
                                zeros_of(12)),
                     {"tensors 'a' (data_offsets [0, 8]) and 'b' (data_offsets [4, 12]) overlap"});
  expect_parse_error(file_bytes(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                R"("b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})",
                                zeros_of(4)),
                     {"overlap"});
  // An empty tensor placed inside another's bytes also overlaps it.
  expect_parse_error(file_bytes(R"({"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},)"
                                R"("e":{"dtype":"U8","shape":[0],"data_offsets":[4,4]}})",
                                zeros_of(8)),
                     {"'a'", "'e'", "overlap"});
  expect_parse_error(file_bytes(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                R"("b":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}})",
                                zeros_of(10)),
                     {"bytes [4, 6) of the data section belong to no tensor", "before tensor 'b'", "no holes"});
  expect_parse_error(file_bytes(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})", zeros_of(6)),
                     {"bytes [0, 2)", "belong to no tensor"});
  expect_parse_error(file_bytes(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", zeros_of(7)),
                     {"the data section has 7 bytes but the tensors cover only 4", "no holes"});
  expect_parse_error(file_bytes("{}", zeros_of(1)), {"has 1 bytes but the tensors cover only 0"});
}

TEST(SafetensorsCorrupt, DuplicateNamesAndKeys) {
  expect_parse_error(file_bytes(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                                R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                                zeros_of(2)),
                     {"'a' appears twice in the header"});
  expect_parse_error(file_bytes(R"({"a":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}})", zeros_of(1)),
                     {"tensor 'a': key 'dtype' appears twice"});
  expect_parse_error(file_bytes(R"({"__metadata__":{},"__metadata__":{}})"), {"'__metadata__' appears twice"});
  expect_parse_error(file_bytes(R"({"__metadata__":{"k":"1","k":"2"}})"), {"__metadata__: key 'k' appears twice"});
}

TEST(SafetensorsCorrupt, MetadataMustMapStringsToStrings) {
  expect_parse_error(file_bytes(R"({"__metadata__":{"epoch":3}})"),
                     {"__metadata__ 'epoch' is 3", "expected a string"});
  expect_parse_error(file_bytes(R"({"__metadata__":{"cfg":{"a":"b"}}})"), {"__metadata__ 'cfg' is an object"});
  expect_parse_error(file_bytes(R"({"__metadata__":["a"]})"), {"__metadata__ is an array", "expected an object"});
  expect_parse_error(file_bytes(R"({"__metadata__":null})"), {"__metadata__ is null"});
  const SafetensorsFile f = parse(file_bytes(R"({"__metadata__":{"a":"1","b":""}})"));
  EXPECT_EQ(f.metadata, (SafetensorsMetadata{{"a", "1"}, {"b", ""}}));
}

TEST(SafetensorsCorrupt, BoolBytesMustBeZeroOrOne) {
  expect_parse_error(file_bytes(R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", {1, 0, 2}),
                     {"tensor 'm'", "BOOL element 2 has byte value 2"});
}

TEST(SafetensorsCorrupt, UnreadableFiles) {
  TempDir dir;
  const std::string missing = dir.file("missing.safetensors");
  std::string msg = error_of<IOError>([&] { load_safetensors(missing); });
  EXPECT_EQ(msg, "cannot read '" + missing + "': No such file or directory");
  msg = error_of<IOError>([&] { read_safetensors_header(dir.path().string()); });
  EXPECT_NE(msg.find("Is a directory"), std::string::npos) << msg;
  std::ofstream(dir.file("short.safetensors")) << "abc";
  msg = error_of<ParseError>([&] { load_safetensors(dir.file("short.safetensors")); });
  EXPECT_EQ(msg, dir.file("short.safetensors") +
                     ": file is 3 bytes, too short for a safetensors file (it starts with an 8-byte header length)");
}

// Damaged copies of a valid file: each one either loads or throws one of our errors, never crashes.
TEST(SafetensorsCorrupt, RandomDamageNeverCrashes) {
  const std::vector<uint8_t> good = serialize_safetensors(every_kind(), {{"k", "v"}});
  std::mt19937 rng(12345);
  int refused = 0, loaded = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> bad = good;
    switch (trial % 3) {
      case 0:  // flip a few bytes anywhere, the length prefix included
        for (int k = 0; k < 1 + trial % 4; ++k) bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
        break;
      case 1:  // damage the JSON text only
        bad[8 + rng() % (bad.size() / 2)] = static_cast<uint8_t>("{}[],:\"0-9e. x\\"[rng() % 15]);
        break;
      default:  // truncate
        bad.resize(rng() % bad.size());
    }
    try {
      parse(bad);
      ++loaded;
    } catch (const ParseError&) {
      ++refused;
    } catch (const DTypeError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 1000);
  EXPECT_GT(loaded, 0);  // flips inside tensor data leave a valid file
}

// ---- a file written by the Python package (bench/peers/make_safetensors_fixture.py) ----

std::string data_path(const std::string& name) { return std::string(NIMBUS_TEST_DATA_DIR) + "/" + name; }

TEST(SafetensorsPython, LoadsEveryValueOfTheReferenceFixture) {
  std::ifstream sidecar(data_path("python_fixture.json"));
  ASSERT_TRUE(sidecar) << data_path("python_fixture.json");
  const nlohmann::json expected = nlohmann::json::parse(sidecar);
  const SafetensorsFile f = load_safetensors(data_path("python_fixture.safetensors"));

  SafetensorsMetadata metadata;
  for (const auto& [k, v] : expected["metadata"].items()) metadata[k] = v.get<std::string>();
  EXPECT_EQ(f.metadata, metadata);
  ASSERT_EQ(f.tensors.size(), expected["order"].size());
  for (size_t i = 0; i < f.tensors.size(); ++i) EXPECT_EQ(f.tensors[i].first, expected["order"][i].get<std::string>());

  int checked_values = 0;
  for (const auto& [name, want] : expected["tensors"].items()) {
    SCOPED_TRACE(name);
    const Tensor* t = f.find(name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(std::string(safetensors_dtype_name(t->dtype())), want["dtype"].get<std::string>());
    EXPECT_EQ(t->shape(), want["shape"].get<Shape>());
    const std::vector<uint8_t> bytes = raw_bytes(*t);
    const size_t size = t->element_size();
    ASSERT_EQ(bytes.size(), static_cast<size_t>(t->numel()) * size);
    const nlohmann::json& values = want.contains("bits") ? want["bits"] : want["values"];
    ASSERT_EQ(values.size(), static_cast<size_t>(t->numel()));
    for (size_t e = 0; e < values.size(); ++e) {
      uint64_t raw = 0;
      std::memcpy(&raw, bytes.data() + e * size, size);  // little-endian host
      if (want.contains("bits")) {
        EXPECT_EQ(raw, values[e].get<uint64_t>()) << "element " << e;
      } else if (t->dtype() == DType::boolean) {
        EXPECT_EQ(raw, values[e].get<bool>() ? 1u : 0u) << "element " << e;
      } else {
        // Sign-extend the element to compare with the JSON integer.
        const int shift = static_cast<int>(64 - 8 * size);
        const int64_t value = t->dtype() == DType::u8 ? static_cast<int64_t>(raw)
                                                      : static_cast<int64_t>(raw << shift) >> shift;
        EXPECT_EQ(value, values[e].get<int64_t>()) << "element " << e;
      }
      ++checked_values;
    }
  }
  EXPECT_EQ(checked_values, 50);  // every element of every tensor (the empty one has none)
  EXPECT_TRUE(f.at("step").shape().empty());
  EXPECT_EQ(f.at("step").item<int64_t>(), 123456789012345);
  EXPECT_EQ(f.at("empty").numel(), 0);

  // What we write back loads the same.
  NamedTensors again = f.tensors;
  expect_same_tensors(again, parse(serialize_safetensors(again, f.metadata)));
}

TEST(SafetensorsPython, UnsupportedDtypeFileIsDescribedButNotLoaded) {
  const std::string path = data_path("python_unsupported.safetensors");
  const SafetensorsHeader h = read_safetensors_header(path);
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.metadata.at("quantized"), "int8");
  const std::string msg = error_of<DTypeError>([&] { load_safetensors(path); });
  EXPECT_NE(msg.find("tensor 'weights.q': dtype I8 is not supported by nimbus"), std::string::npos) << msg;
}

}  // namespace
}  // namespace nimbus
