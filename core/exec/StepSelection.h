// Which steps of a pipeline a run executes: all, a range (--from/--to), or a list (--steps),
// plus the recomputable producers (readers, splits) whose outputs the chosen steps need.
// Plain functions of the pipeline: no executor, no run folder.
#pragma once

#include "pipeline/Pipeline.h"

#include <string>
#include <vector>

namespace tf {

struct StepSelection {
  std::vector<std::string> only;  // run exactly these steps (empty: all)
  std::string from;               // first step to run (inclusive)
  std::string to;                 // last step to run (inclusive)
  bool partial() const { return !only.empty() || !from.empty() || !to.empty(); }
};

// The chosen steps in execution order; throws std::invalid_argument naming an unknown step.
std::vector<std::string> selectSteps(const Pipeline& pipeline, const StepSelection& sel);

// `selected` plus every recomputable step that feeds one of them (their outputs are not
// stored, so they run again), in execution order.
std::vector<std::string> withRecomputableProducers(const Pipeline& pipeline, const std::vector<std::string>& selected);

}  // namespace tf
