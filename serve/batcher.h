#pragma once
// Dynamic batching for one model version.
//
// Note [Dynamic batching]: requests are queued, and the model's instances (below) take them in
// arrival order and run them together: an idle instance waits until the queued rows reach
// max_batch_size or the oldest request has waited max_queue_delay_us, then runs every queued
// request that fits (a request larger than max_batch_size runs alone). The delay is 0 by default,
// as in Triton: the requests that arrive while a batch runs form the next one, so batches grow
// with the load by themselves, and a lone request is not held back (on 2 cores a 500 us delay
// cut the digits mlp from ~11000 to ~1500 requests/s on one connection:
// bench/results/serve-load-*). Rows are independent in every served model (evaluation mode, no
// batch statistics), so each request gets the answer it would get alone. Token models batch only
// sequences of one length (no padding): a batch takes the oldest request and the queued ones of
// its length, in arrival order, and leaves the others for the next batches. The queue holds at
// most max_queue_requests; past that a request is refused with 503 at once instead of waiting
// without bound. A request waiting longer than its timeout is answered 503; its rows may still
// run, and the result is dropped. Stopping refuses new requests and finishes the queued ones on
// every instance before stop() returns.
//
// Note [Model instances]: a model version runs on `instances` threads (--instances, or
// "instances" in its metadata.json), each taking batches from the one queue, so while one
// instance runs a batch the next batch can start on another. What an instance owns: its thread,
// its compute-thread count (OpenMP's setting is per thread, Note [Thread budget] in
// compute_threads.h) and its stream, made the thread's current stream for its whole life, so on a
// GPU the kernels, copies and allocations of two instances go to different streams and overlap
// (runtime/stream.h; cuBLAS handles are per thread already, kernels/cuda/cublas_gemm.h). On the
// CPU every stream is the default one, and instances overlap as threads. The weights are shared,
// not copied: ServedModel::run may be called by several threads at once (Note [Shared weights] in
// served_model.h). A batch holds its instance's threads of the device's compute budget while it
// runs (Note [Compute budget] in compute_budget.h), so instances x compute threads never exceed
// --threads. Batches form while every instance is busy: an idle instance takes what is queued at
// once (unless max_queue_delay_us holds it back), so more instances mean smaller batches at the
// same load, and they pay off when a batch leaves the device idle part of the time (host work,
// copies and launches between kernels on a GPU) or when one batch cannot use every core.
//
// Note [Running on the receiving thread]: on the CPU, a request that arrives while nothing is
// queued, an instance is idle and max_queue_delay_us is 0 would be taken by that instance at once
// and run alone; handing it over costs two thread switches (wake the instance, wake the HTTP
// worker with the answer), which on loopback were the largest part of a one-connection request's
// time (perf: futex wake/wait ~30% of the server's CPU, the model ~3%). So the HTTP worker runs it
// itself, as that instance: it claims the idle instance (its thread then sleeps on until the
// instance is free again), takes the instance's stream and share of the budget, runs the batch
// and frees the instance. Batching is unchanged, since only a request that would have been a
// batch of one runs this way; arrival order too, since nothing was waiting before it. Only
// requests of at most kCallerRows rows, and on one thread: splitting a few rows over threads
// costs more in fork and join than it saves (digits cnn, one connection, one row: ~13k requests/s
// on one thread, ~10k on two), and an HTTP worker that never runs a parallel region never grows
// an OpenMP team of its own, so the threads stay those of the instances whatever the workers.
// A GPU keeps the hand-over: there the switch is small next to a launch and a synchronisation,
// and every thread that computes on a GPU holds its own library handles (cuBLAS), which the HTTP
// workers would multiply.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/stream.h"
#include "serve/compute_budget.h"
#include "serve/metrics.h"
#include "serve/served_model.h"

