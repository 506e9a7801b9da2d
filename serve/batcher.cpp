#include "serve/batcher.h"

#include <exception>

#include "runtime/error.h"
#include "serve/compute_threads.h"
#include "serve/http_error.h"

namespace nimbus::serve {

namespace {

uint64_t microseconds_since(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace

Batcher::Batcher(std::string name, std::shared_ptr<ServedModel> model, BatchingOptions options, ModelMetrics& metrics,
                 std::shared_ptr<ComputeBudget> budget)
    : name_(std::move(name)), model_(std::move(model)), options_(std::move(options)), metrics_(metrics),
      budget_(std::move(budget)), run_on_caller_(model_->device().is_cpu() && options_.max_queue_delay_us == 0) {
  NIMBUS_CHECK_T(ConfigError, options_.instances >= 1 && options_.instances <= kMaxInstances, name_, ": instances must be from 1 to ",
                 kMaxInstances, ", got ", options_.instances);
  // Each instance's share of the device's budget (Note [Thread budget]).
  threads_per_instance_ =
      serve::threads_per_instance(budget_ ? budget_->threads() : options_.compute_threads, options_.instances);
  metrics_.instances = options_.instances;
  // Streams are made here, on the calling thread, so a device error is thrown to the caller.
  for (int i = 0; i < options_.instances; ++i) streams_.push_back(new_stream(model_->device()));
  busy_.assign(static_cast<size_t>(options_.instances), 0);
  for (int i = 0; i < options_.instances; ++i) instances_.emplace_back([this, i] { work(i); });
}

Batcher::~Batcher() { stop(); }

void Batcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& instance : instances_)
    if (instance.joinable()) instance.join();
}

size_t Batcher::queued_requests() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::vector<float> Batcher::infer(std::vector<float> values, int64_t rows) {
  auto job = std::make_shared<Job>();
  job->values = std::move(values);
  job->rows = rows;
  job->width = model_->input_width();
  return enqueue(std::move(job));
}

std::vector<float> Batcher::infer_tokens(std::vector<int64_t> tokens, int64_t rows) {
  // A transformer's activations grow with rows x length x width in every layer: one request of
  // millions of short sequences would exhaust memory and take the server down. Token requests are
  // therefore held to one batch's worth of sequences (classifier rows stay unbounded: their
  // memory is a few floats per row).
  if (rows > options_.max_batch_size)
    throw HttpError(400, std::string("a token request may hold at most max_batch_size = ")
                             .append(std::to_string(options_.max_batch_size))
                             .append(" sequences, got ")
                             .append(std::to_string(rows))
                             .append("; split it into several requests"));
  auto job = std::make_shared<Job>();
  job->width = rows > 0 ? static_cast<int64_t>(tokens.size()) / rows : 0;
  job->tokens = std::move(tokens);
  job->rows = rows;
  return enqueue(std::move(job));
}

std::vector<float> Batcher::enqueue(std::shared_ptr<Job> job) {
  const int64_t rows = job->rows;
  std::future<std::vector<float>> result = job->result.get_future();
  {
    std::unique_lock lock(mutex_);
    if (stopping_) throw HttpError(503, "the server is shutting down");
    if (static_cast<int64_t>(queue_.size()) >= options_.max_queue_requests)
      throw HttpError(503, std::string("the queue of ").append(name_).append(" is full (").append(
                               std::to_string(options_.max_queue_requests)).append(" requests); retry later"));
    job->enqueued = std::chrono::steady_clock::now();
    if (const int instance = claim_idle_instance(rows); instance >= 0) {
      lock.unlock();
      job->on_caller = true;
      run_on_caller(job, instance);
      if (job->error) std::rethrow_exception(job->error);
      return std::move(job->output);
    }
    queued_rows_ += rows;
    queue_.push_back(job);
  }
  wake_an_idle_instance();
  if (result.wait_for(std::chrono::milliseconds(options_.request_timeout_ms)) != std::future_status::ready)
    throw HttpError(503, std::string("timed out after ").append(std::to_string(options_.request_timeout_ms)).append(
                             " ms waiting for ").append(name_));
  return result.get();
}

int Batcher::claim_idle_instance(int64_t rows) {
  if (!run_on_caller_ || rows > kCallerRows || !queue_.empty()) return -1;
  for (size_t i = 0; i < busy_.size(); ++i)
    if (!busy_[i]) {
      busy_[i] = 1;
      return static_cast<int>(i);
    }
  return -1;
}

void Batcher::run_on_caller(std::shared_ptr<Job> job, int instance) {
  struct FreeInstance {
    Batcher& batcher;
    int instance;
    ~FreeInstance() {
      std::lock_guard lock(batcher.mutex_);
      batcher.busy_[static_cast<size_t>(instance)] = 0;
      // The instance's thread ignored wake-ups while claimed and may be the one to take what queued
      // meanwhile, or to stop; with nothing queued it has nothing to do, and waking it would cost
      // the very switch saved. Notified under the lock: once it is free, stop() may return and the
      // batcher go away.
      if (batcher.stopping_ || !batcher.queue_.empty()) batcher.wake_.notify_all();
    }
  } free_instance{*this, instance};
  // As the instance's own thread would run it (Note [Model instances]), but on one thread (Note
  // [Running on the receiving thread]); the OpenMP setting is the calling thread's own.
  set_compute_threads(1);
  const StreamGuard on_instance_stream(streams_[static_cast<size_t>(instance)]);
  std::vector<std::shared_ptr<Job>> batch{std::move(job)};
  execute(batch, instance);
}

void Batcher::wake_an_idle_instance() {
  // A claimed instance's thread ignores wake-ups, so while one may be claimed a single notify
  // could go to it and be lost: wake them all (at most kMaxInstances) and let them look.
  if (run_on_caller_ && busy_.size() > 1)
    wake_.notify_all();
  else
    wake_.notify_one();
}

void Batcher::work(int instance) {
  set_compute_threads(threads_per_instance_);
  const StreamGuard on_own_stream(streams_[static_cast<size_t>(instance)]);  // Note [Model instances]
  char& busy = busy_[static_cast<size_t>(instance)];
  const auto delay = std::chrono::microseconds(options_.max_queue_delay_us);
  std::unique_lock lock(mutex_);
  while (true) {
    // A claimed instance waits until its caller frees it (Note [Running on the receiving thread]).
    wake_.wait(lock, [&] { return !busy && (stopping_ || !queue_.empty()); });
    if (queue_.empty()) return;  // stopping, and everything queued has run or is running
    // Every wake-up looks at the queue afresh: another instance may have taken the oldest request
    // while this one waited for company.
    const auto deadline = queue_.front()->enqueued + delay;
    if (!stopping_ && queued_rows_ < options_.max_batch_size && std::chrono::steady_clock::now() < deadline) {
      wake_.wait_until(lock, deadline);
      continue;
    }
    std::vector<std::shared_ptr<Job>> batch = take_batch();
    const bool more = !queue_.empty();
    busy = 1;
    lock.unlock();
    if (more) wake_an_idle_instance();  // another idle instance can start on what is left
    execute(batch, instance);
    lock.lock();
    busy = 0;
  }
}

std::vector<std::shared_ptr<Batcher::Job>> Batcher::take_batch() {
  // The oldest job, then every later one of its width that fits, in arrival order; jobs of other
  // widths (token sequences of another length) keep their places for the next batches.
  std::vector<std::shared_ptr<Job>> batch{std::move(queue_.front())};
  queue_.pop_front();
  int64_t rows = batch[0]->rows;
  for (auto it = queue_.begin(); it != queue_.end() && rows < options_.max_batch_size;) {
    if ((*it)->width == batch[0]->width && rows + (*it)->rows <= options_.max_batch_size) {
      rows += (*it)->rows;
      batch.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  queued_rows_ -= rows;
  return batch;
}

void Batcher::execute(std::vector<std::shared_ptr<Job>>& batch, int instance) {
  // Waiting for other batches on this device to give threads back counts as queue time, not compute.
  ComputeBudget::Lease threads;
  if (budget_) threads = budget_->acquire(threads_per_instance_);
  const auto start = std::chrono::steady_clock::now();
  int64_t rows = 0;
  for (const auto& job : batch) {
    rows += job->rows;
    metrics_.queue_us.fetch_add(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(start - job->enqueued).count()), std::memory_order_relaxed);
  }
  try {
    if (options_.before_batch) options_.before_batch(instance);  // part of the batch's compute time
    std::vector<float> outputs;
    const int64_t width = batch[0]->width;  // every job of the batch has it
    if (model_->takes_tokens()) {
      if (batch.size() == 1) {
        outputs = model_->run_tokens(batch[0]->tokens, rows);
      } else {
        std::vector<int64_t> tokens;
        tokens.reserve(static_cast<size_t>(rows * width));
        for (const auto& job : batch) tokens.insert(tokens.end(), job->tokens.begin(), job->tokens.end());
        outputs = model_->run_tokens(tokens, rows);
      }
    } else if (batch.size() == 1) {
      outputs = model_->run(batch[0]->values, rows);
    } else {
      std::vector<float> inputs;
      inputs.reserve(static_cast<size_t>(rows * width));
      for (const auto& job : batch) inputs.insert(inputs.end(), job->values.begin(), job->values.end());
      outputs = model_->run(inputs, rows);
    }
    metrics_.record_execution(rows, microseconds_since(start), instance);
    threads = ComputeBudget::Lease();  // computed: the next batch on the device may start
    const int64_t output_width = model_->output_width();
    auto next = outputs.begin();
    for (const auto& job : batch) {
      const auto end = next + job->rows * output_width;
      std::vector<float> answer = batch.size() == 1 ? std::move(outputs) : std::vector<float>(next, end);
      if (job->on_caller) job->output = std::move(answer);
      else job->result.set_value(std::move(answer));
      if (batch.size() > 1) next = end;
    }
  } catch (const std::exception& e) {
    threads = ComputeBudget::Lease();
    const auto error = std::make_exception_ptr(HttpError(500, std::string("running ").append(name_).append(" failed: ").append(e.what())));
    for (const auto& job : batch) {
      if (job->on_caller) job->error = error;
      else job->result.set_exception(error);
    }
  }
}

}  // namespace nimbus::serve
