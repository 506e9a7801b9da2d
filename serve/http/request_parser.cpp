#include "serve/http/request_parser.h"

#include <algorithm>
#include <charconv>

namespace nimbus::serve::http {

namespace {

constexpr size_t kMaxChunkLine = 1024;  // a chunk size with its extensions

bool is_token_char(char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
  return -1;
}

// Whether a comma-separated header value lists `token` (any case).
bool lists_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (equal_ignoring_case(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string limit_message(uint64_t size, size_t limit) {
  return std::string("the request body (").append(std::to_string(size)).append(" bytes) is larger than the limit of ")
      .append(std::to_string(limit)).append(" bytes");
}

}  // namespace

bool percent_decode(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

RequestParser::State RequestParser::fail(int status, std::string message) {
  phase_ = Phase::failed;
  error_status_ = status;
  error_message_ = std::move(message);
  keep_alive_ = false;
  return State::failed;
}

RequestParser::State RequestParser::parse(std::string_view received) {
  if (phase_ == Phase::failed) return State::failed;
  if (phase_ == Phase::done) return State::complete;
  if (phase_ == Phase::head) {
    // Empty lines before a request line are ignored (RFC 9112 2.2): some clients end a body with one.
    while (position_ < received.size() && (received[position_] == '\r' || received[position_] == '\n') &&
           scanned_ == position_)
      scanned_ = ++position_;
    // The blank line ending the head: "\n\r\n" (which "\r\n\r\n" contains) or "\n\n".
    const size_t from = std::max(position_, scanned_ >= 2 ? scanned_ - 2 : size_t{0});
    const size_t crlf = received.find("\n\r\n", from), lf = received.find("\n\n", from);
    const size_t end = std::min(crlf == std::string_view::npos ? crlf : crlf + 3, lf == std::string_view::npos ? lf : lf + 2);
    // Every byte since the request began counts against the limit, the empty lines before it too.
    if (end == std::string_view::npos) {
      scanned_ = received.size();
      if (received.size() > limits_.max_head_bytes)
        return fail(431, "the request line and headers are longer than the limit of " +
                             std::to_string(limits_.max_head_bytes) + " bytes");
      return State::need_more;
    }
    if (end > limits_.max_head_bytes)
      return fail(431, "the request line and headers are longer than the limit of " +
                           std::to_string(limits_.max_head_bytes) + " bytes");
    if (parse_head(received.substr(position_, end - position_)) == State::failed) return State::failed;
    position_ = end;
    body_start_ = end;
  }
  if (phase_ == Phase::length_body) {
    const size_t available = received.size() - position_;
    body_started_ = available > 0;
    if (available < body_length_) return State::need_more;
    request_.body.assign(received.substr(position_, body_length_));
    consumed_ = position_ + body_length_;
    phase_ = Phase::done;
    return State::complete;
  }
  if (phase_ == Phase::done) {
    consumed_ = position_;
    return State::complete;
  }
  return parse_chunks(received);
}

RequestParser::State RequestParser::parse_request_line(std::string_view line) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(400, "malformed request line: expected 'METHOD /path HTTP/1.1'");
  const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                         version = line.substr(sp2 + 1);
  if (!is_token(method)) return fail(400, "malformed request line: the method is not a token");
  if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' || hex_value(version[5]) < 0 ||
      version[5] > '9' || version[7] < '0' || version[7] > '9')
    return fail(400, "malformed request line: expected the version HTTP/1.0 or HTTP/1.1 at its end");
  if (version[5] != '1' || version[7] > '1') return fail(505, "HTTP version " + std::string(version.substr(5)) + " is not supported");
  request_.minor_version = version[7] - '0';
  request_.method.assign(method);

  std::string_view path = target;
  if (path.starts_with("http://") || path.starts_with("https://")) {  // absolute-form: keep the path
    const size_t slash = path.find('/', path.find("//") + 2);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  if (path.empty() || (path.front() != '/' && path != "*"))
    return fail(400, "malformed request target '" + std::string(target) + "': expected a path starting with '/'");
  const size_t question = path.find('?');
  if (question != std::string_view::npos) {
    request_.query.assign(path.substr(question + 1));
    path = path.substr(0, question);
  }
  if (!percent_decode(path, request_.path))
    return fail(400, "malformed request target '" + std::string(target) + "': bad percent-encoding");
  return State::need_more;
}

RequestParser::State RequestParser::parse_head(std::string_view head) {
  size_t start = 0;
  bool first = true;
  while (start < head.size()) {
    const size_t nl = head.find('\n', start);
    const std::string_view line = strip_cr(head.substr(start, nl - start));
    start = nl + 1;
    if (line.empty()) break;
    if (first) {
      first = false;
      if (parse_request_line(line) == State::failed) return State::failed;
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t')
      return fail(400, "malformed header: a header continued over lines (obsolete line folding) is not accepted");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
      return fail(400, "malformed header line '" + std::string(line.substr(0, 80)) + "': expected 'Name: value'");
    request_.headers.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
  }

  bool has_length = false, chunked = false, close = false, keep = false;
  for (const auto& [name, value] : request_.headers) {
    if (equal_ignoring_case(name, "connection")) {
      close = close || lists_token(value, "close");  // "close" wins over any "keep-alive"
      keep = keep || lists_token(value, "keep-alive");
    } else if (equal_ignoring_case(name, "expect")) {
      expect_continue_ = request_.minor_version >= 1 && equal_ignoring_case(value, "100-continue");
    } else if (equal_ignoring_case(name, "transfer-encoding")) {
      if (!equal_ignoring_case(value, "chunked"))
        return fail(501, "Transfer-Encoding '" + value + "' is not supported (only chunked)");
      chunked = true;
    } else if (equal_ignoring_case(name, "content-length")) {
      uint64_t length = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size())
        return fail(400, "malformed Content-Length '" + value + "': expected a number of bytes");
      if (has_length && length != body_length_) return fail(400, "two different Content-Length headers");
      has_length = true;
      body_length_ = length;
    }
  }
  if (chunked && has_length) return fail(400, "a request may not have both Content-Length and Transfer-Encoding");
  // HTTP/1.0 keeps a connection only when asked to, and never after a chunked body (RFC 9112 6.1).
  keep_alive_ = !close && (request_.minor_version >= 1 || (keep && !chunked));
  if (body_length_ > limits_.max_body_bytes) return fail(413, limit_message(body_length_, limits_.max_body_bytes));
  phase_ = chunked ? Phase::chunk_size : has_length && body_length_ > 0 ? Phase::length_body : Phase::done;
  if (!chunked && !has_length) body_length_ = 0;
  return State::need_more;
}

RequestParser::State RequestParser::parse_chunks(std::string_view received) {
  for (;;) {
    switch (phase_) {
      case Phase::chunk_size:
      case Phase::trailers: {
        const size_t nl = received.find('\n', position_);
        if (nl == std::string_view::npos) {
          if (received.size() - position_ > kMaxChunkLine)
            return fail(400, phase_ == Phase::trailers ? "a chunked body's trailer line is too long"
                                                       : "malformed chunked body: a chunk size line is too long");
          return State::need_more;
        }
        std::string_view line = strip_cr(received.substr(position_, nl - position_));
        position_ = nl + 1;
        body_started_ = true;
        // Sizes, extensions and trailers may not outgrow the body by more than a head's worth:
        // every byte stays buffered until the request is answered.
        if (position_ - body_start_ - request_.body.size() > limits_.max_head_bytes + request_.body.size())
          return fail(400, "malformed chunked body: its chunk sizes, extensions and trailers are longer than the "
                           "data they carry");
        if (phase_ == Phase::trailers) {
          if (line.empty()) {  // trailers are read and dropped
            consumed_ = position_;
            phase_ = Phase::done;
            return State::complete;
          }
          continue;
        }
        line = trim(line.substr(0, line.find(';')));  // chunk extensions are ignored
        uint64_t size = 0;
        const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (line.empty() || ec != std::errc() || end != line.data() + line.size())
          return fail(400, "malformed chunked body: '" + std::string(line.substr(0, 40)) + "' is not a chunk size");
        if (size == 0) {
          phase_ = Phase::trailers;
          continue;
        }
        if (size > limits_.max_body_bytes - std::min(request_.body.size(), limits_.max_body_bytes))
          return fail(413, limit_message(request_.body.size() + size, limits_.max_body_bytes));
        chunk_left_ = size;
        phase_ = Phase::chunk_data;
        continue;
      }
      case Phase::chunk_data: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(chunk_left_, received.size() - position_));
        request_.body.append(received.substr(position_, take));
        position_ += take;
        chunk_left_ -= take;
        if (chunk_left_ > 0) return State::need_more;
        phase_ = Phase::chunk_end;
        continue;
      }
      case Phase::chunk_end: {
        if (position_ >= received.size()) return State::need_more;
        if (received[position_] == '\r') {
          if (position_ + 1 >= received.size()) return State::need_more;
          ++position_;
        }
        if (received[position_] != '\n') return fail(400, "malformed chunked body: a chunk does not end with CRLF");
        ++position_;
        phase_ = Phase::chunk_size;
        continue;
      }
      default:
        return State::failed;
    }
  }
}

}  // namespace nimbus::serve::http
