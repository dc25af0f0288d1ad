// Reads pipeline YAML as itwinai writes it (Hydra `_target_` and jsonargparse `class_path`
// styles, list or named steps, ${...} interpolation) and validates it against the registry.
#pragma once

#include "pipeline/Pipeline.h"

#include <string>
#include <vector>

namespace tf {

class Registry;

struct LoadOptions {
  std::string pipelineKey;             // empty: the first pipeline in the file
  std::vector<std::string> overrides;  // "a.b.c=value", applied before interpolation
};

class PipelineLoader {
 public:
  explicit PipelineLoader(const Registry& reg) : reg_(reg) {}

  // Throws LoadError when the file cannot be used at all (unreadable, malformed YAML, no
  // pipeline, unknown --pipeline key). Everything else lands in LoadedPipeline::diagnostics.
  LoadedPipeline loadFile(const std::string& path, const LoadOptions& opts = {}) const;
  LoadedPipeline loadText(const std::string& text, const std::string& fileName, const LoadOptions& opts = {}) const;
  // Same, from an already parsed document (the GUI edits the tree, then re-validates).
  LoadedPipeline loadDocument(cfg::Node raw, const std::string& fileName, const LoadOptions& opts = {}) const;

 private:
  const Registry& reg_;
};

// Interpolates ${a.b.c} and ${oc.env:NAME,default} throughout `root`; errors go to diags.
cfg::Node interpolate(const cfg::Node& root, Diagnostics& diags);

// Applies "a.b.c=value" to the document; step names may stand for list indices.
void applyOverride(cfg::Node& root, const std::string& assignment, Diagnostics& diags);

// Is this mapping a pipeline (has steps, directly or in init_args)?
bool isPipelineNode(const cfg::Node& n);
// The class path a component node names (_target_ or class_path), or "".
std::string classPathOf(const cfg::Node& n);
// The arguments of a component node: init_args for class_path style, else the inline keys.
cfg::Node argumentsOf(const cfg::Node& n);

// The name a list-form step gets when it has no `_name_`: the class's short name in snake case
// ("core.MLPTrainer" -> "mlp_trainer"); the canvas names new nodes the same way.
std::string defaultStepName(const std::string& classPath);
// Names of list-form steps: `_name_` if given, else defaultStepName, numbered when it repeats
// ("trainer", "trainer_2").
std::vector<std::string> listStepNames(const cfg::Node& steps);
// The steps node of a pipeline node (`steps:` or `init_args.steps:`), or null.
const cfg::Node* stepsOf(const cfg::Node& pipeline);

}  // namespace tf
