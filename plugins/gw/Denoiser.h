// The GW denoisers: a 1-D convolutional U-Net mapping whitened noisy strain windows to the
// whitened injected signal, and the Virgo glitch-flow network (a 2-D U-Net with attention gates
// from auxiliary channels' Q-transform images to the strain's).
#pragma once

#include "exec/Artifact.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tf {
class Registry;
class StepContext;
struct TrainerConfig;
}  // namespace tf

namespace tf::gw {

struct UNetSpec {
  std::int64_t width = 32;   // channels of the first level (doubling per level)
  std::int64_t levels = 4;   // resolution levels, the last one the bottleneck
  std::int64_t kernel = 11;  // convolution length (odd)
  std::int64_t channels = 1; // input channels
  nlohmann::json toJson() const;
  static UNetSpec fromJson(const nlohmann::json& j);  // throws naming the key
};

class UNet1dImpl : public torch::nn::Module {
 public:
  explicit UNet1dImpl(const UNetSpec& s);
  at::Tensor forward(const at::Tensor& x);  // (N, C, L) -> (N, 1, L); L a multiple of 2^(levels-1)
  const UNetSpec& spec() const { return spec_; }

 private:
  UNetSpec spec_;
  torch::nn::ModuleList down_{nullptr}, up_{nullptr}, upconv_{nullptr};
  torch::nn::Conv1d head_{nullptr};
};
TORCH_MODULE(UNet1d);

std::int64_t parameterCount(torch::nn::Module& m);

// The model artifact's network (task "gw-denoise"), its weights loaded; throws for another model.
UNet1d loadDenoiser(const Artifact& a);

void registerDenoiser(Registry& reg);  // gw.Windows, gw.DenoiserTrainer, gw.Denoise (Denoiser.cpp)
void registerGlitchFlow(Registry& reg);  // the Virgo glitch-flow network and itwinai's class paths (GlitchFlow.cpp)

}  // namespace tf::gw
