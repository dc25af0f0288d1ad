// The 3DGAN of CERN's calorimeter twin, as itwinai trains it, in LibTorch: a conditional
// generator from (energy, angle, 254 noise values) to a 51 x 51 x 25 shower, a discriminator
// with four heads (real/fake, primary energy, angle, and the total deposit computed from the
// un-powered image), loss weights [3, 0.1, 25, 0.1], RMSprop for both networks, alternating
// updates with one-sided label smoothing. Sizes are parameters; "small" trains on a laptop CPU.
// This header holds the networks and how a generator is made, saved and loaded; GanTrainer.cpp
// trains them, Generate.cpp generates with a trained generator.
#pragma once

#include "exec/Artifact.h"
#include "exec/ArtifactFiles.h"

#include <nlohmann/json.hpp>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tf::calo {

struct GanSpec {
  std::vector<std::int64_t> shape{51, 51, 25};
  std::int64_t latent = 256;
  std::int64_t genChannels = 8, discChannels = 8;
  double inputScale = 1000;  // file units (GeV) to the networks' units (MeV)
  double power = 0.85, energyScale = 0.01, cellThreshold = 1e-4;  // threshold in the networks' units
  double ecalRatio = 0.02;  // deposited / primary energy, fitted on the training set

  nlohmann::json toJson() const {
    nlohmann::json j = modelArch("calo.3DGAN");
    j.update({{"shape", shape},
              {"latent", latent},
              {"generator_channels", genChannels},
              {"discriminator_channels", discChannels},
              {"input_scale", inputScale},
              {"power", power},
              {"energy_scale", energyScale},
              {"cell_threshold", cellThreshold},
              {"ecal_ratio", ecalRatio}});
    return j;
  }
  static GanSpec fromJson(const nlohmann::json& j, const std::string& where) {
    if (modelArchClass(j) != "calo.3DGAN")
      throw std::runtime_error(where + ": the model is not a calo.3DGAN generator (class_path '" + modelArchClass(j) +
                               "')");
    GanSpec s;
    try {
      s.shape = j.at("shape").get<std::vector<std::int64_t>>();
      s.latent = j.at("latent").get<std::int64_t>();
      s.genChannels = j.at("generator_channels").get<std::int64_t>();
      s.discChannels = j.at("discriminator_channels").get<std::int64_t>();
      s.inputScale = j.at("input_scale").get<double>();
      s.power = j.at("power").get<double>();
      s.energyScale = j.at("energy_scale").get<double>();
      s.cellThreshold = j.at("cell_threshold").get<double>();
      s.ecalRatio = j.at("ecal_ratio").get<double>();
    } catch (const std::exception& e) {
      throw std::runtime_error(where + ": incomplete calo.3DGAN description (" + e.what() + ")");
    }
    if (s.shape.size() != 3) throw std::runtime_error(where + ": 'shape' must have 3 extents (x, y, layers)");
    return s;
  }
  std::vector<std::int64_t> scaled(int div) const {
    std::vector<std::int64_t> v;
    for (auto e : shape) v.push_back((e + div - 1) / div);
    return v;
  }
};

inline at::Tensor upsample(const at::Tensor& x, const std::vector<std::int64_t>& size) {
  return torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions().size(size).mode(torch::kTrilinear).align_corners(false));
}

inline at::Tensor leaky(const at::Tensor& x) { return at::leaky_relu(x, 0.2); }

