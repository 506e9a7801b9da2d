#include "analytics/ops/string_codes.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "analytics/ops/ops_parallel.h"
#include "analytics/ops/string_dictionary.h"

namespace nimbus::analytics::detail {

namespace {

constexpr int64_t kCodeGrain = 65536;

}  // namespace

// Each piece of rows is coded with its own dictionary in parallel, straight into the output; the
// pieces' dictionaries are then added to the first one in piece order, so every string gets the
// code of its first appearance (the codes of a sequential pass), and a last parallel pass
// translates the other pieces' codes.
CodedStrings code_strings(const int32_t* offsets, const char* chars, int64_t rows, int threads) {
  CodedStrings out;
  out.codes = Buffer::allocate(static_cast<size_t>(std::max<int64_t>(rows, 1)) * sizeof(uint32_t), Device::cpu());
  auto* codes = static_cast<uint32_t*>(out.codes.data());
  const int64_t pieces = piece_count(rows, threads, kCodeGrain);
  std::vector<StringDictionary> local(static_cast<size_t>(pieces));
  run_pieces(rows, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    StringDictionary& dictionary = local[static_cast<size_t>(piece)];
    for (int64_t i = begin; i < end; ++i) {
      const std::string_view text(chars + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i]));
      codes[i] = static_cast<uint32_t>(dictionary.code(text));
    }
  });
  StringDictionary& merged = local[0];
  std::vector<std::vector<uint32_t>> translated(static_cast<size_t>(pieces));
  for (size_t piece = 1; piece < local.size(); ++piece) {
    const StringDictionary& dictionary = local[piece];
    translated[piece].resize(static_cast<size_t>(dictionary.size()));
    for (int64_t code = 0; code < dictionary.size(); ++code) {
      translated[piece][static_cast<size_t>(code)] = static_cast<uint32_t>(merged.code(dictionary.text(code)));
    }
  }
  run_pieces(rows, pieces, threads, [&](int64_t piece, int64_t begin, int64_t end) {
    if (piece == 0) return;  // already in the merged dictionary's codes
    const std::vector<uint32_t>& to = translated[static_cast<size_t>(piece)];
    for (int64_t i = begin; i < end; ++i) codes[i] = to[codes[i]];
  });
  out.count = std::max<int64_t>(merged.size(), 1);
  return out;
}

}  // namespace nimbus::analytics::detail
