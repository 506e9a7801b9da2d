#include "serve/inference_server.h"

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kernels/library_info.h"
#include "runtime/error.h"
#include "serve/compute_threads.h"
#include "serve/http/http_server.h"
#include "serve/http_error.h"
#include "serve/infer_request.h"
#include "serve/infer_response.h"
#include "serve/json_text.h"

namespace nimbus::serve {

namespace {

constexpr const char* kJson = "application/json";
constexpr std::string_view kModelsPrefix = "/v2/models/";

// A path under /v2/models/: {m}, an optional /versions/{v}, then the rest of the route ("",
// "/ready" or "/infer" name one).
struct ModelPath {
  std::string model, version;
  bool has_version = false;
  std::string_view rest;
};

std::optional<ModelPath> parse_model_path(std::string_view path) {
  if (!path.starts_with(kModelsPrefix)) return std::nullopt;
  path.remove_prefix(kModelsPrefix.size());
  ModelPath p;
  const size_t slash = path.find('/');
  p.model.assign(path.substr(0, slash));
  if (p.model.empty()) return std::nullopt;
  path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  if (path.starts_with("/versions/")) {
    path.remove_prefix(std::string_view("/versions/").size());
    const size_t end = path.find('/');
    p.version.assign(path.substr(0, end));
    p.has_version = true;
    path = end == std::string_view::npos ? std::string_view() : path.substr(end);
  }
  p.rest = path;
  return p;
}

std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json tensor_specs_json(const std::vector<TensorSpec>& specs) {
  nlohmann::json list = nlohmann::json::array();
  for (const TensorSpec& s : specs) list.push_back({{"name", s.name}, {"datatype", s.datatype}, {"shape", s.shape}});
  return list;
}

// Compares in time independent of where the strings differ, so the key cannot be guessed byte by byte.
bool same_secret(std::string_view given, std::string_view key) {
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
  std::unique_ptr<http::HttpServer> server;
  std::atomic<bool> stopping{false};

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
    http::ServerOptions http_options;
    http_options.threads = options.http_threads;
    http_options.limits.max_body_bytes = options.max_body_bytes;
    http_options.busy_poll = std::chrono::microseconds(options.busy_poll_us);
    server = std::make_unique<http::HttpServer>(
        http_options, [this](const http::HttpRequest& req, http::HttpResponse& res) { handle(req, res); },
        [](int, const std::string& message, http::HttpResponse& res) { res.set_content(error_json(message), kJson); });
  }

  // Every request: errors become {"error": ...} answers, so nothing a client sends can take the
  // server down.
  void handle(const http::HttpRequest& req, http::HttpResponse& res) {
    try {
      route(req, res);
    } catch (const HttpError& e) {
      res.status = e.status();
      res.set_content(error_json(e.what()), kJson);
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(error_json(std::string("internal error: ").append(e.what())), kJson);
    }
  }

  // Whether the request may go on; answers 401 when the API key is missing or wrong.
  bool authorized(const http::HttpRequest& req, http::HttpResponse& res) const {
    if (options.api_key.empty() || req.path.starts_with("/v2/health/")) return true;
    const std::string_view header = req.header("Authorization");
    const std::string_view prefix = "Bearer ";  // the scheme's name is case-insensitive (RFC 9110 11.1)
    if (header.size() >= prefix.size() && http::equal_ignoring_case(header.substr(0, prefix.size()), prefix) &&
        same_secret(header.substr(prefix.size()), options.api_key))
      return true;
    res.status = 401;
    res.headers.emplace_back("WWW-Authenticate", "Bearer");
    res.set_content(error_json(header.empty() ? "missing API key: send the header 'Authorization: Bearer <key>'"
                                              : "wrong API key"),
                    kJson);
    return false;
  }

  void route(const http::HttpRequest& req, http::HttpResponse& res) {
    if (!authorized(req, res)) return;
    const bool get = req.method == "GET" || req.method == "HEAD", post = req.method == "POST";
    const std::string& path = req.path;
    if (get && path == "/v2/health/live") return res.set_content(R"({"live":true})", kJson);
    if (get && path == "/v2/health/ready") {
      if (stopping) throw HttpError(503, "not ready: the server is shutting down");
      return res.set_content(R"({"ready":true})", kJson);
    }
    if (get && path == "/v2")
      return res.set_content(dump({{"name", "nimbus"}, {"version", version()}, {"extensions", nlohmann::json::array()}}), kJson);
    if (get && path == "/metrics") return res.set_content(metrics.prometheus_text(), "text/plain; version=0.0.4");
    if (const std::optional<ModelPath> p = parse_model_path(path)) {
      if (get && p->rest.empty()) return model_metadata(*p, res);
      if (get && p->rest == "/ready") {
        const ModelVersion& v = repository.find(p->model, p->version);
        return res.set_content(dump({{"name", v.model}, {"version", std::to_string(v.version)}, {"ready", !stopping.load()}}), kJson);
      }
      if (post && p->rest == "/infer") return infer(*p, req.body, res);
    }
    throw HttpError(404, std::string("no route for ").append(req.method).append(" ").append(path));
  }

  void model_metadata(const ModelPath& p, http::HttpResponse& res) const {
    const ModelVersion& v = repository.find(p.model, p.version);
    nlohmann::json versions = nlohmann::json::array();
    if (p.has_version) versions.push_back(std::to_string(v.version));
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
  }

  void infer(const ModelPath& p, const std::string& body, http::HttpResponse& res) {
    const ModelVersion& v = repository.find(p.model, p.version);
    Served& s = served.at(&v);
    try {
      InferRequest request = parse_infer_request(body);
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
  }
};

InferenceServer::InferenceServer(const ModelRepository& repository, ServeOptions options)
    : impl_(std::make_unique<Impl>(repository, std::move(options))) {}

InferenceServer::~InferenceServer() {
  stop();
  for (auto& [version, s] : impl_->served) s.batcher->stop();
}

int InferenceServer::bind() { return impl_->server->bind(impl_->options.host, impl_->options.port); }

void InferenceServer::run() {
  impl_->server->run();  // returns after its workers answered the requests they had read
  for (auto& [version, s] : impl_->served) s.batcher->stop();
}

void InferenceServer::stop() {
  impl_->stopping = true;
  impl_->server->stop();
}

}  // namespace nimbus::serve
