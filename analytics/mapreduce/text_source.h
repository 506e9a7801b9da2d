#pragma once
// TextSource: the lines of one or more text files, handed out in blocks of whole lines so that
// inputs larger than memory are processed a block at a time. Plain files are read block by block;
// gzip files are inflated whole (zlib's stream would allow blocks too; not needed yet).
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::analytics::mapreduce {

struct TextBlock {
  std::string text;         // whole lines; the last one may lack its newline only at the end of a file
  int64_t document = 0;     // index of the file in the source's list
  int64_t first_line = 1;   // 1-based number, in its file, of the block's first line
  int64_t bytes_before = 0; // bytes of all the files' blocks handed out before this one
};

class NIMBUS_API TextSource {
 public:
  // IOError naming the file when one cannot be opened (checked up front, before any work).
  explicit TextSource(std::vector<std::string> paths, int64_t block_bytes = int64_t{64} << 20);

  // The next block, or false at the end of the last file.
  bool next(TextBlock& block);
  // Total bytes of the plain files (gzip files count their compressed size): for progress.
  int64_t total_bytes() const { return total_bytes_; }
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  bool open_next_file();

  std::vector<std::string> paths_;
  int64_t block_bytes_;
  int64_t total_bytes_ = 0;
  int64_t handed_out_ = 0;
  size_t file_ = 0;
  bool open_ = false;
  std::ifstream in_;
  std::string whole_;      // a gzip file, inflated
  size_t whole_at_ = 0;
  int64_t file_left_ = 0;  // bytes of the open plain file not read yet
  bool reading_whole_ = false;
  std::string carry_;      // the partial last line of the previous block of this file
  int64_t next_line_ = 1;
};

}  // namespace nimbus::analytics::mapreduce
