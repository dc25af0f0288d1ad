// Runs a pipeline's steps in order, passing artifacts between ports and telling observers
// what happens. Can run a subset of steps, taking the others' outputs from a saved run.
#pragma once

#include "exec/Artifact.h"

#include "exec/Event.h"
#include "pipeline/Pipeline.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tf {

class Registry;

struct RunOptions {
  std::vector<std::string> only;  // run exactly these steps (empty: all)
  std::string from;               // first step to run (inclusive)
  std::string to;                 // last step to run (inclusive)
  // Folders of earlier runs whose saved step outputs feed the steps that are not run,
  // searched in order (the current run's own folder is always searched first).
  std::vector<std::filesystem::path> reuseRuns;
  const std::atomic<bool>* cancel = nullptr;
  int threads = 0;            // 0: all cores
  bool saveArtifacts = true;  // save every step's outputs (needed to resume)
  // Continue an interrupted run in its own folder: steps that finished there are skipped
  // (their saved outputs feed the rest), and a trainer picks up its checkpoint.
  bool resume = false;
  std::filesystem::path workspace;
};

class Executor {
 public:
  enum class Status { Finished, Failed, Cancelled };

  Executor(const Registry& reg, const Pipeline& pipeline, std::filesystem::path runDir, std::string runId = {});
  ~Executor();
  void addObserver(EventObserver* o);

  // Which steps the options select, in execution order; throws std::invalid_argument naming
  // an unknown step.
  std::vector<std::string> selectSteps(const RunOptions& opts) const;
  Status run(const RunOptions& opts);
  const std::string& error() const { return error_; }  // why it failed
  // What the steps of the last run produced, in memory (recomputable steps' outputs are not
  // stored in the run folder); nullptr for a step that did not run.
  const Artifacts* outputs(const std::string& step) const;
  const std::string& failedStep() const { return failedStep_; }

  struct Impl;  // public so the step context in the .cpp can reach it

 private:
  std::unique_ptr<Impl> d_;
  std::string error_, failedStep_;
};

}  // namespace tf