struct GeneratorImpl : torch::nn::Module {
  explicit GeneratorImpl(const GanSpec& s) : spec(s) {
    const std::int64_t g = s.genChannels, g2 = std::max<std::int64_t>(4, g / 2);
    const auto s8 = s.scaled(8);
    fc = register_module("fc", torch::nn::Linear(s.latent, g * s8[0] * s8[1] * s8[2]));
    conv1 = register_module("conv1", torch::nn::Conv3d(torch::nn::Conv3dOptions(g, g, 3).padding(1)));
    bn1 = register_module("bn1", torch::nn::BatchNorm3d(g));
    conv2 = register_module("conv2", torch::nn::Conv3d(torch::nn::Conv3dOptions(g, g2, 3).padding(1)));
    bn2 = register_module("bn2", torch::nn::BatchNorm3d(g2));
    // The last block works at half resolution and gives each half-size cell 2 x 2 x 2 output
    // cells (a sub-pixel convolution): a convolution over the full 51 x 51 x 25 grid cost
    // 1.1 s per batch of 32 on the 2-core CPU, this 0.13 s.
    conv3 = register_module("conv3", torch::nn::Conv3d(torch::nn::Conv3dOptions(g2, 8, 3).padding(1)));
  }
  // z: (B, latent) = (energy * energy_scale, theta, noise...); returns (B, 1, x, y, layers) in
  // powered units (cell energy ^ power).
  // The first input is the scaled primary energy: the output is multiplied by it (to the
  // power), so the deposit grows with the energy from the start and the network learns shapes.
  at::Tensor forward(const at::Tensor& z) {
    const auto s8 = spec.scaled(8);
    at::Tensor x = leaky(fc->forward(z)).view({z.size(0), spec.genChannels, s8[0], s8[1], s8[2]});
    x = leaky(bn1->forward(conv1->forward(upsample(x, spec.scaled(4)))));
    const auto h = spec.scaled(2);
    x = leaky(bn2->forward(conv2->forward(upsample(x, h))));
    x = conv3->forward(x).view({z.size(0), 2, 2, 2, h[0], h[1], h[2]});
    x = x.permute({0, 4, 1, 5, 2, 6, 3}).reshape({z.size(0), 1, 2 * h[0], 2 * h[1], 2 * h[2]});
    x = at::relu(x.slice(2, 0, spec.shape[0]).slice(3, 0, spec.shape[1]).slice(4, 0, spec.shape[2]));
    return x * z.select(1, 0).clamp_min(0).pow(spec.power).view({z.size(0), 1, 1, 1, 1});
  }
  GanSpec spec;
  torch::nn::Linear fc{nullptr};
  torch::nn::Conv3d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm3d bn1{nullptr}, bn2{nullptr};
};
TORCH_MODULE(Generator);

struct DiscOut {
  at::Tensor logit, energy, theta, ecal;
};

inline std::int64_t convOut(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p) { return (in + 2 * p - k) / s + 1; }

struct DiscriminatorImpl : torch::nn::Module {
  explicit DiscriminatorImpl(const GanSpec& s) : spec(s) {
    const std::int64_t d = s.discChannels;
    conv1 = register_module("conv1", torch::nn::Conv3d(torch::nn::Conv3dOptions(1, d, 5).stride(2).padding(2)));
    conv2 = register_module("conv2", torch::nn::Conv3d(torch::nn::Conv3dOptions(d, 2 * d, 3).stride(2).padding(1)));
    conv3 = register_module("conv3", torch::nn::Conv3d(torch::nn::Conv3dOptions(2 * d, 4 * d, 3).stride(2).padding(1)));
    std::int64_t f = 4 * d;
    for (auto e : s.shape) f *= convOut(convOut(convOut(e, 5, 2, 2), 3, 2, 1), 3, 2, 1);
    features = f;
    fake = register_module("fake", torch::nn::Linear(f, 1));
    aux = register_module("aux", torch::nn::Linear(f, 2));
  }
  // x: (B, 1, x, y, layers) in powered units.
  DiscOut forward(const at::Tensor& x) {
    at::Tensor h = leaky(conv1->forward(x));
    h = leaky(conv2->forward(h));
    h = leaky(conv3->forward(h)).flatten(1);
    const at::Tensor a = aux->forward(h);
    // The fourth head has no weights: the total deposit of the image brought back to energies.
    const at::Tensor ecal = x.clamp_min(0).pow(1.0 / spec.power).sum({1, 2, 3, 4});
    return {fake->forward(h).squeeze(1), a.select(1, 0), a.select(1, 1), ecal};
  }
  GanSpec spec;
  std::int64_t features = 0;
  torch::nn::Conv3d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::Linear fake{nullptr}, aux{nullptr};
};
TORCH_MODULE(Discriminator);

// Both networks under one module: the trainer checkpoints it and data parallelism wraps it.
struct GanImpl : torch::nn::Module {
  explicit GanImpl(const GanSpec& s) {
    gen = register_module("generator", Generator(s));
    disc = register_module("discriminator", Discriminator(s));
  }
  Generator gen{nullptr};
  Discriminator disc{nullptr};
};
TORCH_MODULE(Gan);

at::Tensor generatorInput(const GanSpec& s, const at::Tensor& energyGeV, const at::Tensor& theta);
// Showers (B, x, y, layers) in GeV from the generator, cells below the threshold set to zero.
at::Tensor generate(Generator& gen, const GanSpec& s, const at::Tensor& energyGeV, const at::Tensor& theta);
// The generator's weights and architecture as a Model artifact.
Artifact generatorArtifact(Generator& gen, const GanSpec& spec);
// A generator from a Model artifact, or from weights saved by core.ModelSaver (NAME.pt with
// NAME.summary.json beside it, which holds the architecture) or a TorchScript export.
std::pair<Generator, GanSpec> loadGenerator(const Artifact* model, const std::filesystem::path& weights);
// TorchScript of a generator: forward(z) and generate(energy_gev, theta), for torch.jit.load.
void exportGeneratorTorchScript(const Artifact& model, const std::filesystem::path& file);

}  // namespace tf::calo
