// Runs a pipeline's steps in order, passing artifacts between ports and telling observers
// what happens. Can run a subset of steps, taking the others' outputs from a saved run.
#pragma once

#include "exec/Artifact.h"

#include "exec/Event.h"
#include "exec/StepSelection.h"
#include "pipeline/Pipeline.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tf {

class Registry;
namespace dist {
class World;
}

// Which steps (the StepSelection), and how.
struct RunOptions : StepSelection {
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
  // The data-parallel job this process is a rank of (its steps see it through their
  // context); nullptr in a single process.
  dist::World* world = nullptr;
};

class Executor {
 public:
  enum class Status { Finished, Failed, Cancelled };

  Executor(const Registry& reg, const Pipeline& pipeline, std::filesystem::path runDir, std::string runId = {});
  ~Executor();
  void addObserver(EventObserver* o);

  Status run(const RunOptions& opts);
  const std::string& error() const { return error_; }  // why it failed
  // What the steps of the last run produced, in memory (recomputable steps' outputs are not
  // stored in the run folder); nullptr for a step that did not run.
  const Artifacts* outputs(const std::string& step) const;
  const std::string& failedStep() const { return failedStep_; }

  struct Impl;  // public so the step context in the .cpp can reach it

 private:
  struct Pass;
  std::unique_ptr<Impl> d_;
  std::string error_, failedStep_;
};

}  // namespace tf
