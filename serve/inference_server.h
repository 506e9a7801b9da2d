#pragma once
// The HTTP side of `nimbus serve`: the KServe v2 REST endpoints over a model repository, on
// cpp-httplib.
//
//   GET  /v2/health/live, /v2/health/ready          (never need the API key)
//   GET  /v2                                         server metadata
//   GET  /v2/models/{m}[/versions/{v}]               model metadata
//   GET  /v2/models/{m}[/versions/{v}]/ready
//   POST /v2/models/{m}[/versions/{v}]/infer         serve/infer_request.h
//   GET  /metrics                                    serve/metrics.h
//
// Every error is {"error": "..."} naming what was wrong, with the status serve/http_error.h lists
// (401 for a missing or wrong API key, 413 for a body over the limit). Infer requests go through
// one Batcher per model version (Note [Dynamic batching] in batcher.h), run by the version's
// instances (Note [Model instances]) within one compute budget per device (Note [Thread budget]).
#include <cstdint>
#include <memory>
#include <string>

#include "serve/batcher.h"
#include "serve/model_repository.h"

namespace nimbus::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";  // loopback unless asked otherwise
  int port = 8000;                 // 0: any free port (bind() says which)
  std::string api_key;             // when set, every endpoint but health needs "Authorization: Bearer <key>"
  size_t max_body_bytes = 16u << 20;
  // Connections served at once. Workers parse, wait on the batcher and serialize; compute threads
  // are set apart, in batching.compute_threads (Note [Thread budget] in compute_threads.h).
  int http_threads = 128;
  // After answering, a worker polls its connection this long for the next request while no other
  // request is in flight, instead of sleeping at once (Note [Busy polling] in http/http_server.h);
  // 0 turns it off.
  int busy_poll_us = 50;
  // batching.compute_threads is each device's budget (0: the cores); batching.instances the
  // instances of a version whose metadata.json does not say.
  BatchingOptions batching;
};

// The instances that serve `version`: its metadata's "instances", else `server_default`.
NIMBUS_API int instances_of(const ModelVersion& version, int server_default);

class NIMBUS_API InferenceServer {
 public:
  InferenceServer(const ModelRepository& repository, ServeOptions options);
  ~InferenceServer();
  InferenceServer(const InferenceServer&) = delete;
  InferenceServer& operator=(const InferenceServer&) = delete;

  // Binds the listening socket and returns the port. Throws IOError when the address is taken or
  // cannot be used.
  int bind();
  // Serves until stop(); returns once the requests in flight have been answered.
  void run();
  // Stops accepting requests (readiness turns false at once); safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nimbus::serve
