#include "serve/compute_budget.h"

#include <algorithm>
#include <utility>

#include "runtime/error.h"

namespace nimbus::serve {

ComputeBudget::ComputeBudget(int threads) : threads_(threads), free_(threads) {
  NIMBUS_CHECK_T(ConfigError, threads >= 1, "a device's compute budget needs at least 1 thread, got ", threads);
}

ComputeBudget::Lease ComputeBudget::acquire(int threads) {
  const int wanted = std::clamp(threads, 1, threads_);
  std::unique_lock lock(mutex_);
  const uint64_t ticket = next_ticket_++;
  changed_.wait(lock, [&] { return ticket == serving_ticket_ && free_ >= wanted; });
  free_ -= wanted;
  ++serving_ticket_;
  lock.unlock();
  changed_.notify_all();  // the next waiter in line may fit in what is left
  return Lease(this, wanted);
}

void ComputeBudget::release(int threads) {
  {
    std::lock_guard lock(mutex_);
    free_ += threads;
  }
  changed_.notify_all();
}

int ComputeBudget::free_threads() const {
  std::lock_guard lock(mutex_);
  return free_;
}

ComputeBudget::Lease::Lease(Lease&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), threads_(std::exchange(other.threads_, 0)) {}

ComputeBudget::Lease& ComputeBudget::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (budget_) budget_->release(threads_);
    budget_ = std::exchange(other.budget_, nullptr);
    threads_ = std::exchange(other.threads_, 0);
  }
  return *this;
}

ComputeBudget::Lease::~Lease() {
  if (budget_) budget_->release(threads_);
}

}  // namespace nimbus::serve
