// Shows a run's events on the terminal: a live progress line when stdout is a terminal,
// plain timestamp-free lines (good for logs and SLURM output files) when it is not.
#pragma once

#include "exec/Event.h"

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

namespace tf {

class ConsoleReporter : public EventObserver {
 public:
  ConsoleReporter(std::FILE* out, bool interactive, bool quiet);
  void onEvent(const Event& e) override;

 private:
  void clearLine();
  std::FILE* out_;
  bool tty_, quiet_;
  int total_ = 0;
  std::map<std::string, int> position_;
  std::int64_t lastPlainProgressMs_ = 0;
  bool lineOpen_ = false;
};

}  // namespace tf
