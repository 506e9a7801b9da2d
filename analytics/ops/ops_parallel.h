#pragma once
// Parallel loops with an explicit thread count, for the operators' .cpp files (they need OpenMP).
//
// Exceptions must not leave an OpenMP region, so each task's exception is caught and the one of
// the lowest-numbered task is rethrown after the loop: the error a caller sees is the one a
// single-threaded run reports.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <vector>

#include "runtime/parallel.h"

namespace nimbus::analytics::detail {

inline int resolve_threads(int threads) { return threads > 0 ? threads : max_threads(); }

// Pieces for n items: one per thread at most, none smaller than `grain` items.
inline int64_t piece_count(int64_t n, int threads, int64_t grain) {
  return std::clamp<int64_t>((n + grain - 1) / std::max<int64_t>(grain, 1), 1, resolve_threads(threads));
}

// Calls body(task) for task in [0, tasks) on up to `threads` threads (dynamic schedule).
template <typename Body>
void run_tasks(int64_t tasks, int threads, const Body& body) {
  if (tasks <= 0) return;
  const auto use = static_cast<int>(std::min<int64_t>(tasks, resolve_threads(threads)));
  if (use <= 1) {
    for (int64_t task = 0; task < tasks; ++task) body(task);
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<size_t>(tasks));
#pragma omp parallel for num_threads(use) schedule(dynamic, 1)
  for (int64_t task = 0; task < tasks; ++task) {
    try {
      body(task);
    } catch (...) {
      errors[static_cast<size_t>(task)] = std::current_exception();
    }
  }
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

// Calls body(piece, begin, end) for `pieces` contiguous pieces of [0, n).
template <typename Body>
void run_pieces(int64_t n, int64_t pieces, int threads, const Body& body) {
  run_tasks(pieces, threads, [&](int64_t piece) { body(piece, n * piece / pieces, n * (piece + 1) / pieces); });
}

}  // namespace nimbus::analytics::detail
