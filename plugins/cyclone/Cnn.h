// The cyclone CNN's pieces, shared by its components (Cnn.cpp), itwinai's class paths
// (Itwinai.cpp) and the tests.
#pragma once

#include "Cyclones.h"

#include "exec/Artifact.h"

#include <c10/core/Device.h>
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <filesystem>
#include <functional>

namespace tf {
class StepContext;
struct TrainerConfig;
}  // namespace tf

namespace tf::cyclone {

struct VggSpec {
  std::int64_t width = 64, depth = 4;
  std::string activation = "relu";
  std::int64_t patch = 40, channels = 4;
  nlohmann::json toJson() const;
  static VggSpec fromJson(const nlohmann::json& j);
};

class VggNetImpl : public torch::nn::Module {
 public:
  explicit VggNetImpl(const VggSpec& spec);
  at::Tensor forward(const at::Tensor& x);  // (N, channels, P, P) -> (N, 3): row/P, col/P, presence logit
  VggSpec spec;

 private:
  torch::nn::Sequential features, head;
};
TORCH_MODULE(VggNet);

struct PatchOptions {
  std::vector<std::string> variables = {"fg10", "msl", "t_500", "t_300"};
  std::int64_t patch = 40;
  std::string patchType = "nearest";
  std::int64_t cyclonePatches = 2, randomPatches = 4;
  bool adjacent = true, augment = true;
  std::string augmentType = "only_tcs";
  std::uint64_t seed = 1;
  bool normalise = true;  // false: raw values (a caller combining files normalises once itself)
};
// Dataset x (N, variables, P, P) min-max normalised unless o.normalise is false (the range is
// in meta.normalisation either way), y (N, 3).
Artifact makePatches(StepContext& ctx, const std::filesystem::path& fieldsFile, const std::filesystem::path& tracksFile,
                     const PatchOptions& o);
// (variables, P, P) from (i0, j0) (the patch's south-west cell); longitude wraps on global grids.
at::Tensor cutPatch(const std::vector<Field>& vars, long i0, long j0, long p, bool periodic);
void normalise(at::Tensor& x, const std::vector<std::pair<float, float>>& minmax);  // x: (N, C, P, P), NaN -> 0

using CnnLoss = std::function<at::Tensor(const at::Tensor& out, const at::Tensor& y)>;
CnnLoss makeCnnLoss(const std::string& loss, double presenceWeight, std::int64_t patch);

struct PatchScores {
  double medianErrorCells = 0, meanErrorCells = 0, presenceAccuracy = 0;
  std::int64_t cyclonePatches = 0;
};
PatchScores scorePatches(VggNet& net, const at::Tensor& x, const at::Tensor& y, std::int64_t patch);

// Trains and returns {"model", "metrics"}.
Artifacts trainCnn(StepContext& ctx, const Artifact& train, const Artifact* val, std::int64_t width, std::int64_t depth,
                   const std::string& activation, const std::string& loss, double presenceWeight, const TrainerConfig& cfg);
VggNet loadCnn(const Artifact& model);

struct DetectOptions {
  std::int64_t stride = 0;
  double threshold = 0.5, mergeDeg = 4, stitchRangeDeg = 8, minHours = 12, maxGapHours = 12;
  std::int64_t batchSize = 256;
  c10::Device device = c10::Device(c10::kCPU);
};
struct DetectionResult {
  std::vector<std::vector<Node>> nodes;  // per time step
  std::vector<Track> tracks;
  std::int64_t patches = 0;
  double inferenceSeconds = 0;
};
DetectionResult detectWithCnn(VggNet& net, const nlohmann::json& modelMeta, const climate::ClimateFile& f, const DetectOptions& o,
                              const std::function<void(double)>& progress = {});

}  // namespace tf::cyclone
