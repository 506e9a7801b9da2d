#pragma once
// Checking what an error says: the message of the Error a call throws, and that it names the
// words a user needs (the op, the shapes, the bad value).
#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>

#include "runtime/error.h"

namespace nimbus::testing {

// The message of the Error `f` throws; a test failure when it throws none.
inline std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

inline void expect_mentions(const std::string& message, std::initializer_list<const char*> words) {
  for (const char* word : words) EXPECT_NE(message.find(word), std::string::npos) << "'" << word << "' in: " << message;
}

}  // namespace nimbus::testing
