#include "analytics/stream/stream_sink.h"

#include <filesystem>
#include <iostream>

#include "analytics/csv/csv_writer.h"
#include "analytics/stream/atomic_file.h"
#include "analytics/stream/checkpoint_log.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {

namespace fs = std::filesystem;

std::string sink_file_name(int64_t batch) {
  std::string name = "batch-";
  name += batch_file_name(batch);
  name += ".csv";
  return name;
}

namespace {

class CsvFileSink final : public StreamSink {
 public:
  explicit CsvFileSink(std::string folder) : folder_(std::move(folder)) {
    std::error_code error;
    fs::create_directories(folder_, error);
    NIMBUS_CHECK_T(IOError, !error, "stream: cannot create the sink folder '", folder_, "': ", error.message());
  }
  void write(int64_t batch, const Table& rows) override {
    if (rows.num_rows() == 0) return;
    write_file_atomically((fs::path(folder_) / sink_file_name(batch)).string(), to_csv_text(rows));
  }
  void discard(int64_t batch) override {
    std::error_code error;
    fs::remove(fs::path(folder_) / sink_file_name(batch), error);
    NIMBUS_CHECK_T(IOError, !error, "stream: cannot remove the output of batch ", batch, " in '", folder_, "': ",
                   error.message());
  }
  bool idempotent() const override { return true; }
  std::string describe() const override {
    std::string d = "csv ";
    d += folder_;
    return d;
  }

 private:
  std::string folder_;
};

class StdoutSink final : public StreamSink {
 public:
  void write(int64_t, const Table& rows) override {
    if (rows.num_rows() == 0) return;
    write_csv(rows, std::cout);
    std::cout.flush();
  }
  void discard(int64_t) override {}  // printed is printed
  bool idempotent() const override { return false; }
  std::string describe() const override { return "stdout"; }
};

}  // namespace

std::unique_ptr<StreamSink> make_csv_file_sink(std::string folder) { return std::make_unique<CsvFileSink>(std::move(folder)); }
std::unique_ptr<StreamSink> make_stdout_sink() { return std::make_unique<StdoutSink>(); }

}  // namespace nimbus::analytics::stream
