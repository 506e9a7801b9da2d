#include "runtime/fault_injection.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace nimbus {

bool fault_requested(const char* variable, std::string_view point, int64_t n) {
  const char* value = std::getenv(variable);
  if (value == nullptr) return false;
  const std::string_view text = value;
  if (text.size() <= point.size() || !text.starts_with(point) || text[point.size()] != ':') return false;
  const std::string number(text.substr(point.size() + 1));
  char* end = nullptr;
  const long long parsed = std::strtoll(number.c_str(), &end, 10);
  return end != number.c_str() && *end == '\0' && parsed == n;
}

void kill_self() {
  std::raise(SIGKILL);
  std::abort();  // not reached
}

}  // namespace nimbus
