#include "analytics/mapreduce/text_source.h"

#include <algorithm>
#include <filesystem>

#include "analytics/io/file_bytes.h"
#include "runtime/error.h"

namespace nimbus::analytics::mapreduce {

TextSource::TextSource(std::vector<std::string> paths, int64_t block_bytes)
    : paths_(std::move(paths)), block_bytes_(std::max<int64_t>(block_bytes, 1)) {
  for (const std::string& path : paths_) {
    std::error_code ec;
    NIMBUS_CHECK_T(IOError, std::filesystem::is_regular_file(path, ec), "cannot read '", path,
                   "': no such file (or not a regular file)");
    total_bytes_ += static_cast<int64_t>(std::filesystem::file_size(path, ec));
  }
}

bool TextSource::open_next_file() {
  while (file_ < paths_.size()) {
    const std::string& path = paths_[file_];
    in_ = std::ifstream(path, std::ios::binary);
    NIMBUS_CHECK_T(IOError, in_.good(), "cannot read '", path, "'");
    char magic[2] = {};
    in_.read(magic, 2);
    in_.clear();
    in_.seekg(0);
    reading_whole_ = is_gzip(std::string_view(magic, static_cast<size_t>(in_.gcount() > 0 ? 2 : 0)));
    if (reading_whole_) {
      in_.close();
      whole_ = read_file_bytes(path);
      whole_at_ = 0;
    } else {
      std::error_code ec;
      file_left_ = static_cast<int64_t>(std::filesystem::file_size(path, ec));
    }
    carry_.clear();
    next_line_ = 1;
    open_ = true;
    return true;
  }
  return false;
}

bool TextSource::next(TextBlock& block) {
  for (;;) {
    if (!open_ && !open_next_file()) return false;
    std::string chunk = std::move(carry_);
    carry_.clear();
    const size_t start = chunk.size();
    // Never more than the file has left: resize() zero-fills, which would cost a pass over a whole
    // block for a small file.
    const int64_t left = reading_whole_ ? static_cast<int64_t>(whole_.size() - whole_at_) : file_left_;
    const int64_t want = std::min(block_bytes_, left);
    chunk.resize(start + static_cast<size_t>(want));
    size_t got = 0;
    if (reading_whole_) {
      got = std::min(whole_.size() - whole_at_, static_cast<size_t>(block_bytes_));
      std::copy_n(whole_.data() + whole_at_, got, chunk.data() + start);
      whole_at_ += got;
    } else {
      in_.read(chunk.data() + start, want);
      got = static_cast<size_t>(in_.gcount());
      file_left_ -= static_cast<int64_t>(got);
      NIMBUS_CHECK_T(IOError, !in_.bad(), "cannot read '", paths_[file_], "': read error");
    }
    chunk.resize(start + got);
    const bool at_end = reading_whole_ ? whole_at_ >= whole_.size() : (file_left_ <= 0 || got < static_cast<size_t>(want));
    if (!at_end) {
      // Keep the partial last line for the next block (a line longer than a block grows it).
      const size_t last_newline = chunk.rfind('\n');
      if (last_newline == std::string::npos) {
        carry_ = std::move(chunk);
        continue;
      }
      carry_.assign(chunk, last_newline + 1);
      chunk.resize(last_newline + 1);
    }
    block.document = static_cast<int64_t>(file_);
    block.first_line = next_line_;
    block.bytes_before = handed_out_;
    handed_out_ += static_cast<int64_t>(chunk.size());
    next_line_ += std::count(chunk.begin(), chunk.end(), '\n');
    block.text = std::move(chunk);
    if (at_end) {
      open_ = false;
      ++file_;
      whole_.clear();
      if (block.text.empty()) continue;  // an empty file, or nothing after the last newline
    }
    return true;
  }
}

}  // namespace nimbus::analytics::mapreduce
