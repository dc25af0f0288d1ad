// Registration of the cyclone plugin's components, one function per source file, and the
// helpers its files share.
#pragma once

#include "Cyclones.h"

#include <filesystem>

namespace tf {
class Registry;
}

namespace tf::cyclone {
void registerFieldsAndBaseline(Registry& reg);  // cyclone.Synthetic, .Baseline, .Evaluate, info (CyclonePlugin.cpp)
void registerCnn(Registry& reg);                // cyclone.Patches, .CNNTrainer, .CNNDetect (Cnn.cpp)
void registerItwinaiCyclones(Registry& reg);    // itwinai's cyclones use-case class paths (Cnn.cpp)

// NAME.tracks.csv beside NAME.nc: where cyclone.Synthetic writes the true tracks.
std::filesystem::path tracksFileFor(const std::filesystem::path& fieldsFile);
GridView gridOf(const climate::ClimateFile& f);
double hoursBetweenSteps(const climate::ClimateFile& f);
}  // namespace tf::cyclone
