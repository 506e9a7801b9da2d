#pragma once
// One HTTP/1.1 request as the server hands it to its handler, and the answer the handler fills.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/macros.h"

namespace nimbus::serve::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// ASCII case-insensitive equality, as header names and some header values compare.
NIMBUS_API bool equal_ignoring_case(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;  // as sent: methods are case-sensitive
  std::string path;    // percent-decoded, without the query
  std::string query;   // after '?', still encoded
  int minor_version = 1;  // HTTP/1.<minor>
  Headers headers;        // in the order sent, names as sent
  std::string body;       // de-chunked

  // The first header called `name` (any case), or "" when there is none.
  std::string_view header(std::string_view name) const {
    for (const auto& [key, value] : headers)
      if (equal_ignoring_case(key, name)) return value;
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  Headers headers;  // besides Content-Type, Content-Length and Connection, which the server writes

  void set_content(std::string text, std::string type) {
    body = std::move(text);
    content_type = std::move(type);
  }
};

// The reason phrase of a status code ("OK", "Not Found", ...); "" for codes it does not know.
NIMBUS_API const char* reason_phrase(int status);

// The response as it goes on the wire: the status line, the headers and the body in one string,
// so that it leaves in one send(). `keep_alive` false adds "Connection: close"; `head_only`
// leaves the body out (an answer to HEAD) but still states its length.
NIMBUS_API std::string serialize_response(const HttpResponse& response, bool keep_alive, bool head_only = false);

}  // namespace nimbus::serve::http
