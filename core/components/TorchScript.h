// TorchScript export of trained models (loadable with torch.jit.load in Python and
// torch::jit::load in C++, no TwinForge needed), and loading such files for inference.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace tf {

struct Artifact;
class Registry;

// Writes a Model artifact as a TorchScript module whose forward is the network in inference
// mode: core.MLP here, other architectures through exporters their plugins add. Throws
// std::runtime_error for architectures no exporter knows.
void exportTorchScript(const Artifact& model, const std::filesystem::path& file);

// A plugin's exporter for the models whose meta.arch.class_path is `classPath`.
using TorchScriptExporter = std::function<void(const Artifact& model, const std::filesystem::path& file)>;
void addTorchScriptExporter(const std::string& classPath, TorchScriptExporter exporter);


}  // namespace tf
