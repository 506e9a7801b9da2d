#pragma once
// The map/reduce engine over text, CPU strategy (Phoenix's design): every block of input lines is
// cut into pieces at line ends, each piece is mapped on some thread into its own hash table of
// per-key accumulators (the combiner runs as values are emitted, so a piece holds one entry per
// distinct key, not one per emitted pair), and the pieces' tables are merged into the job's table
// in piece order. Pieces are cut by size, not by thread count, and merged in input order, so the
// result (including the order of values in a list accumulator) is the same for any thread count.
//
// A job is a type with:
//
//   using Key = std::string_view;   // or an integer type; string keys are copied when kept
//   using Accumulator = ...;        // what a key folds its values into (a count, a list, a sum)
//   void map(const TextRecord& record, Emitter<Job>& out) const;      // out.emit(key, value)
//   void combine(Accumulator& into, Value value) const;              // fold one emitted value in
//   void merge(Accumulator& into, Accumulator&& from) const;          // fold a later piece's in
//   optional: void prepare(std::string& block) const;                 // rewrite a block first
//                                                                     //   (e.g. lower-case it)
//
// Jobs without a natural combiner use a list accumulator (combine appends, merge concatenates):
// that is the shuffle that groups values by key, done by hashing. Built-in jobs (jobs.h) are
// written against this header only; tests define a new one (bigram count) the same way.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analytics/mapreduce/text_source.h"
#include "analytics/table.h"
#include "runtime/parallel.h"

namespace nimbus::analytics::mapreduce {

// One row of a table input (run_table_job): map() reads the columns it needs at `row`.
struct RowRecord {
  const Table* table = nullptr;
  int64_t row = 0;
};

// One input line (without its newline) and where it came from.
struct TextRecord {
  std::string_view line;
  int64_t document = 0;     // index of the input file
  int64_t line_number = 0;  // 1-based, within its file
};

struct MapReduceOptions {
  int64_t block_bytes = int64_t{64} << 20;  // input read at a time (memory bound)
  int64_t piece_bytes = int64_t{1} << 20;   // unit of parallel work and of merging (text)
  int64_t piece_rows = 65536;               // the same for table inputs
  // Called after every block with the bytes processed so far and the total.
  std::function<void(int64_t done, int64_t total)> progress;
};

namespace detail {

template <typename K>
using OwnedKey = std::conditional_t<std::is_same_v<K, std::string_view>, std::string, K>;

// Heterogeneous lookup: the job's table holds std::string keys and is probed with string_views.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  size_t operator()(T v) const {
    return std::hash<T>{}(v);
  }
};
struct KeyEqual {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return a == b;
  }
};

template <typename Job>
concept HasPrepare = requires(const Job& j, std::string& s) { j.prepare(s); };

}  // namespace detail

// What map() emits into: the piece's table, with the combiner applied on the way in.
template <typename Job>
class Emitter {
 public:
  using Key = typename Job::Key;
  using Table = std::unordered_map<Key, typename Job::Accumulator, detail::KeyHash, detail::KeyEqual>;
  Emitter(const Job& job, Table& table) : job_(job), table_(table) {}
  template <typename Value>
  void emit(Key key, Value&& value) {
    job_.combine(table_[key], std::forward<Value>(value));
  }

 private:
  const Job& job_;
  Table& table_;
};

template <typename Job>
using JobResult = std::unordered_map<detail::OwnedKey<typename Job::Key>, typename Job::Accumulator, detail::KeyHash,
                                     detail::KeyEqual>;

// Merges piece tables into `result` in piece order (string keys copied as they are kept).
namespace detail {
template <typename Job>
void merge_pieces(const Job& job, std::vector<typename Emitter<Job>::Table>& tables, JobResult<Job>& result) {
  for (auto& table : tables) {
    for (auto& [key, accumulator] : table) {
      auto it = result.find(key);
      if (it == result.end()) result.emplace(OwnedKey<typename Job::Key>(key), std::move(accumulator));
      else job.merge(it->second, std::move(accumulator));
    }
  }
}
}  // namespace detail

// Runs `job` over every line of `source`; returns each key with its accumulator.
template <typename Job>
JobResult<Job> run_text_job(const Job& job, TextSource& source, const MapReduceOptions& options = {}) {
  using PieceTable = typename Emitter<Job>::Table;
  JobResult<Job> result;
  TextBlock block;
  while (source.next(block)) {
    if constexpr (detail::HasPrepare<Job>) job.prepare(block.text);
    const std::string_view text = block.text;
    // Piece boundaries: every piece_bytes, moved forward to just after a newline.
    std::vector<size_t> cuts{0};
    while (cuts.back() < text.size()) {
      size_t cut = std::min(text.size(), cuts.back() + static_cast<size_t>(std::max<int64_t>(options.piece_bytes, 1)));
      if (cut < text.size()) {
        const size_t nl = text.find('\n', cut - 1);
        cut = nl == std::string_view::npos ? text.size() : nl + 1;
      }
      cuts.push_back(cut);
    }
    const int64_t pieces = static_cast<int64_t>(cuts.size()) - 1;
    // The first line number of each piece: newlines counted per piece, then summed in order.
    std::vector<int64_t> first_line(static_cast<size_t>(pieces) + 1, 0);
    parallel_for(pieces, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p)
        first_line[static_cast<size_t>(p) + 1] =
            std::count(text.begin() + static_cast<long>(cuts[p]), text.begin() + static_cast<long>(cuts[p + 1]), '\n');
    });
    first_line[0] = block.first_line;
    for (int64_t p = 0; p < pieces; ++p) first_line[static_cast<size_t>(p) + 1] += first_line[static_cast<size_t>(p)];

    std::vector<PieceTable> tables(static_cast<size_t>(pieces));
    parallel_for(pieces, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        Emitter<Job> out(job, tables[static_cast<size_t>(p)]);
        TextRecord record;
        record.document = block.document;
        record.line_number = first_line[static_cast<size_t>(p)];
        size_t at = cuts[p];
        while (at < cuts[p + 1]) {
          size_t nl = text.find('\n', at);
          if (nl == std::string_view::npos || nl > cuts[p + 1]) nl = cuts[p + 1];
          size_t line_end = nl;
          if (line_end > at && text[line_end - 1] == '\r') --line_end;  // CRLF files
          record.line = text.substr(at, line_end - at);
          job.map(record, out);
          ++record.line_number;
          at = nl + 1;
        }
      }
    });
    // Merge in piece order; string keys are copied here, before the block's text goes away.
    detail::merge_pieces(job, tables, result);
    if (options.progress) options.progress(block.bytes_before + static_cast<int64_t>(text.size()), source.total_bytes());
  }
  return result;
}


// Runs `job` over every row of `table` (map takes a RowRecord): pieces of piece_rows rows,
// mapped in parallel and merged in row order, as for text.
template <typename Job>
JobResult<Job> run_table_job(const Job& job, const Table& table, const MapReduceOptions& options = {}) {
  const int64_t rows = table.num_rows(), step = std::max<int64_t>(options.piece_rows, 1);
  const int64_t pieces = (rows + step - 1) / step;
  std::vector<typename Emitter<Job>::Table> tables(static_cast<size_t>(pieces));
  parallel_for(pieces, 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      Emitter<Job> out(job, tables[static_cast<size_t>(p)]);
      for (int64_t r = p * step; r < std::min(rows, (p + 1) * step); ++r) job.map(RowRecord{&table, r}, out);
    }
  });
  JobResult<Job> result;
  detail::merge_pieces(job, tables, result);
  return result;
}

}  // namespace nimbus::analytics::mapreduce
