#pragma once
// Names in a model repository. A model name is what a client puts in a URL and what the server
// turns into a folder, so it is restricted to letters, digits, '_', '-' and '.', does not start
// with '.', and is at most 128 characters: no name can climb out of the repository ("..", "/",
// "%2F" decoded) or hide as a dot file. A version is a positive decimal number without leading
// zeros ("1", "12"), so "01" and "1" cannot name two folders of one version.
#include <cstdint>
#include <optional>
#include <string_view>

#include "runtime/macros.h"

namespace nimbus::serve {

inline constexpr size_t kMaxModelNameLength = 128;

NIMBUS_API bool is_valid_model_name(std::string_view name);
// The version number, or nothing when `text` is not a valid version.
NIMBUS_API std::optional<int64_t> parse_version(std::string_view text);

}  // namespace nimbus::serve
