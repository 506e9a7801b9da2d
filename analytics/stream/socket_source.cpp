// The socket source: CSV lines read from a TCP server ("host:port"), for demos and tests. The
// first line is the header when the CSV options say so. Not replayable: the rows of a batch live
// only in memory, so a crash loses the batch in flight (at-most-once); a restart skips it.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "analytics/csv/csv_reader.h"
#include "analytics/stream/stream_source.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {

namespace {

class SocketSource final : public StreamSource {
 public:
  SocketSource(std::string address, CsvReadOptions csv) : address_(std::move(address)), csv_(std::move(csv)) {
    NIMBUS_CHECK_T(ConfigError, csv_.header != CsvHeader::detect, "stream: a socket source takes header: true or false");
    has_header_ = csv_.header == CsvHeader::present;
    csv_.header = CsvHeader::absent;
    const size_t colon = address_.rfind(':');
    NIMBUS_CHECK_T(ConfigError, colon != std::string::npos && colon > 0 && colon + 1 < address_.size(),
                   "stream: socket address '", address_, "' is not host:port");
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string host = address_.substr(0, colon), port = address_.substr(colon + 1);
    NIMBUS_CHECK_T(IOError, ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) == 0 && found != nullptr,
                   "stream: cannot resolve '", address_, "'");
    for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
      if (fd_ >= 0 && ::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
        ::close(fd_);
        fd_ = -1;
      }
    }
    ::freeaddrinfo(found);
    NIMBUS_CHECK_T(IOError, fd_ >= 0, "stream: cannot connect to '", address_, "'");
  }
  ~SocketSource() override {
    if (fd_ >= 0) ::close(fd_);
  }

  bool replayable() const override { return false; }

  std::string describe() const override {
    std::string d = "socket ";
    d += address_;
    return d;
  }

  std::optional<std::string> plan_next() override {
    receive();
    const size_t last = buffer_.rfind('\n');
    if (last == std::string::npos) return std::nullopt;
    std::string lines = buffer_.substr(0, last + 1);
    buffer_.erase(0, last + 1);
    if (has_header_ && csv_.column_names.empty()) {
      const size_t newline = lines.find('\n');
      CsvReadOptions names = csv_;
      names.header = CsvHeader::present;
      csv_.column_names = read_csv_column_names(std::string_view(lines).substr(0, newline + 1), address_, names);
      lines.erase(0, newline + 1);
      if (lines.empty()) return std::nullopt;
    }
    pending_ = std::move(lines);
    ++planned_;
    return nlohmann::json{{"received", planned_}, {"bytes", pending_.size()}}.dump();
  }

  void mark_consumed(const std::string&) override {}
  // Nothing to remember: the socket cannot replay, so old offsets only record that batches ran.
  std::string merge_offsets(const std::vector<std::string>&) const override { return "{}"; }

  SourceBatch read(const std::string&) override {
    SourceBatch batch;
    batch.bytes = static_cast<int64_t>(pending_.size());
    Table table = read_csv_text(pending_, address_, csv_).table;
    pending_.clear();
    if (table.num_rows() > 0) batch.parts.push_back(std::move(table));
    return batch;
  }

 private:
  void receive() {
    char chunk[65536];
    for (;;) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return;  // nothing more now (EAGAIN), or the server closed: lines already read still count
    }
  }

  std::string address_;
  CsvReadOptions csv_;
  bool has_header_ = false;
  int fd_ = -1;
  std::string buffer_, pending_;
  int64_t planned_ = 0;
};

}  // namespace

std::unique_ptr<StreamSource> make_socket_source(std::string address, CsvReadOptions csv) {
  return std::make_unique<SocketSource>(std::move(address), std::move(csv));
}

}  // namespace nimbus::analytics::stream
