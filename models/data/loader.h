#pragma once
// DataLoader: batches from a dataset in a seeded order, prepared one ahead on a background thread.
//
// Note [Loader state]: the order of epoch e is a permutation drawn from Philox(seed, e), so the
// whole state of a loader is (epoch, position): which epoch it is in and how many batches of it
// were handed out. A checkpoint stores that pair; restore() continues with exactly the batches an
// uninterrupted loader would have produced next. Batches prepared ahead but not handed out are
// not part of the state.
// Precisely: the order of epoch e is philox_permutation(size, seed, e) (permutation.h), or
// 0..size-1 with shuffle false; batch p of the epoch is the examples at order[p*B .. p*B + B).
// With drop_last the last size mod B examples of each epoch's order are skipped (different ones
// each epoch); without it the last batch holds them.
//
// The dataset's gather() runs on the loader's thread while the caller works, so it must be safe to
// call concurrently with the dataset's other const functions (the datasets of models/data are
// immutable once built).
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "models/data/dataset.h"

namespace nimbus::data {

struct LoaderOptions {
  int64_t batch_size = 32;
  bool shuffle = true;
  bool drop_last = true;  // false: the last batch of an epoch may be smaller
  uint64_t seed = 0;
  bool prefetch = true;   // prepare the next batch on a background thread
  // Hand out batches in page-locked host memory (Note [Pinned host memory]), so that their copies
  // to a GPU can be asynchronous. Needs a CUDA device.
  bool pin_memory = false;
};

struct LoaderState {
  int64_t epoch = 0;
  int64_t position = 0;  // batches of `epoch` already handed out
  friend bool operator==(const LoaderState&, const LoaderState&) = default;
};

class NIMBUS_API DataLoader {
 public:
  // Throws ConfigError for a null or empty dataset, batch_size < 1, or (with drop_last) a batch
  // larger than the dataset.
  DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);
  // Stops the worker; waits for the batch it is building, if any.
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // The next batch; after the last batch of an epoch the next epoch starts (in a new order).
  // An exception from the dataset's gather() is rethrown here, and the state does not move: the
  // following call tries the same batch again.
  Batch next();
  LoaderState state() const;
  // Continues from `state` (Note [Loader state]); throws ConfigError when it is out of range.
  void restore(LoaderState state);
  int64_t batches_per_epoch() const;
  const Dataset& dataset() const { return *dataset_; }

 private:
  // The batch for state `at`, or the exception preparing it raised.
  struct Prepared {
    LoaderState at;
    Batch batch;
    std::exception_ptr error;
  };

  std::vector<int64_t> batch_indices(LoaderState at) const;
  Batch make_batch(LoaderState at) const;
  LoaderState after(LoaderState at) const;  // the state once the batch at `at` is handed out
  void start_prefetch();
  void stop_prefetch();
  void worker_loop();

  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions options_;
  LoaderState state_;
  // Note [Loader thread]: the caller asks for a state in `request_`; the worker moves it to
  // `in_progress_`, builds the batch and leaves it in `prepared_`. Results are tagged with their
  // state, so one prepared before a restore() is recognised as stale and dropped.
  mutable std::mutex mutex_;
  std::condition_variable ready_;   // worker to caller: prepared_ was set
  std::condition_variable wanted_;  // caller to worker: request_ was set, or stopping_
  std::optional<LoaderState> request_;
  std::optional<LoaderState> in_progress_;
  std::optional<Prepared> prepared_;
  std::thread worker_;
  bool stopping_ = false;
  // The order of the epoch last asked for: computing one costs O(size).
  mutable std::mutex order_mutex_;
  mutable int64_t order_epoch_ = -1;
  mutable std::vector<int64_t> order_;
};

// Every example of `dataset` in order, in batches of `batch_size` (the last may be smaller):
// for evaluation.
NIMBUS_API std::vector<Batch> sequential_batches(const Dataset& dataset, int64_t batch_size);

}  // namespace nimbus::data