namespace nimbus::serve {

struct BatchingOptions {
  int64_t max_batch_size = 32;       // rows per execution
  int64_t max_queue_delay_us = 0;    // how long the oldest request may wait for company
  int64_t max_queue_requests = 256;  // requests waiting; more are refused with 503
  int64_t request_timeout_ms = 30000;
  // Threads computing at once on the model's device, shared by its instances (each runs with
  // compute_threads / instances, at least 1; Note [Thread budget]); 0: the cores.
  int compute_threads = 0;
  int instances = 1;                 // threads taking batches from the queue, 1..kMaxInstances
  // Called on the instance's thread before each batch runs, with the budget's threads held (tests:
  // a slow model; tracing); an exception fails the batch as the model's would.
  std::function<void(int instance)> before_batch;
};

class NIMBUS_API Batcher {
 public:
  // The most rows a request may have to run on the thread that received it (Note [Running on the
  // receiving thread]); larger ones go to an instance's thread and its compute threads.
  static constexpr int64_t kCallerRows = 8;

  // Starts options.instances instance threads. `budget`, when given, is the compute budget of the
  // model's device, shared by every batcher there (Note [Compute budget]); without one, batches
  // run without waiting for others. Throws ConfigError for an instance count outside
  // [1, kMaxInstances].
  Batcher(std::string name, std::shared_ptr<ServedModel> model, BatchingOptions options, ModelMetrics& metrics,
          std::shared_ptr<ComputeBudget> budget = nullptr);
  ~Batcher();  // stop()
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Runs `rows` examples (rows * input_width raw values) and returns their outputs. Blocks until
  // done; throws HttpError: 503 when the queue is full, the server is stopping or the timeout
  // passed, 500 when the model failed.
  std::vector<float> infer(std::vector<float> values, int64_t rows);
  // Token models: `rows` sequences of equal length (ids already checked against the vocabulary);
  // returns their next-token logits (ServedModel::run_tokens). Errors as infer().
  std::vector<float> infer_tokens(std::vector<int64_t> tokens, int64_t rows);
  // Refuses new requests, runs the queued ones, and joins every instance.
  void stop();

  int instances() const { return static_cast<int>(instances_.size()); }
  // The OpenMP threads each instance runs a batch with.
  int threads_per_instance() const { return threads_per_instance_; }
  // Requests waiting for an instance (not those running).
  size_t queued_requests() const;

 private:
  struct Job {
    std::vector<float> values;
    std::vector<int64_t> tokens;  // instead of values, for token models
    int64_t rows = 0;
    int64_t width = 0;            // values (or ids) per row: jobs batch together only when equal
    std::chrono::steady_clock::time_point enqueued;
    // Where the answer goes: `result` for a job that waited in the queue; for one run on its
    // caller's thread, `output` or `error`, read back without the promise's synchronisation (a
    // futex system call per request in glibc's std::call_once).
    bool on_caller = false;
    std::promise<std::vector<float>> result;
    std::vector<float> output;
    std::exception_ptr error;
  };

  std::vector<float> enqueue(std::shared_ptr<Job> job);
  // Claims an idle instance for the calling thread when a job of `rows` rows may run on it at once
  // (Note [Running on the receiving thread]); -1 when not (mutex_ held).
  int claim_idle_instance(int64_t rows);
  // Runs `job` alone on the calling thread as `instance`, claimed above, then frees the instance.
  void run_on_caller(std::shared_ptr<Job> job, int instance);
  void wake_an_idle_instance();
  // One instance's thread: takes batches from the queue until it is stopped and empty.
  void work(int instance);
  // The oldest job and the queued ones that batch with it (mutex_ held).
  std::vector<std::shared_ptr<Job>> take_batch();
  void execute(std::vector<std::shared_ptr<Job>>& batch, int instance);

  std::string name_;
  std::shared_ptr<ServedModel> model_;
  BatchingOptions options_;
  ModelMetrics& metrics_;
  std::shared_ptr<ComputeBudget> budget_;
  int threads_per_instance_ = 1;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  int64_t queued_rows_ = 0;
  bool stopping_ = false;
  const bool run_on_caller_;          // Note [Running on the receiving thread]
  std::vector<Stream> streams_;       // per instance
  std::vector<char> busy_;            // per instance: running a batch, on its thread or a caller's
  std::vector<std::thread> instances_;
};

}  // namespace nimbus::serve
