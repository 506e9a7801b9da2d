#pragma once
// Reads one HTTP/1.1 request from the bytes of a connection as they arrive.
//
// Note [Request framing]
// The parser is fed the bytes received since the request began, each time more arrive, and
// remembers how far it got: the head is searched for its blank line once, a Content-Length body is
// waited for without being looked at, and a chunked body is decoded chunk by chunk. What it refuses,
// and with which status:
//  - a head over `max_head_bytes` (431; counting the empty lines before it), a malformed request
//    line or header, a header folded over lines, or an HTTP version other than 1.0 and 1.1 (400,
//    505);
//  - Content-Length and Transfer-Encoding together, or two different Content-Lengths (400): a
//    proxy in front might frame the request differently than we do (request smuggling);
//  - a transfer coding other than chunked (501);
//  - a body over `max_body_bytes` (413), decided from Content-Length before any of the body is
//    read, or as chunks arrive; chunk framing (sizes, extensions, trailers) longer than the data
//    it carries plus `max_head_bytes` (400), since every byte stays buffered until the answer.
// Bytes after the request (a pipelined next request) are left to the caller: consumed() says where
// this one ended.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/macros.h"
#include "serve/http/http_message.h"

namespace nimbus::serve::http {

struct RequestLimits {
  size_t max_head_bytes = 64u << 10;  // request line and headers
  size_t max_body_bytes = 16u << 20;
};

class NIMBUS_API RequestParser {
 public:
  enum class State { need_more, complete, failed };

  explicit RequestParser(RequestLimits limits) : limits_(limits) {}

  // `received`: every byte of the connection since this request began (the same prefix as the
  // last call, plus what arrived since). Returns complete once the whole request is in request().
  State parse(std::string_view received);

  // After need_more: whether the head is read and the client waits for "100 Continue" before it
  // sends the body (Expect: 100-continue).
  bool expects_continue() const { return phase_ > Phase::head && expect_continue_ && !body_started_; }

  // After complete: the request, and how many bytes of `received` it took.
  HttpRequest& request() { return request_; }
  size_t consumed() const { return consumed_; }
  // Whether the connection may carry another request after this one's answer.
  bool keep_alive() const { return keep_alive_; }

  // After failed: the status to answer with and what was wrong.
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  enum class Phase { head, length_body, chunk_size, chunk_data, chunk_end, trailers, done, failed };

  State fail(int status, std::string message);
  State parse_head(std::string_view head);
  State parse_request_line(std::string_view line);
  State parse_chunks(std::string_view received);

  RequestLimits limits_;
  Phase phase_ = Phase::head;
  HttpRequest request_;
  size_t scanned_ = 0;      // head bytes already searched for the blank line
  size_t position_ = 0;     // where parsing goes on in `received`
  size_t body_start_ = 0;   // where the body begins in `received`
  uint64_t body_length_ = 0;
  uint64_t chunk_left_ = 0;
  bool expect_continue_ = false;
  bool body_started_ = false;
  bool keep_alive_ = true;
  size_t consumed_ = 0;
  int error_status_ = 0;
  std::string error_message_;
};

// Percent-decoding of a URL path ("%2F" becomes "/"; '+' stays). False when a '%' is not followed
// by two hex digits or the result holds a NUL.
NIMBUS_API bool percent_decode(std::string_view text, std::string& out);

}  // namespace nimbus::serve::http
