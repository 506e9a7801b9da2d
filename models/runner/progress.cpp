#include "models/runner/progress.h"

#include <unistd.h>

#include <cstdio>
#include <sstream>

namespace nimbus::models {

namespace {

std::string fixed(double v, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}

std::string duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
  else std::snprintf(text, sizeof text, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return text;
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::ostream& out, int64_t total_steps, int64_t first_step, bool interactive)
    : out_(out), total_(total_steps), first_(first_step), interactive_(interactive),
      start_(std::chrono::steady_clock::now()), last_draw_(start_), last_step_(first_step) {}

double Progress::steps_per_second() const {
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return s > 0 ? static_cast<double>(last_step_ - first_) / s : 0.0;
}

std::string Progress::eta(int64_t step) const {
  const double rate = steps_per_second();
  return rate > 0 ? duration(static_cast<double>(total_ - step) / rate) : "?";
}

void Progress::step(int64_t step, double loss, double lr, const std::string& extra) {
  last_step_ = step;
  if (!interactive_) return;
  const auto now = std::chrono::steady_clock::now();
  if (step < total_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * step / std::max<int64_t>(total_, 1));
  std::ostringstream bar;
  bar << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] " << step << "/" << total_
      << "  loss " << fixed(loss, 4) << "  lr " << lr << (extra.empty() ? "" : "  ") << extra << "  "
      << fixed(steps_per_second(), 1) << " steps/s  ETA " << eta(step) << "\x1b[K";
  out_ << bar.str() << std::flush;
  bar_shown_ = true;
}

void Progress::log(int64_t step, double loss, double lr, const std::string& extra) {
  last_step_ = step;
  if (interactive_) return;
  out_ << "step " << step << "/" << total_ << "  loss " << fixed(loss, 4) << "  lr " << lr
       << (extra.empty() ? "" : "  ") << extra << "  " << fixed(steps_per_second(), 1) << " steps/s  ETA " << eta(step) << "\n"
       << std::flush;
}

void Progress::clear_bar() {
  if (bar_shown_) out_ << "\r\x1b[K";
  bar_shown_ = false;
}

void Progress::note(const std::string& message) {
  clear_bar();
  out_ << message << "\n" << std::flush;
}

void Progress::finish() {
  if (bar_shown_) out_ << "\n" << std::flush;
  bar_shown_ = false;
}

}  // namespace nimbus::models
