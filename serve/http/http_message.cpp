#include "serve/http/http_message.h"

#include <string>

namespace nimbus::serve::http {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] | 0x20) : a[i];
    const char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] | 0x20) : b[i];
    if (x != y) return false;
  }
  return true;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "";
  }
}

std::string serialize_response(const HttpResponse& response, bool keep_alive, bool head_only) {
  std::string out;
  size_t extra = 0;
  for (const auto& [name, value] : response.headers) extra += name.size() + value.size() + 4;
  out.reserve(128 + response.content_type.size() + extra + (head_only ? 0 : response.body.size()));
  out.append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ").append(reason_phrase(response.status));
  out.append("\r\nContent-Type: ").append(response.content_type);
  out.append("\r\nContent-Length: ").append(std::to_string(response.body.size()));
  if (!keep_alive) out.append("\r\nConnection: close");
  for (const auto& [name, value] : response.headers) out.append("\r\n").append(name).append(": ").append(value);
  out.append("\r\n\r\n");
  if (!head_only) out.append(response.body);
  return out;
}

}  // namespace nimbus::serve::http
