// A workspace's runs in MLflow's file-store layout (mlruns/<experiment>/<run>/{meta.yaml,
// params,metrics,tags,artifacts}) so `mlflow ui` can browse them, plus events.jsonl per run.
#pragma once

#include "exec/Event.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace tf {

struct RunInfo {
  std::string id;
  std::string name;
  std::filesystem::path dir;
  std::int64_t startMs = 0;
};

class RunStore {
 public:
  enum class Status { Running = 1, Finished = 3, Failed = 4, Killed = 5 };  // MLflow's RunStatus numbers

  explicit RunStore(std::filesystem::path workspace);
  const std::filesystem::path& workspace() const { return ws_; }
  std::filesystem::path experimentDir() const;  // mlruns/0 ("Default")

  // Creates the run folder with meta.yaml in state RUNNING. An empty id makes a fresh one.
  RunInfo createRun(const std::string& name, const std::string& id = {}) const;
  void finishRun(const RunInfo& run, Status status) const;
  // An existing run, set back to RUNNING to be continued (--resume). Throws if absent.
  RunInfo reopenRun(const std::string& id) const;
  // A run's tag, or "" when it has none.
  std::string tag(const RunInfo& run, const std::string& key) const;
  void logParam(const RunInfo& run, const std::string& key, const std::string& value) const;
  void setTag(const RunInfo& run, const std::string& key, const std::string& value) const;
  void logMetric(const RunInfo& run, const std::string& key, double value, std::int64_t step,
                 std::int64_t timeMs) const;

  // A run folder by id (any experiment), or nullopt.
  std::optional<std::filesystem::path> findRun(const std::string& id) const;

  static std::string newRunId();  // 32 hex digits like MLflow's uuid4().hex
  static std::filesystem::path eventsFile(const std::filesystem::path& runDir) { return runDir / "events.jsonl"; }
  static std::filesystem::path stepArtifactsDir(const std::filesystem::path& runDir, const std::string& step) {
    return runDir / "artifacts" / "steps" / step;
  }

 private:
  void writeMeta(const RunInfo& run, Status status, std::int64_t endMs) const;
  std::filesystem::path ws_;
};

// Appends every event to the run's events.jsonl (flushed per line, so followers see it at
// once) and, when `mlflowMetrics`, metric events to MLflow metric files.
class RunRecorder : public EventObserver {
 public:
  RunRecorder(const RunStore& store, RunInfo run, bool mlflowMetrics = true);
  void onEvent(const Event& e) override;

 private:
  const RunStore& store_;
  RunInfo run_;
  bool mlflowMetrics_;
  std::ofstream events_;
};

}  // namespace tf
