#include "exec/Event.h"

#include <nlohmann/json.hpp>

#include <chrono>

namespace tf {

namespace {
constexpr const char* kNames[] = {"run_started",  "step_started",  "progress",     "log",
                                  "metric",       "step_finished", "step_failed",  "step_skipped",
                                  "run_finished", "run_failed",    "run_cancelled"};
constexpr int kCount = sizeof(kNames) / sizeof(kNames[0]);
}  // namespace

const char* eventTypeName(Event::Type t) { return kNames[static_cast<int>(t)]; }

std::int64_t nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string Event::toJson() const {
  nlohmann::json j;
  j["type"] = eventTypeName(type);
  j["time_ms"] = timeMs;
  if (!step.empty()) j["step"] = step;
  if (!message.empty()) j["message"] = message;
  if (type == Type::Metric) {
    j["name"] = name;
    j["value"] = value;
  }
  if (index >= 0) j["index"] = index;
  if (progress >= 0) j["progress"] = progress;
  if (seconds >= 0) j["seconds"] = seconds;
  if (!steps.empty()) j["steps"] = steps;
  if (!runId.empty()) j["run_id"] = runId;
  // Invalid UTF-8 in a log line must not lose the event.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<Event> Event::fromJson(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string()) return std::nullopt;
  Event e;
  const std::string t = j["type"];
  int i = 0;
  while (i < kCount && t != kNames[i]) ++i;
  if (i == kCount) return std::nullopt;
  e.type = static_cast<Type>(i);
  e.timeMs = j.value("time_ms", std::int64_t{0});
  e.step = j.value("step", std::string());
  e.message = j.value("message", std::string());
  e.name = j.value("name", std::string());
  if (j.contains("value") && j["value"].is_number()) e.value = j["value"].get<double>();
  e.index = j.value("index", std::int64_t{-1});
  e.progress = j.value("progress", -1.0);
  e.seconds = j.value("seconds", -1.0);
  if (j.contains("steps") && j["steps"].is_array())
    for (const auto& s : j["steps"])
      if (s.is_string()) e.steps.push_back(s);
  e.runId = j.value("run_id", std::string());
  return e;
}

}  // namespace tf
