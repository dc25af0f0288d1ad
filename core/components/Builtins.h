// Core's built-in components (one registration function per file), and the start-up both
// programs share: built-ins, then plugins from the plugin path.
#pragma once

#include "registry/Plugin.h"

#include <string>
#include <vector>

namespace tf {
class Registry;
// Core's own components, inspectors and top-level settings.
void registerBuiltins(Registry& reg);
// Builtins plus plugins from the default path; the usual start-up of both programs.
std::vector<PluginLoadResult> loadAllComponents(Registry& reg, const std::vector<std::string>& extraDirs = {});
void registerMlp(Registry& reg);
void registerHdf5Reader(Registry& reg);
void registerTrainValSplit(Registry& reg);
void registerMlpTrainer(Registry& reg);
void registerModelSaver(Registry& reg);
void registerHdf5Inspector(Registry& reg);
void registerTorchScriptPredictor(Registry& reg);
}  // namespace tf
