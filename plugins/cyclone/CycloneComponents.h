// Registration of the cyclone plugin's components, one function per source file.
#pragma once

#include "Cyclones.h"


namespace tf {
class Registry;
}

namespace tf::cyclone {
void registerFieldsAndBaseline(Registry& reg);  // cyclone.Synthetic, .Baseline, .Evaluate, info (CyclonePlugin.cpp)
void registerCnn(Registry& reg);                // cyclone.Patches, .CNNTrainer, .CNNDetect (Cnn.cpp)
void registerItwinaiCyclones(Registry& reg);    // itwinai's cyclones use-case class paths (Cnn.cpp)
}  // namespace tf::cyclone
