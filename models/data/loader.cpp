// DataLoader: Note [Loader state] and Note [Loader thread] in loader.h.
#include "models/data/loader.h"

#include <algorithm>
#include <numeric>

#include "models/data/permutation.h"
#include "runtime/error.h"

namespace nimbus::data {

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  NIMBUS_CHECK_T(ConfigError, dataset_ != nullptr, "loader: no dataset");
  NIMBUS_CHECK_T(ConfigError, options_.batch_size >= 1, "loader: batch_size ", options_.batch_size,
                 " must be at least 1");
  NIMBUS_CHECK_T(ConfigError, dataset_->size() >= 1, "loader: the dataset (", dataset_->describe(), ") is empty");
  NIMBUS_CHECK_T(ConfigError, !options_.drop_last || options_.batch_size <= dataset_->size(), "loader: batch_size ",
                 options_.batch_size, " is larger than the ", dataset_->size(), " examples of ", dataset_->describe(),
                 "; with drop_last true an epoch would have no batch (lower batch_size, or set drop_last false)");
  if (options_.prefetch) start_prefetch();
}

DataLoader::~DataLoader() { stop_prefetch(); }

int64_t DataLoader::batches_per_epoch() const {
  const int64_t size = dataset_->size(), batch = options_.batch_size;
  return options_.drop_last ? size / batch : (size + batch - 1) / batch;
}

LoaderState DataLoader::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

LoaderState DataLoader::after(LoaderState at) const {
  return at.position + 1 < batches_per_epoch() ? LoaderState{at.epoch, at.position + 1} : LoaderState{at.epoch + 1, 0};
}

std::vector<int64_t> DataLoader::batch_indices(LoaderState at) const {
  const int64_t begin = at.position * options_.batch_size;
  const int64_t end = std::min(begin + options_.batch_size, dataset_->size());
  std::vector<int64_t> indices(static_cast<size_t>(end - begin));
  if (!options_.shuffle) {
    std::iota(indices.begin(), indices.end(), begin);
    return indices;
  }
  std::lock_guard lock(order_mutex_);
  if (order_epoch_ != at.epoch) {
    order_ = philox_permutation(dataset_->size(), options_.seed, static_cast<uint64_t>(at.epoch));
    order_epoch_ = at.epoch;
  }
  std::copy(order_.begin() + begin, order_.begin() + end, indices.begin());
  return indices;
}

Batch DataLoader::make_batch(LoaderState at) const {
  Batch batch = dataset_->gather(batch_indices(at));
  if (options_.pin_memory) {  // on the worker thread, off the training step's path
    batch.inputs = batch.inputs.pin_memory();
    batch.targets = batch.targets.pin_memory();
  }
  return batch;
}

Batch DataLoader::next() {
  if (!options_.prefetch) {
    Batch batch = make_batch(state_);
    std::lock_guard lock(mutex_);
    state_ = after(state_);
    return batch;
  }
  std::unique_lock lock(mutex_);
  for (;;) {
    if (prepared_ && prepared_->at == state_) break;
    prepared_.reset();  // prepared before a restore()
    if (request_ != state_ && in_progress_ != state_) {
      request_ = state_;
      wanted_.notify_one();
    }
    ready_.wait(lock);
  }
  Prepared done = std::move(*prepared_);
  prepared_.reset();
  if (done.error) std::rethrow_exception(done.error);
  state_ = after(state_);
  request_ = state_;
  wanted_.notify_one();
  return std::move(done.batch);
}

void DataLoader::restore(LoaderState state) {
  NIMBUS_CHECK_T(ConfigError, state.epoch >= 0 && state.position >= 0 && state.position < batches_per_epoch(),
                 "loader: cannot restore epoch ", state.epoch, " position ", state.position, ": the epoch must be >= 0 ",
                 "and an epoch of ", dataset_->describe(), " has ", batches_per_epoch(), " batches of ",
                 options_.batch_size, " (positions 0..", batches_per_epoch() - 1, ")");
  std::lock_guard lock(mutex_);
  state_ = state;
  prepared_.reset();
  if (options_.prefetch) {
    request_ = state_;
    wanted_.notify_one();
  }
}

void DataLoader::start_prefetch() {
  {
    std::lock_guard lock(mutex_);
    request_ = state_;
  }
  worker_ = std::thread(&DataLoader::worker_loop, this);
}

void DataLoader::stop_prefetch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wanted_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void DataLoader::worker_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wanted_.wait(lock, [&] { return stopping_ || request_.has_value(); });
    if (stopping_) return;
    const LoaderState at = *request_;
    request_.reset();
    in_progress_ = at;
    lock.unlock();
    Prepared done{at, {}, nullptr};
    try {
      done.batch = make_batch(at);
    } catch (...) {
      done.error = std::current_exception();
    }
    lock.lock();
    in_progress_.reset();
    prepared_ = std::move(done);
    ready_.notify_all();
  }
}

std::vector<Batch> sequential_batches(const Dataset& dataset, int64_t batch_size) {
  NIMBUS_CHECK_T(ConfigError, batch_size >= 1, "sequential_batches: batch_size ", batch_size, " must be at least 1");
  std::vector<Batch> batches;
  std::vector<int64_t> indices;
  for (int64_t begin = 0; begin < dataset.size(); begin += batch_size) {
    indices.resize(static_cast<size_t>(std::min(batch_size, dataset.size() - begin)));
    std::iota(indices.begin(), indices.end(), begin);
    batches.push_back(dataset.gather(indices));
  }
  return batches;
}

}  // namespace nimbus::data
