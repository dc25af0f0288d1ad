// Registration of the cyclone plugin's components, one function per source file.
#pragma once

#include "Cyclones.h"


#include "exec/Artifact.h"

#include <filesystem>
#include <string>

namespace tf {
class Registry;
class StepContext;
}

namespace tf::cyclone {
void registerFieldsAndBaseline(Registry& reg);  // cyclone.Synthetic, .Baseline, .Evaluate, info (CyclonePlugin.cpp)
void registerCnn(Registry& reg);                // cyclone.Patches, .CNNTrainer, .CNNDetect (Cnn.cpp)
void registerItwinaiCyclones(Registry& reg);    // itwinai's cyclones use-case class paths (Itwinai.cpp)

// The fields a step reads: the connected 'fields' input (a Path) or its `file` parameter.
// Throws when there is neither.
std::filesystem::path fieldsInput(StepContext& ctx, const Artifacts& in, const std::string& fileParam);
}  // namespace tf::cyclone
