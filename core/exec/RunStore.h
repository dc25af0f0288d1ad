// A workspace's runs in MLflow's file-store layout (mlruns/<experiment>/<run>/{meta.yaml,
// params,metrics,tags,artifacts}) so `mlflow ui` can browse them, plus events.jsonl per run.
// The only code that knows this layout: the runner writes through it, the GUI reads through it.
#pragma once

#include "exec/Event.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tf {

struct RunInfo {
  std::string id;
  std::string name;
  std::filesystem::path dir;
  std::int64_t startMs = 0;
};

struct MetricPoint {
  std::int64_t timeMs = 0;
  double value = 0;
  std::int64_t step = 0;
};

class RunStore {
 public:
  enum class Status { Unknown = 0, Running = 1, Finished = 3, Failed = 4, Killed = 5 };  // MLflow's RunStatus numbers
  static const char* statusName(Status s);  // "running", "finished", "failed", "killed", "unknown"

  // A run as read back from the store.
  struct Record {
    std::string id, name;
    std::filesystem::path dir;
    Status status = Status::Unknown;
    std::int64_t startMs = 0, endMs = 0;  // endMs 0: not ended
    std::map<std::string, std::string> params, tags;
    std::map<std::string, std::vector<MetricPoint>> metrics;
  };

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
  // Where a new run with this id is created (whether or not it exists yet).
  std::filesystem::path runDir(const std::string& id) const { return experimentDir() / id; }

  // Readers. Every run of every experiment, newest first; unreadable runs are skipped, never fatal.
  std::vector<Record> listRuns() const;
  // One run folder read back (meta, params, tags, metrics), or nullopt when it is not a run.
  static std::optional<Record> readRun(const std::filesystem::path& runDir);
  static std::vector<MetricPoint> metricHistory(const std::filesystem::path& runDir, const std::string& key);
  // Earlier runs of the same pipeline file and key, newest first: what --from/--steps reuse.
  std::vector<std::filesystem::path> runsOfPipeline(const std::string& file, const std::string& key) const;
  // The files a step's saved outputs point at (a Path output's file, a validation report).
  static std::vector<std::filesystem::path> stepOutputFiles(const std::filesystem::path& runDir,
                                                            const std::string& step);
  // Deletes a run folder; false (and `error`) when it is not a run of this store.
  // A run folder copied here from another machine (a cluster's workspace): its meta.yaml names
  // the artifacts where they are now. False (and `error`) when it is not a run folder.
  static bool adoptCopiedRun(const std::filesystem::path& runDir, std::string* error = nullptr);
  bool deleteRun(const std::filesystem::path& runDir, std::string* error = nullptr) const;

  // For help texts: where a run goes, "mlruns/0/<run id>/ (events in events.jsonl)".
  static std::string layoutText();
  static std::string newRunId();  // 32 hex digits like MLflow's uuid4().hex
  static std::filesystem::path eventsFile(const std::filesystem::path& runDir) { return runDir / "events.jsonl"; }
  static std::filesystem::path artifactsDir(const std::filesystem::path& runDir) { return runDir / "artifacts"; }
  static std::filesystem::path stepArtifactsDir(const std::filesystem::path& runDir, const std::string& step) {
    return artifactsDir(runDir) / "steps" / step;
  }
  // Reproducibility records: the resolved configuration a run ran (and resumes) with, the
  // pipeline file as written, and the machine, environment and code revision.
  static std::filesystem::path configFile(const std::filesystem::path& runDir) {
    return artifactsDir(runDir) / "config.yaml";
  }
  static std::filesystem::path pipelineFile(const std::filesystem::path& runDir) {
    return artifactsDir(runDir) / "pipeline.yaml";
  }
  static std::filesystem::path environmentFile(const std::filesystem::path& runDir) {
    return artifactsDir(runDir) / "environment.json";
  }

 private:
  void writeMeta(const RunInfo& run, Status status, std::int64_t endMs) const;
  std::filesystem::path ws_;
};

// Appends every event to the run's events.jsonl (one write per line, so followers see it at
// once) and, when `mlflowMetrics`, metric events to MLflow metric files. A metric that cannot
// be written (a full disk) throws, failing the step with the reason; other events that cannot
// be written are reported once on stderr (they are often the report of a failure already).
class RunRecorder : public EventObserver {
 public:
  RunRecorder(const RunStore& store, RunInfo run, bool mlflowMetrics = true);
  void onEvent(const Event& e) override;

 private:
  const RunStore& store_;
  RunInfo run_;
  bool mlflowMetrics_;
  bool eventsLost_ = false;
};

}  // namespace tf
