#include "analytics/stream/checkpoint_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "analytics/stream/atomic_file.h"
#include "runtime/error.h"

namespace nimbus::analytics::stream {

namespace fs = std::filesystem;

RecoveryPlan plan_recovery(std::optional<int64_t> last_offsets, std::optional<int64_t> last_commit) {
  RecoveryPlan plan;
  if (!last_offsets) {
    NIMBUS_CHECK_T(Error, !last_commit, "stream: the checkpoint has commit ", *last_commit,
                   " but no offsets; it was not written by this engine");
    return plan;
  }
  if (last_commit) {
    NIMBUS_CHECK_T(Error, *last_commit <= *last_offsets, "stream: the checkpoint commits batch ", *last_commit,
                   " but has offsets only up to ", *last_offsets);
    plan.resume_state = *last_commit;
  }
  const int64_t committed_next = last_commit ? *last_commit + 1 : 0;
  NIMBUS_CHECK_T(Error, *last_offsets <= committed_next, "stream: the checkpoint has offsets for batch ", *last_offsets,
                 " but its last commit is ",
                 last_commit ? std::to_string(*last_commit) : std::string("none"),
                 "; only one batch can be in flight");
  if (*last_offsets == committed_next) plan.rerun = committed_next;
  plan.next_batch = *last_offsets + 1;
  return plan;
}

std::string batch_file_name(int64_t batch) {
  char name[32];
  std::snprintf(name, sizeof name, "%012lld", static_cast<long long>(batch));
  return name;
}

CheckpointLog::CheckpointLog(std::string folder) : folder_(std::move(folder)) {
  std::error_code error;
  for (const char* sub : {"offsets", "commits", "state"}) {
    fs::create_directories(fs::path(folder_) / sub, error);
    if (error) {
      std::string message = "stream: cannot create the checkpoint folder '";
      message += (fs::path(folder_) / sub).string();
      message += "': ";
      message += error.message();
      throw IOError(message);
    }
  }
  const std::string lock_path = (fs::path(folder_) / "lock").string();
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  NIMBUS_CHECK_T(IOError, lock_fd_ >= 0, "stream: cannot open the checkpoint lock '", lock_path, "': ",
                 std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    NIMBUS_CHECK_T(IOError, err != EWOULDBLOCK, "stream: the checkpoint folder '", folder_,
                   "' is in use by another running stream; stop it first, or give this one its own checkpoint");
    NIMBUS_THROW(IOError, "stream: cannot lock '", lock_path, "': ", std::strerror(err));
  }
}

CheckpointLog::~CheckpointLog() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the lock
}

std::string CheckpointLog::path(const char* kind, int64_t batch) const {
  return (fs::path(folder_) / kind / batch_file_name(batch)).string();
}

std::vector<int64_t> CheckpointLog::batches(const char* kind) const {
  std::vector<int64_t> out;
  for (const auto& entry : fs::directory_iterator(fs::path(folder_) / kind)) {
    const std::string name = entry.path().filename().string();
    int64_t id = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (ec == std::errc() && end == name.data() + name.size()) out.push_back(id);  // skips temporaries
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<int64_t> CheckpointLog::last_offsets() const {
  const auto b = batches("offsets");
  return b.empty() ? std::nullopt : std::optional(b.back());
}

std::optional<int64_t> CheckpointLog::last_commit() const {
  const auto b = batches("commits");
  return b.empty() ? std::nullopt : std::optional(b.back());
}

std::vector<int64_t> CheckpointLog::offset_batches() const { return batches("offsets"); }

void CheckpointLog::check_metadata(const std::string& description) {
  const std::string file = (fs::path(folder_) / "metadata").string();
  if (!fs::exists(file)) {
    write_file_atomically(file, description);
    return;
  }
  const std::string existing = read_whole_file(file);
  if (existing == description) return;
  std::string message = "stream: the checkpoint folder '";
  message += folder_;
  message += "' belongs to a different query or source:\n  checkpoint: ";
  message += existing;
  message += "\n  config:     ";
  message += description;
  message += "\nuse a new checkpoint folder (or delete this one to start over)";
  throw ConfigError(message);
}

void CheckpointLog::write_offsets(int64_t batch, const std::string& json) { write_file_atomically(path("offsets", batch), json); }

std::string CheckpointLog::read_offsets(int64_t batch) const { return read_whole_file(path("offsets", batch)); }

void CheckpointLog::write_commit(int64_t batch, const std::string& json) { write_file_atomically(path("commits", batch), json); }

void CheckpointLog::write_state(int64_t batch, const std::string& bytes, const std::function<void()>& before_rename) {
  write_file_atomically(path("state", batch), bytes, before_rename);
}

std::string CheckpointLog::read_state(int64_t batch) const { return read_whole_file(path("state", batch)); }

void CheckpointLog::prune_states(int64_t batch, int64_t keep) {
  for (const int64_t b : batches("state")) {
    if (b >= batch - keep) break;
    std::error_code ignored;
    fs::remove(path("state", b), ignored);
  }
}

namespace {
constexpr const char* kCompactedFile = "offsets-compacted";
}  // namespace

std::optional<CheckpointLog::CompactedOffsets> CheckpointLog::compacted_offsets() const {
  const std::string file = (fs::path(folder_) / kCompactedFile).string();
  if (!fs::exists(file)) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(read_whole_file(file), nullptr, false);
  NIMBUS_CHECK_T(ParseError, j.is_object() && j.contains("through") && j["through"].is_number_integer() &&
                     j.contains("offsets") && j["offsets"].is_string(),
                 "stream: '", file, "' is not {\"through\": batch, \"offsets\": text}; it was not written by this engine");
  return CompactedOffsets{j["through"].get<int64_t>(), j["offsets"].get<std::string>()};
}

void CheckpointLog::compact_logs(int64_t through, const std::string& merged, const std::function<void()>& before_delete) {
  const nlohmann::json record{{"through", through}, {"offsets", merged}};
  write_file_atomically((fs::path(folder_) / kCompactedFile).string(), record.dump());
  if (before_delete) before_delete();
  for (const char* kind : {"offsets", "commits"}) {
    for (const int64_t b : batches(kind)) {
      if (b > through) break;
      std::error_code ignored;
      fs::remove(path(kind, b), ignored);
    }
  }
}

}  // namespace nimbus::analytics::stream
