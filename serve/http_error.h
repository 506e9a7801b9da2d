#pragma once
// An error a request caused, with the HTTP status the KServe v2 protocol maps it to: 400 for a
// malformed or invalid request, 404 for an unknown model or version, 503 when the server cannot
// take more work, 500 when running the model failed. The message names what was wrong and is sent
// to the client as {"error": "..."}.
#include <stdexcept>
#include <string>

#include "runtime/macros.h"

namespace nimbus::serve {

class NIMBUS_API HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace nimbus::serve
