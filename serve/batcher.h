#pragma once
// Dynamic batching for one model version.
//
// Note [Dynamic batching]: requests are queued, and one worker thread per model version takes
// them in arrival order and runs them together: it waits until the queued rows reach
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
// run, and the result is dropped. Stopping refuses new requests and finishes the queued ones. The batch runs on the worker thread, with compute_threads OpenMP
// threads, holding the lock of its device shared by every batcher there (Note [Thread budget] in
// compute_threads.h).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "serve/metrics.h"
#include "serve/served_model.h"

namespace nimbus::serve {

struct BatchingOptions {
  int64_t max_batch_size = 32;       // rows per execution
  int64_t max_queue_delay_us = 0;    // how long the oldest request may wait for company
  int64_t max_queue_requests = 256;  // requests waiting; more are refused with 503
  int64_t request_timeout_ms = 30000;
  int compute_threads = 0;           // OpenMP threads a batch runs with; 0: the default (the cores)
};

class NIMBUS_API Batcher {
 public:
  // `device_lock`, when given, is held while a batch runs: batchers of models on the same device
  // share it, so their batches take turns instead of each running a full set of compute threads.
  Batcher(std::string name, std::shared_ptr<ServedModel> model, BatchingOptions options, ModelMetrics& metrics,
          std::shared_ptr<std::mutex> device_lock = nullptr);
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
  // Refuses new requests, runs the queued ones, and joins the worker.
  void stop();

 private:
  struct Job {
    std::vector<float> values;
    std::vector<int64_t> tokens;  // instead of values, for token models
    int64_t rows = 0;
    int64_t width = 0;            // values (or ids) per row: jobs batch together only when equal
    std::chrono::steady_clock::time_point enqueued;
    std::promise<std::vector<float>> result;
  };

  std::vector<float> enqueue(std::shared_ptr<Job> job);
  void work();
  void execute(std::vector<std::shared_ptr<Job>>& batch);

  std::string name_;
  std::shared_ptr<ServedModel> model_;
  BatchingOptions options_;
  ModelMetrics& metrics_;
  std::shared_ptr<std::mutex> device_lock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  int64_t queued_rows_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace nimbus::serve
