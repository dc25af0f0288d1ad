// Reads pipeline YAML as itwinai writes it (Hydra `_target_` and jsonargparse `class_path`
// styles, list or named steps, ${...} interpolation) and validates it against the registry.
// The syntax itself is ComponentSyntax's; overrides and interpolation are Interpolation's.
#pragma once

#include "config/ComponentSyntax.h"
#include "pipeline/Interpolation.h"
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

}  // namespace tf
