#include "serve/inference_server.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include <httplib.h>
#include <sys/socket.h>
#include <nlohmann/json.hpp>

#include "kernels/library_info.h"
#include "runtime/error.h"
#include "serve/compute_threads.h"
#include "serve/http_error.h"
#include "serve/infer_request.h"
#include "serve/infer_response.h"
#include "serve/json_text.h"

namespace nimbus::serve {

namespace {

constexpr const char* kJson = "application/json";
constexpr int kListenBacklog = 1024;  // connections waiting for accept(); the kernel caps it at somaxconn
// A model path: /v2/models/{m} with an optional /versions/{v}, then the rest of the route.
constexpr const char* kModelPath = R"(/v2/models/([^/]+)(?:/versions/([^/]*))?)";

std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json tensor_specs_json(const std::vector<TensorSpec>& specs) {
  nlohmann::json list = nlohmann::json::array();
  for (const TensorSpec& s : specs) list.push_back({{"name", s.name}, {"datatype", s.datatype}, {"shape", s.shape}});
  return list;
}

// Compares in time independent of where the strings differ, so the key cannot be guessed byte by byte.
bool same_secret(const std::string& given, const std::string& key) {
  if (given.size() != key.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < key.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ key[i]);
  return diff == 0;
}

}  // namespace

int instances_of(const ModelVersion& version, int server_default) {
  return version.served->metadata().instances.value_or(server_default);
}

struct InferenceServer::Impl {
  struct Served {
    ModelMetrics* metrics = nullptr;
    std::unique_ptr<Batcher> batcher;
  };

  const ModelRepository& repository;
  ServeOptions options;
  Metrics metrics;
  std::map<const ModelVersion*, Served> served;
  httplib::Server http;
  std::atomic<bool> stopping{false}, running{false}, finished{false};
  socket_t listen_socket = -1;

  Impl(const ModelRepository& repo, ServeOptions opts) : repository(repo), options(std::move(opts)) {
    // One compute budget per device, shared by the instances of every model there (Note [Thread budget]).
    const int budget_threads =
        options.batching.compute_threads > 0 ? options.batching.compute_threads : default_compute_threads();
    std::map<std::string, std::shared_ptr<ComputeBudget>> budgets;
    metrics.watch_device(Device::cpu());  // requests are staged in CPU memory whatever the device
    for (const auto& [name, versions] : repository.all())
      for (const auto& [number, version] : versions) {
        const Device device = version.served->device();
        metrics.watch_device(device);
        std::shared_ptr<ComputeBudget>& budget = budgets[device.str()];
        if (!budget) budget = std::make_shared<ComputeBudget>(budget_threads);
        BatchingOptions batching = options.batching;
        batching.compute_threads = budget_threads;
        batching.instances = instances_of(version, options.batching.instances);
        Served& s = served[&version];
        s.metrics = &metrics.model(name, number);
        s.batcher = std::make_unique<Batcher>(std::string("model '").append(name).append("' version ").append(std::to_string(number)),
                                              version.served, batching, *s.metrics, budget);
      }
    configure();
    routes();
  }

  // Runs `handler`, turning errors into {"error": ...} answers: nothing a client sends can take
  // the server down.
  template <class Handler>
  httplib::Server::Handler guarded(Handler handler) {
    return [handler](const httplib::Request& req, httplib::Response& res) {
      try {
        handler(req, res);
      } catch (const HttpError& e) {
        res.status = e.status();
        res.set_content(error_json(e.what()), kJson);
      } catch (const std::exception& e) {
        res.status = 500;
        res.set_content(error_json(std::string("internal error: ").append(e.what())), kJson);
      }
    };
  }

