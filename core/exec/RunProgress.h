// Where a run stands, step by step, built from its events: the one status model that the
// step list and the canvas (and any later view, local or remote) observe. Qt-free.
#pragma once

#include "config/Diagnostics.h"
#include "exec/Event.h"
#include "pipeline/Pipeline.h"

#include <map>
#include <string>
#include <vector>

namespace tf {

enum class StepStatus { Idle, Queued, Running, Done, Failed, Cancelled, Unknown, Invalid };
const char* stepStatusName(StepStatus s);  // "idle", "queued", ...

struct StepProgress {
  std::string step;
  std::string classPath;
  std::vector<std::string> inputs;  // "port ← step.output"
  StepStatus status = StepStatus::Idle;
  std::string info;    // one line: "42%  epoch 3/10", "finished in 1.20 s", the failure
  std::string detail;  // longer text for a tooltip: every problem, suggestions, the full error
  double fraction = -1;  // progress of a running step, 0..1; -1 when unknown
};

class RunProgress {
 public:
  class Observer {
   public:
    virtual ~Observer() = default;
    virtual void pipelineChanged() {}                      // steps added, removed or reordered
    virtual void stepChanged(const StepProgress& step) = 0;  // one step's status or info
  };
  void addObserver(Observer* o);
  void removeObserver(Observer* o);

  // The steps of `p` in execution order. Unknown components and steps named in error
  // diagnostics (key "step" or "step.param") are Unknown and Invalid; a step that keeps its
  // name and component keeps the status of the last run.
  void setPipeline(const Pipeline& p, const Diagnostics* diags = nullptr);
  void resetStatuses();  // back to idle, except unknown and invalid steps
  void apply(const Event& e);
  // The run's process is gone without saying how its steps ended (killed, crashed): the step
  // that was running failed with `why`, the queued ones go back to idle.
  void runEnded(const std::string& why);

  const std::vector<StepProgress>& steps() const { return steps_; }
  const StepProgress* step(const std::string& name) const;
  StepStatus status(const std::string& name) const;  // Idle for a step it does not know

 private:
  StepProgress* find(const std::string& name);
  void set(StepProgress& s, StepStatus st, std::string info = {}, std::string detail = {}, double fraction = -1);
  std::vector<StepProgress> steps_;
  std::vector<Observer*> observers_;
};

}  // namespace tf
