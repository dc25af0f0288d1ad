// Registration functions of core's built-in components (one per file).
#pragma once

namespace tf {
class Registry;
void registerMlp(Registry& reg);
void registerHdf5Reader(Registry& reg);
void registerTrainValSplit(Registry& reg);
void registerMlpTrainer(Registry& reg);
void registerModelSaver(Registry& reg);
void registerHdf5Inspector(Registry& reg);
void registerTorchScriptPredictor(Registry& reg);
}  // namespace tf
