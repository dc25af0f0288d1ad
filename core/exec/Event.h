// What a run reports while it goes: one record per happening, written as one JSON line to
// events.jsonl and followed by the GUI (locally or over SSH) through that file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tf {

struct Event {
  enum class Type {
    RunStarted,
    StepStarted,
    Progress,
    Log,
    Metric,
    StepFinished,
    StepFailed,
    StepSkipped,
    RunFinished,
    RunFailed,
    RunCancelled
  };
  Type type = Type::Log;
  std::int64_t timeMs = 0;         // Unix time in milliseconds
  std::string step;                // empty for run-level events
  std::string message;             // log line, failure reason, progress note
  std::string name;                // metric name
  double value = 0;                // metric value
  std::int64_t index = -1;         // metric step (iteration), or step position in the run
  double progress = -1;            // 0..1 for Progress
  double seconds = -1;             // duration for StepFinished / run end
  std::vector<std::string> steps;  // RunStarted: the steps that will run, in order
  std::string runId;               // RunStarted

  std::string toJson() const;  // one line, no trailing newline
  // Parses one line; nullopt for a line that is not an event (partial write, garbage).
  static std::optional<Event> fromJson(const std::string& line);
};

const char* eventTypeName(Event::Type t);
std::int64_t nowMs();

class EventObserver {
 public:
  virtual ~EventObserver() = default;
  virtual void onEvent(const Event& e) = 0;
};

}  // namespace tf
