// TorchScript export of trained models (loadable with torch.jit.load in Python and
// torch::jit::load in C++, no TwinForge needed), and loading such files for inference.
#pragma once

#include <filesystem>

namespace tf {

struct Artifact;
class Registry;

// Writes a core.MLP Model artifact as a TorchScript module whose forward(x) is the network in
// inference mode. Throws std::runtime_error for architectures it cannot express.
void exportTorchScript(const Artifact& model, const std::filesystem::path& file);


}  // namespace tf
