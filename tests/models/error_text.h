#pragma once
// The message of the nimbus::Error that `fn` throws, or "(no error)": for tests that check what an
// error says rather than only that one was thrown.
#include <string>

#include "runtime/error.h"

namespace nimbus::testing {

template <typename Fn>
std::string error_text(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace nimbus::testing
