// String functions (functions.h): length, lower, upper, contains, starts_with, ends_with, substr,
// concat and the || operator. Positions and lengths count UTF-8 code points; lower and upper change
// ASCII letters only (full Unicode case mapping needs tables this library does not carry).
#include <algorithm>
#include <cstring>

#include "analytics/expr/eval_node.h"

namespace nimbus::analytics {

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

int64_t code_points(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += !is_continuation(c);
  return n;
}

// Byte position of code point `index` (0-based; index <= code_points(s)).
size_t byte_of(std::string_view s, int64_t index) {
  size_t at = 0;
  for (int64_t seen = 0; at < s.size(); ++at) {
    if (!is_continuation(s[at]) && seen++ == index) return at;
  }
  return s.size();
}

// DuckDB's substring rules, in code points: a start of 1 is the first character, a negative
// start counts from the end, 0 is one before the first character (so substr(s, 0, 2) is the
// first character), and a negative length takes the characters before the start.
std::string_view substring(std::string_view s, int64_t start, std::optional<int64_t> length) {
  const int64_t n = code_points(s);
  // Any length beyond the string behaves alike; clamping keeps the arithmetic from overflowing.
  int64_t count = std::clamp<int64_t>(length.value_or(n + 2), -(n + 2), n + 2);
  if (count == 0) return {};
  int64_t begin, end;
  if (start > 0) {
    begin = std::min(n, start - 1);
  } else if (start < 0) {
    begin = std::max<int64_t>(n + start, 0);
  } else {
    begin = 0;
    if (--count == 0) return {};
  }
  if (count > 0) {
    end = std::min(n, begin + count);
  } else {
    end = begin;
    begin = std::max<int64_t>(0, begin + count);
  }
  if (begin >= end) return {};
  const size_t from = byte_of(s, begin);
  const size_t to = byte_of(s, end);
  return s.substr(from, to - from);
}

std::string_view change_case(std::string_view s, bool upper, StringArena& arena) {
  if (s.empty()) return {};
  char* out = arena.allocate(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (upper && c >= 'a' && c <= 'z') out[i] = static_cast<char>(c - 'a' + 'A');
    else if (!upper && c >= 'A' && c <= 'Z') out[i] = static_cast<char>(c - 'A' + 'a');
    else out[i] = c;
  }
  return {out, s.size()};
}

Vector concat(const BoundExpr& e, const std::vector<Vector>& args, ChunkContext& ctx) {
  Vector out(DataType::string, ctx.rows);
  auto* r = out.allocate<std::string_view>();
  if (e.null_propagating_concat) out.set_validity(validity_of_all(args));  // || is NULL with a NULL operand
  for (int64_t i = 0; i < ctx.rows; ++i) {
    if (!out.valid(i)) continue;
    size_t bytes = 0;
    for (const Vector& a : args) bytes += a.valid(i) ? a.data<std::string_view>()[i].size() : 0;
    if (bytes == 0) continue;
    char* at = ctx.arena.allocate(bytes);
    r[i] = std::string_view(at, bytes);
    for (const Vector& a : args) {
      if (!a.valid(i)) continue;  // concat() skips NULLs
      const std::string_view part = a.data<std::string_view>()[i];
      std::memcpy(at, part.data(), part.size());
      at += part.size();
    }
  }
  return out;
}

}  // namespace

Vector eval_string_function(const BoundExpr& e, ChunkContext& ctx, const uint8_t* active) {
  std::vector<Vector> args;
  for (const auto& child : e.children) args.push_back(eval_node(*child, ctx, active));
  if (e.function == Function::concat) return concat(e, args, ctx);

  Vector out(e.type, ctx.rows);
  out.set_validity(validity_of_all(args));
  const auto* s = args[0].data<std::string_view>();
  switch (e.function) {
    case Function::length: {
      int64_t* r = out.allocate<int64_t>();
      for (int64_t i = 0; i < ctx.rows; ++i) r[i] = code_points(s[i]);
      break;
    }
    case Function::lower:
    case Function::upper: {
      auto* r = out.allocate<std::string_view>();
      for (int64_t i = 0; i < ctx.rows; ++i) r[i] = change_case(s[i], e.function == Function::upper, ctx.arena);
      break;
    }
    case Function::contains:
    case Function::starts_with:
    case Function::ends_with: {
      const auto* t = args[1].data<std::string_view>();
      uint8_t* r = out.allocate<uint8_t>();
      for (int64_t i = 0; i < ctx.rows; ++i) {
        r[i] = e.function == Function::contains      ? s[i].find(t[i]) != std::string_view::npos
               : e.function == Function::starts_with ? s[i].starts_with(t[i])
                                                     : s[i].ends_with(t[i]);
      }
      break;
    }
    case Function::substr: {
      const int64_t* start = args[1].data<int64_t>();
      const int64_t* length = args.size() > 2 ? args[2].data<int64_t>() : nullptr;
      auto* r = out.allocate<std::string_view>();
      for (int64_t i = 0; i < ctx.rows; ++i) {
        r[i] = substring(s[i], start[i], length ? std::optional<int64_t>(length[i]) : std::nullopt);
      }
      break;
    }
    default: break;
  }
  return out;
}

}  // namespace nimbus::analytics
