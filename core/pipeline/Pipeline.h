// A loaded pipeline: steps in execution order, each with its component, resolved parameters
// and the bindings that feed its input ports from other steps' outputs.
#pragma once

#include "config/Diagnostics.h"
#include "config/Node.h"

#include <string>
#include <vector>

namespace tf {

struct ComponentInfo;

struct Binding {
  std::string port;      // input port of this step
  std::string fromStep;  // producing step
  std::string fromPort;  // its output port
};

struct Step {
  std::string name;       // unique in the pipeline: mapping key, or derived from the class
  std::string classPath;  // as written; empty when the step names no component
  cfg::Node params;       // arguments after interpolation and overrides (defaults not filled in)
  std::vector<Binding> inputs;
  bool explicitInputs = false;  // the step declared `inputs:` (else it takes the previous step's outputs)
  cfg::Location where;
  std::string docPath;                   // where it lives in the document: "training_pipeline.steps.trainer"
  const ComponentInfo* info = nullptr;   // null: unknown component (a placeholder)
  std::vector<std::string> suggestions;  // closest known components when unknown
};

struct Pipeline {
  std::string key;  // the top-level key, e.g. "training_pipeline"
  std::string file;
  std::vector<Step> steps;  // execution (topological) order
  bool dag = false;         // some step declared `inputs:`

  const Step* step(const std::string& name) const;
  int indexOf(const std::string& name) const;
  bool hasUnknownComponents() const;
};

// Everything a load produced. `diagnostics` holds every problem found; the pipeline is
// usable for display even with errors, runnable only without.
struct LoadedPipeline {
  std::string file;
  cfg::Node raw;                          // the document as written: what Save writes back
  cfg::Node resolved;                     // after overrides and interpolation: what a run saves for reproducibility
  std::vector<std::string> pipelineKeys;  // every pipeline found in the file
  Pipeline pipeline;
  Diagnostics diagnostics;
  bool runnable() const { return !diagnostics.hasErrors(); }
};

}  // namespace tf
