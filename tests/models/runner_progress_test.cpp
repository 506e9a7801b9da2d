// Progress on stderr: plain lines at log steps when not on a terminal, a bar redrawn in place on
// one, and notes that never end up glued to the bar.
#include <gtest/gtest.h>

#include <sstream>

#include "models/runner/progress.h"

namespace nimbus::models {
namespace {

TEST(RunnerProgress, LinesWhenNotATerminal) {
  std::ostringstream out;
  Progress p(out, 100, 0, /*interactive=*/false);
  p.step(1, 2.5, 0.1);  // no output between log steps
  EXPECT_EQ(out.str(), "");
  p.log(10, 1.23456, 0.01);
  const std::string text = out.str();
  EXPECT_EQ(text.rfind("step 10/100  loss 1.2346  lr 0.01  ", 0), 0u) << text;
  EXPECT_NE(text.find("steps/s  ETA "), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\r'), std::string::npos);  // no terminal control in a log file
  p.note("val at step 10: loss 1.0");
  EXPECT_NE(out.str().find("\nval at step 10: loss 1.0\n"), std::string::npos);
}

TEST(RunnerProgress, BarOnATerminal) {
  std::ostringstream out;
  Progress p(out, 10, 0, /*interactive=*/true);
  p.log(5, 1.0, 0.1);  // log lines are for files only
  EXPECT_EQ(out.str(), "");
  p.step(10, 0.5, 0.1);  // the last step always draws
  const std::string bar = out.str();
  EXPECT_EQ(bar.rfind("\r[##############################] 10/10  loss 0.5000", 0), 0u) << bar;
  p.note("test: accuracy 0.9");
  // The bar's line is cleared before the note, so the note starts a clean line.
  EXPECT_NE(out.str().find("\r\x1b[Ktest: accuracy 0.9\n"), std::string::npos) << out.str();
  p.finish();
}

TEST(RunnerProgress, ResumedRunsCountFromTheirFirstStep) {
  std::ostringstream out;
  Progress p(out, 1000, 900, /*interactive=*/false);
  p.log(950, 1.0, 0.1);
  EXPECT_EQ(out.str().rfind("step 950/1000", 0), 0u) << out.str();
}

}  // namespace
}  // namespace nimbus::models
