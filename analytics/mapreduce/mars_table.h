#pragma once
// What a Mars table job's map function reads (Note [Mars jobs] in mars_jobs.h): one map task, a
// contiguous range of rows, and the fixed-size value k-means sums rows into. Single-source
// (NIMBUS_HD) and free of Thrust, like mars_text.h for text jobs.
#include <cstdint>

#include "runtime/macros.h"

namespace nimbus::analytics::mapreduce {

// Rows [begin, end) of the job's columns; the columns themselves are the job's members (pointers
// into the memory of the system running it), so a task is only its range.
struct RowTask {
  int64_t begin = 0, end = 0;
};

// The row tasks of one table: task t is rows [t * chunk, (t + 1) * chunk).
struct RowTasks {
  int64_t rows, chunk;
  NIMBUS_HD RowTask operator()(int64_t t) const {
    RowTask task;
    task.begin = t * chunk;
    task.end = task.begin + chunk < rows ? task.begin + chunk : rows;
    return task;
  }
};

// Features a k-means value sums at once. A Mars value has a fixed size (it is written to a slot of
// one output array), so wider tables are summed in groups of this many features, one job each.
inline constexpr int64_t kMarsSummedFeatures = 8;

// One k-means value: the sum of some rows' features (the job's group of them) and the row count.
struct MarsClusterSum {
  double sum[kMarsSummedFeatures];
  int64_t count;
};

}  // namespace nimbus::analytics::mapreduce
