#pragma once
// JSON text the server writes: responses are built as strings, because an infer answer is mostly a
// long list of floats that a DOM would only slow down.
#include <string>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus::serve {

// Appends `text` as a JSON string (quoted and escaped; bytes that are not UTF-8 become U+FFFD, so
// a client's odd name can never break the answer).
NIMBUS_API void append_json_string(std::string& out, std::string_view text);
// Appends the shortest decimal that reads back as the same float.
NIMBUS_API void append_json_float(std::string& out, float value);
// {"error": "<message>"}
NIMBUS_API std::string error_json(std::string_view message);

}  // namespace nimbus::serve
