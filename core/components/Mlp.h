// The multilayer perceptron that core.MLPTrainer trains: built from its schema parameters,
// and rebuilt from a Model artifact's metadata to load saved weights.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tf {

class Params;
template <class Config>
class ParamDecls;
class Registry;
struct Artifact;

struct MlpSpec {
  std::int64_t inFeatures = 0;
  std::int64_t outFeatures = 0;
  std::vector<std::int64_t> hidden{64, 64};
  std::string activation = "relu";
  double dropout = 0.0;

  // core.MLP's parameters (hidden, activation, dropout), declared once for schema and parsing.
  static const ParamDecls<MlpSpec>& params();
  static MlpSpec fromParams(const Params& p, std::int64_t in, std::int64_t out);
  nlohmann::json toJson() const;
  static MlpSpec fromJson(const nlohmann::json& j);  // throws on missing keys
  torch::nn::Sequential build() const;
};

// Model artifacts carry the MLP's state dict as tensors and its spec as meta["arch"].
Artifact modelArtifact(const MlpSpec& spec, torch::nn::Sequential& net, const std::string& task);
torch::nn::Sequential loadModel(const Artifact& a);

void registerMlp(Registry& reg);

}  // namespace tf
