// The loggers a run writes metrics to, chosen in the pipeline file with a top-level
//   loggers: [mlflow, tensorboard, csv, console]
// (default: mlflow). Any combination may be active; each is an EventObserver.
#pragma once

#include "exec/Event.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace tf {
class Diagnostics;
class RunStore;
struct RunInfo;
namespace cfg {
class Node;
}
}  // namespace tf

namespace tf::track {

const std::vector<std::string>& knownLoggers();
// Reads the `loggers:` value (null: the default); problems go to diags with their location.
std::vector<std::string> parseLoggers(const cfg::Node* node, Diagnostics& diags);

// metrics.csv: time_ms,step,metric,index,value, one line per metric event, flushed.
class CsvLogger : public EventObserver {
 public:
  explicit CsvLogger(const std::filesystem::path& file);
  void onEvent(const Event& e) override;

 private:
  std::ofstream out_;
};

// One line per metric on a stream: "metric train/loss = 0.123 (index 5)".
class ConsoleMetricLogger : public EventObserver {
 public:
  explicit ConsoleMetricLogger(std::FILE* out) : out_(out) {}
  void onEvent(const Event& e) override;

 private:
  std::FILE* out_;
};

// Builds the observers for the chosen loggers of a run. MLflow metric files are written by
// the run's RunRecorder when "mlflow" is chosen (it also writes events.jsonl, always).
std::vector<std::unique_ptr<EventObserver>> makeLoggers(const std::vector<std::string>& names,
                                                        const std::filesystem::path& runDir);

}  // namespace tf::track
