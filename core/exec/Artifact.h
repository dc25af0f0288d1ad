// A typed value passed from one step's output port to another's input: named tensors plus
// JSON metadata. Artifacts save to and load from a folder, which is how a run resumes.
#pragma once

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>

namespace tf {

struct Artifact {
  std::string type;                           // a port type: Dataset, Model, Metrics, ...
  std::map<std::string, at::Tensor> tensors;  // Dataset: x, y; Model: its state dict
  nlohmann::json meta = nlohmann::json::object();

  // Writes tensors.h5 (when there are tensors) and meta.json into dir, atomically per file.
  void save(const std::filesystem::path& dir) const;
  // Throws std::runtime_error naming the folder and what is missing.
  static Artifact load(const std::filesystem::path& dir);

  const at::Tensor& tensor(const std::string& name) const;  // throws if absent
};

using Artifacts = std::map<std::string, Artifact>;

}  // namespace tf