  void configure() {
    const int threads = options.http_threads;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    http.set_payload_max_length(options.max_body_bytes);
    // httplib writes the headers and the body of an answer separately: with Nagle's algorithm the
    // body then waits for the client's delayed ACK, about 40 ms per request on Linux.
    http.set_tcp_nodelay(true);
    // Called on the listening socket before bind: SO_REUSEADDR (a restart can reuse the port at
    // once, while another live server on it is still refused), and the socket is kept so bind()
    // can raise httplib's listen backlog of 5 (see there).
    http.set_socket_options([this](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      listen_socket = sock;
    });
    http.set_read_timeout(10);
    http.set_write_timeout(10);
    // Idle keep-alive connections hold a worker; a short timeout lets shutdown finish quickly.
    http.set_keep_alive_timeout(1);
    http.set_keep_alive_max_count(1000);
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (options.api_key.empty() || req.path.starts_with("/v2/health/")) return httplib::Server::HandlerResponse::Unhandled;
      const std::string header = req.get_header_value("Authorization");
      const std::string prefix = "Bearer ";
      if (header.starts_with(prefix) && same_secret(header.substr(prefix.size()), options.api_key))
        return httplib::Server::HandlerResponse::Unhandled;
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer");
      res.set_content(error_json(header.empty() ? "missing API key: send the header 'Authorization: Bearer <key>'"
                                                : "wrong API key"),
                      kJson);
      return httplib::Server::HandlerResponse::Handled;
    });
    // Errors httplib answers itself (no route, body too large, bad request line) get a JSON body too.
    http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string message;
      if (res.status == 404) message = std::string("no route for ").append(req.method).append(" ").append(req.path);
      else if (res.status == 413)
        message = std::string("the request body is larger than the limit of ").append(std::to_string(options.max_body_bytes)).append(" bytes");
      else message = std::string("bad request (HTTP status ").append(std::to_string(res.status)).append(")");
      res.set_content(error_json(message), kJson);
    });
  }

  void routes() {
    http.Get("/v2/health/live", guarded([](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"live":true})", kJson);
    }));
    http.Get("/v2/health/ready", guarded([this](const httplib::Request&, httplib::Response& res) {
      if (stopping) throw HttpError(503, "not ready: the server is shutting down");
      res.set_content(R"({"ready":true})", kJson);
    }));
    http.Get("/v2", guarded([](const httplib::Request&, httplib::Response& res) {
      res.set_content(dump({{"name", "nimbus"}, {"version", version()}, {"extensions", nlohmann::json::array()}}), kJson);
    }));
    http.Get("/metrics", guarded([this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics.prometheus_text(), "text/plain; version=0.0.4");
    }));
    http.Get(std::string(kModelPath) + "/ready", guarded([this](const httplib::Request& req, httplib::Response& res) {
      const ModelVersion& v = repository.find(req.matches.str(1), req.matches.str(2));
      res.set_content(dump({{"name", v.model}, {"version", std::to_string(v.version)}, {"ready", !stopping.load()}}), kJson);
    }));
    http.Get(kModelPath, guarded([this](const httplib::Request& req, httplib::Response& res) {
      const ModelVersion& v = repository.find(req.matches.str(1), req.matches.str(2));
      nlohmann::json versions = nlohmann::json::array();
      if (req.matches[2].matched) versions.push_back(std::to_string(v.version));
      else
        for (const int64_t n : repository.versions(v.model)) versions.push_back(std::to_string(n));
      const ModelMetadata& m = v.served->metadata();
      nlohmann::json answer = {{"name", v.model},
                               {"versions", versions},
                               {"platform", m.platform},
                               {"inputs", tensor_specs_json(m.inputs)},
                               {"outputs", tensor_specs_json(m.outputs)}};
      // What KServe's shapes cannot say: the vocabulary and the longest sequence (Note [Token model]).
      if (m.tokens)
        answer["parameters"] = {{"vocabulary", vocabulary_to_latin1_utf8(m.tokens->vocabulary)},
                                {"vocabulary_size", static_cast<int64_t>(m.tokens->vocabulary.size())},
                                {"max_sequence_length", m.tokens->max_sequence_length}};
      res.set_content(dump(answer), kJson);
    }));
    http.Post(std::string(kModelPath) + "/infer", guarded([this](const httplib::Request& req, httplib::Response& res) {
      const ModelVersion& v = repository.find(req.matches.str(1), req.matches.str(2));
      Served& s = served.at(&v);
      try {
        InferRequest request = parse_infer_request(req.body);
        const ServedModel& model = *v.served;
        const int64_t rows = validate_infer_request(request, model.metadata());
        InferInput& input = request.inputs[0];
        const std::vector<float> outputs = model.takes_tokens() ? s.batcher->infer_tokens(std::move(input.ints), rows)
                                                                : s.batcher->infer(std::move(input.data), rows);
        res.set_content(infer_response_json(v.model, v.version, request.id, model.metadata().outputs[0], rows, outputs), kJson);
        s.metrics->success.fetch_add(1, std::memory_order_relaxed);
      } catch (...) {
        s.metrics->failure.fetch_add(1, std::memory_order_relaxed);
        throw;
      }
    }));
  }
};

InferenceServer::InferenceServer(const ModelRepository& repository, ServeOptions options)
    : impl_(std::make_unique<Impl>(repository, std::move(options))) {}

InferenceServer::~InferenceServer() {
  stop();
  for (auto& [version, s] : impl_->served) s.batcher->stop();
}

int InferenceServer::bind() {
  const ServeOptions& o = impl_->options;
  errno = 0;
  int port = o.port;
  bool bound = false;
  if (o.port == 0) {
    port = impl_->http.bind_to_any_port(o.host);
    bound = port > 0;
  } else {
    bound = impl_->http.bind_to_port(o.host, o.port);
  }
  NIMBUS_CHECK_T(IOError, bound, "cannot listen on ", o.host, ":", o.port, ": ",
                 errno ? std::strerror(errno) : "the address is not usable");
  // httplib listens with a backlog of 5: clients opening many connections at once overflow it and
  // their connects are retried a second later. Linux takes a second listen() as a new backlog.
  if (impl_->listen_socket >= 0) ::listen(impl_->listen_socket, kListenBacklog);
  return port;
}

void InferenceServer::run() {
  impl_->running = true;
  if (!impl_->stopping) impl_->http.listen_after_bind();
  // listen_after_bind returns after its workers finished the connections they had accepted.
  for (auto& [version, s] : impl_->served) s.batcher->stop();
  impl_->finished = true;
}

void InferenceServer::stop() {
  impl_->stopping = true;
  // stop() before the listener runs would be lost: wait for it to start (or for run() to end).
  if (impl_->running)
    while (!impl_->http.is_running() && !impl_->finished) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl_->http.stop();
}

}  // namespace nimbus::serve
