#pragma once
// Progress of a long run on stderr: a bar redrawn in place on a terminal (step, loss, steps/s,
// ETA), plain log lines every log step when stderr is a file or a pipe.
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "runtime/macros.h"

namespace nimbus::models {

class NIMBUS_API Progress {
 public:
  // `interactive`: redraw a bar (a terminal) instead of writing lines.
  Progress(std::ostream& out, int64_t total_steps, int64_t first_step, bool interactive);
  // After every step; draws at most a few times a second on a terminal. `extra` (e.g. the fp16
  // loss scale and skipped steps) is shown after the learning rate when not empty.
  void step(int64_t step, double loss, double lr, const std::string& extra = "");
  // At a log step: a line when not interactive.
  void log(int64_t step, double loss, double lr, const std::string& extra = "");
  // A message that must not be overwritten by the bar (an evaluation, a checkpoint).
  void note(const std::string& message);
  void finish();
  double steps_per_second() const;

 private:
  std::string eta(int64_t step) const;
  void clear_bar();

  std::ostream& out_;
  int64_t total_, first_;
  bool interactive_, bar_shown_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int64_t last_step_ = 0;
};

// True when stderr is a terminal.
NIMBUS_API bool stderr_is_terminal();

}  // namespace nimbus::models
