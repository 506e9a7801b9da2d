// The growing-file source: one CSV file that writers append lines to (a log). A batch is the
// complete lines appended since the last batch; a line without its '\n' yet waits for the next
// trigger. The offsets of a batch are the byte range [start, end) of its lines. The file may only
// grow: a file that shrinks (truncated or replaced) is an error, since the logged offsets no longer
// name the same rows.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "analytics/csv/csv_reader.h"
#include "analytics/stream/stream_source.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {

namespace {

class GrowingFileSource final : public StreamSource {
 public:
  GrowingFileSource(std::string path, CsvReadOptions csv, SourceLimits limits)
      : path_(std::move(path)), csv_(std::move(csv)), limits_(limits) {
    NIMBUS_CHECK_T(ConfigError, csv_.header != CsvHeader::detect, "stream: a growing file source takes header: true or false");
    has_header_ = csv_.header == CsvHeader::present;
    csv_.header = CsvHeader::absent;  // batches are slices of lines below the header
  }

  bool replayable() const override { return true; }

  std::string describe() const override {
    std::string d = "file ";
    d += path_;
    return d;
  }

  std::optional<std::string> plan_next() override {
    const int64_t size = file_size();
    if (size < 0) return std::nullopt;  // not there yet
    NIMBUS_CHECK_T(IOError, size >= position_, "stream: '", path_, "' shrank from ", position_, " to ", size,
                   " bytes; a growing file source needs a file that is only appended to");
    if (has_header_ && csv_.column_names.empty() && !read_header(size)) return std::nullopt;
    int64_t end = size;
    if (limits_.max_bytes_per_batch > 0) end = std::min(end, position_ + limits_.max_bytes_per_batch);
    std::string chunk = read_range(position_, end);
    size_t last = chunk.rfind('\n');
    if (last == std::string::npos && end < size) {  // one line longer than the limit: take it whole
      chunk = read_range(position_, size);
      last = chunk.find('\n');
    }
    if (last == std::string::npos) return std::nullopt;
    return nlohmann::json{{"start", position_}, {"end", position_ + static_cast<int64_t>(last) + 1}}.dump();
  }

  void mark_consumed(const std::string& offsets) override { position_ = std::max(position_, range(offsets).second); }

  // The batches' ranges are consecutive, so their union is one range.
  std::string merge_offsets(const std::vector<std::string>& offsets) const override {
    int64_t start = INT64_MAX, end = 0;
    for (const std::string& o : offsets) {
      const auto [s, e] = range(o);
      start = std::min(start, s);
      end = std::max(end, e);
    }
    if (offsets.empty()) start = 0;
    return nlohmann::json{{"start", start}, {"end", end}}.dump();
  }

  SourceBatch read(const std::string& offsets) override {
    const auto [start, end] = range(offsets);
    if (has_header_ && csv_.column_names.empty()) {
      const int64_t size = file_size();
      NIMBUS_CHECK_T(IOError, size >= 0 && read_header(size), "stream: cannot read the header of '", path_, "'");
    }
    SourceBatch batch;
    const std::string text = read_range(start, end);
    NIMBUS_CHECK_T(IOError, static_cast<int64_t>(text.size()) == end - start, "stream: '", path_,
                   "' is shorter than the logged batch [", start, ", ", end, ")");
    batch.bytes = end - start;
    struct stat info {};
    if (::stat(path_.c_str(), &info) == 0)
      batch.oldest_arrival = static_cast<double>(info.st_mtim.tv_sec) + 1e-9 * static_cast<double>(info.st_mtim.tv_nsec);
    std::string source = path_;
    source += "@";
    source += std::to_string(start);
    Table table = read_csv_text(text, source, csv_).table;
    if (table.num_rows() > 0) batch.parts.push_back(std::move(table));
    return batch;
  }

 private:
  int64_t file_size() const {
    struct stat info {};
    if (::stat(path_.c_str(), &info) != 0) return -1;
    return info.st_size;
  }

  std::string read_range(int64_t start, int64_t end) const {
    std::string out;
    if (end <= start) return out;
    const int fd = ::open(path_.c_str(), O_RDONLY);
    NIMBUS_CHECK_T(IOError, fd >= 0, "stream: cannot open '", path_, "'");
    out.resize(static_cast<size_t>(end - start));
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(start) + static_cast<off_t>(done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(done);
    return out;
  }

  // The header's names once its line is complete; the first batch starts after it.
  bool read_header(int64_t size) {
    const std::string head = read_range(0, std::min<int64_t>(size, 1 << 20));
    const size_t newline = head.find('\n');
    if (newline == std::string::npos) return false;
    CsvReadOptions names = csv_;
    names.header = CsvHeader::present;
    csv_.column_names = read_csv_column_names(std::string_view(head).substr(0, newline + 1), path_, names);
    position_ = std::max<int64_t>(position_, static_cast<int64_t>(newline) + 1);
    return true;
  }

  std::pair<int64_t, int64_t> range(const std::string& offsets) const {
    const nlohmann::json j = nlohmann::json::parse(offsets, nullptr, false);
    NIMBUS_CHECK_T(ParseError, j.is_object() && j.contains("start") && j.contains("end"),
                   "stream: file offsets are not {\"start\": ..., \"end\": ...}: ", offsets);
    return {j["start"].get<int64_t>(), j["end"].get<int64_t>()};
  }

  std::string path_;
  CsvReadOptions csv_;
  SourceLimits limits_;
  bool has_header_ = false;
  int64_t position_ = 0;
};

}  // namespace

std::unique_ptr<StreamSource> make_growing_file_source(std::string path, CsvReadOptions csv, SourceLimits limits) {
  return std::make_unique<GrowingFileSource>(std::move(path), std::move(csv), limits);
}

}  // namespace nimbus::analytics::stream
