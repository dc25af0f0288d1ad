// Registration of the calorimeter plugin's components, one function per source file so each
// heavy (torch::nn) file compiles on its own.
#pragma once

namespace tf {
class Registry;
}

namespace tf::calo {
void registerData(Registry& reg);      // calo.ToyMC, calo.ShowerReader, file inspector (CaloPlugin.cpp)
void registerGanTrainer(Registry& reg);  // calo.GAN3DTrainer and the generator's TorchScript export (GanTrainer.cpp)
void registerGenerate(Registry& reg);    // calo.Generate (Generate.cpp)
void registerValidate(Registry& reg);  // calo.Validate (Validate.cpp)
void registerItwinai3dgan(Registry& reg);  // itwinai 3DGAN use-case class paths (Itwinai3dgan.cpp)
}  // namespace tf::calo
