// `nimbus serve --models DIR [--host 127.0.0.1] [--port 8000] [--device auto|cpu|cuda]
// [--api-key KEY] [--threads N] [--instances N] [--http-threads N] ...`: serves the model
// repository DIR over the KServe v2 REST protocol (serve/inference_server.h) until SIGTERM or
// SIGINT. Thread budget: Note [Thread budget] in serve/compute_threads.h; instances: Note [Model
// instances] in serve/batcher.h.
//
// Shutdown: the signals are blocked in every thread and taken by one watcher thread, so no
// handler runs in the middle of a request. The first signal stops accepting connections and lets
// the requests in flight finish; if they take longer than --shutdown-timeout the process exits
// with status 1, as it does on a second signal.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <thread>

#include "runtime/device.h"
#include "serve/compute_threads.h"
#include "serve/inference_server.h"
#include "serve/model_repository.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct ServeCommandOptions {
  std::string models, device = "auto";
  double shutdown_timeout_s = 10;
  serve::ServeOptions serve;
};

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Waits for SIGINT/SIGTERM until `done`, then stops the server (see the note at the top).
void watch_signals(serve::InferenceServer& server, const std::atomic<bool>& done, double timeout_s) {
  const sigset_t set = shutdown_signals();
  const timespec poll{0, 100'000'000};
  bool stopping = false;
  while (!done) {
    const int signal = sigtimedwait(&set, nullptr, &poll);
    if (signal <= 0) continue;
    if (stopping) {
      std::cerr << "nimbus serve: second signal, exiting now\n";
      std::_Exit(1);
    }
    stopping = true;
    std::cerr << "nimbus serve: " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
              << ": finishing the requests in flight (at most " << timeout_s << " s)\n";
    std::thread([timeout_s] {
      std::this_thread::sleep_for(std::chrono::duration<double>(timeout_s));
      std::cerr << "nimbus serve: requests still running after " << timeout_s << " s, exiting\n";
      std::_Exit(1);
    }).detach();
    server.stop();
  }
}

void serve_models(const ServeCommandOptions& options) {
  // Blocked before any thread starts, so every thread inherits the mask and only the watcher sees them.
  const sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  const Device device = Device::parse(options.device);
  const serve::ModelRepository repository = serve::ModelRepository::open(options.models, device);
  serve::ServeOptions serve_options = options.serve;
  if (serve_options.batching.compute_threads <= 0) serve_options.batching.compute_threads = serve::default_compute_threads();
  const int budget = serve_options.batching.compute_threads;
  for (const auto& [name, versions] : repository.all()) {
    std::cerr << "nimbus serve: model '" << name << "': " << versions.size() << " version(s), newest "
              << versions.rbegin()->first << ", on " << device.str() << "\n";
    for (const auto& [number, version] : versions)
      if (version.served->metadata().instances) {
        const int instances = serve::instances_of(version, serve_options.batching.instances);
        std::cerr << "nimbus serve: model '" << name << "' version " << number << ": " << instances
                  << " instance(s) (its metadata.json) of " << serve::threads_per_instance(budget, instances)
                  << " thread(s)\n";
      }
  }
  if (options.serve.host != "127.0.0.1" && options.serve.host != "localhost" && options.serve.host != "::1" &&
      options.serve.api_key.empty())
    std::cerr << "nimbus serve: warning: listening on " << options.serve.host << " without --api-key\n";
  const int instances = serve_options.batching.instances;
  std::cerr << "nimbus serve: " << budget << " compute thread(s) per device, " << instances
            << " instance(s) per model of " << serve::threads_per_instance(budget, instances) << " thread(s) each, "
            << serve_options.http_threads << " HTTP workers (parse and reply only)\n";
  serve::InferenceServer server(repository, serve_options);
  const int port = server.bind();
  std::cerr << "nimbus serve: listening on http://" << options.serve.host << ":" << port << std::endl;
  std::atomic<bool> done{false};
  std::thread watcher([&] { watch_signals(server, done, options.shutdown_timeout_s); });
  server.run();
  done = true;
  watcher.join();
  std::cerr << "nimbus serve: stopped\n";
}

}  // namespace

void add_serve_command(CLI::App& app) {
  static ServeCommandOptions options;
  auto* cmd = app.add_subcommand("serve", "Serve exported models over the KServe v2 REST protocol");
  cmd->add_option("--models", options.models, "The model repository: DIR/<model>/<version>/ (nimbus export)")->required();
  cmd->add_option("--host", options.serve.host, "The address to listen on (loopback by default)");
  cmd->add_option("--port", options.serve.port, "The port (0: any free port, printed on stderr)")->check(CLI::Range(0, 65535));
  cmd->add_option("--device", options.device, "auto, cpu, cuda or cuda:N");
  cmd->add_option("--api-key", options.serve.api_key, "Require 'Authorization: Bearer KEY' on all but health");
  cmd->add_option("--max-body-bytes", options.serve.max_body_bytes, "The largest request body accepted")
      ->check(CLI::Range(size_t{1024}, size_t{1} << 32));
  cmd->add_option("--http-threads", options.serve.http_threads,
                  "Connections served at once (parse and reply only; at least the clients' connections)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--busy-poll-us", options.serve.busy_poll_us,
                  "After an answer, poll the connection this long for the next request while the server is otherwise "
                  "idle (0: off)")
      ->check(CLI::Range(0, 10'000));
  cmd->add_option("--threads", options.serve.batching.compute_threads,
                  "Compute threads per device (default: the cores), shared by the instances: each runs with threads / instances")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--instances", options.serve.batching.instances,
                  "Instances per model version taking batches from its queue, each on its own thread and GPU stream "
                  "(a version's metadata.json may say otherwise)")
      ->check(CLI::Range(1, serve::kMaxInstances));
  cmd->add_option("--max-batch-size", options.serve.batching.max_batch_size, "Examples run together at most")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--max-queue-delay-us", options.serve.batching.max_queue_delay_us,
                  "How long a request may wait for others to batch with (microseconds)")
      ->check(CLI::Range(int64_t{0}, int64_t{10'000'000}));
  cmd->add_option("--max-queue", options.serve.batching.max_queue_requests, "Requests waiting per model; more get 503")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--request-timeout-ms", options.serve.batching.request_timeout_ms, "Answer 503 after waiting this long")
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}));
  cmd->add_option("--shutdown-timeout", options.shutdown_timeout_s, "Seconds to finish requests in flight on SIGTERM")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->callback([] { serve_models(options); });
}

}  // namespace nimbus::tools
