#include "ConsoleReporter.h"

#include <cmath>

namespace tf {

ConsoleReporter::ConsoleReporter(std::FILE* out, bool interactive, bool quiet)
    : out_(out), tty_(interactive), quiet_(quiet) {}

void ConsoleReporter::clearLine() {
  if (lineOpen_) {
    std::fputs("\r\033[2K", out_);
    lineOpen_ = false;
  }
}

void ConsoleReporter::onEvent(const Event& e) {
  const std::string tag =
      position_.count(e.step) ? "[" + std::to_string(position_[e.step]) + "/" + std::to_string(total_) + "] " : "";
  switch (e.type) {
    case Event::Type::RunStarted:
      total_ = static_cast<int>(e.steps.size());
      for (std::size_t i = 0; i < e.steps.size(); ++i) position_[e.steps[i]] = static_cast<int>(i) + 1;
      if (!quiet_) std::fprintf(out_, "run %s: pipeline %s, %d step(s)\n", e.runId.c_str(), e.message.c_str(), total_);
      break;
    case Event::Type::StepStarted:
      clearLine();
      if (!quiet_) std::fprintf(out_, "%s%s (%s) started\n", tag.c_str(), e.step.c_str(), e.message.c_str());
      break;
    case Event::Type::Progress: {
      if (quiet_) break;
      const int pct = static_cast<int>(std::lround(e.progress * 100));
      if (tty_) {
        const int filled = pct / 5;
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar += std::string(static_cast<std::size_t>(20 - filled), '.');
        clearLine();
        std::fprintf(out_, "  %s [%s] %3d%% %s", e.step.c_str(), bar.c_str(), pct, e.message.c_str());
        lineOpen_ = true;
      } else if (e.timeMs - lastPlainProgressMs_ >= 2000 || pct == 100) {
        // Not a terminal: one line every two seconds at most, so log files stay readable.
        std::fprintf(out_, "%s%s: %d%% %s\n", tag.c_str(), e.step.c_str(), pct, e.message.c_str());
        lastPlainProgressMs_ = e.timeMs;
      }
      break;
    }
    case Event::Type::Log:
      clearLine();
      if (!quiet_) std::fprintf(out_, "  %s: %s\n", e.step.c_str(), e.message.c_str());
      break;
    case Event::Type::Metric:
      break;  // progress messages carry the numbers; metrics go to the run store
    case Event::Type::StepFinished:
      clearLine();
      if (!quiet_) std::fprintf(out_, "%s%s finished in %.2f s\n", tag.c_str(), e.step.c_str(), e.seconds);
      break;
    case Event::Type::StepFailed:
      clearLine();
      std::fprintf(stderr, "%s%s FAILED: %s\n", tag.c_str(), e.step.c_str(), e.message.c_str());
      break;
    case Event::Type::StepSkipped:
      if (!quiet_) std::fprintf(out_, "%s%s skipped: %s\n", tag.c_str(), e.step.c_str(), e.message.c_str());
      break;
    case Event::Type::RunFinished:
      clearLine();
      if (!quiet_) std::fprintf(out_, "run finished in %.2f s\n", e.seconds);
      break;
    case Event::Type::RunFailed:
      clearLine();
      std::fprintf(stderr, "run failed: %s\n", e.message.c_str());
      break;
    case Event::Type::RunCancelled:
      clearLine();
      std::fprintf(stderr, "run cancelled: %s\n", e.message.c_str());
      break;
  }
  std::fflush(out_);
}

}  // namespace tf
