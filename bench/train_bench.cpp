// Training-step throughput of TwinForge's trainer (core/train/Trainer, the loop every
// pipeline uses) on a fixed MLP and a small 3D CNN; bench/train_peer.py runs the same models,
// data sizes and loop with Debian's python3-torch. Prints optimizer steps per second.
//   train_bench mlp-small|mlp|cnn3d THREADS EPOCHS [DEVICE [PRECISION]]
// DEVICE is the trainer's device parameter (cpu by default), PRECISION fp32 or bf16.
// Started with torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) it trains
// data-parallel over Gloo, batch per rank, and rank 0 prints global samples per second;
// bench/ddp_peer.py is the same with PyTorch's DistributedDataParallel.
#include "dist/World.h"
#include "exec/Allocator.h"
#include "exec/Component.h"
#include "exec/Threads.h"
#include "train/Trainer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace {

// The trainer reports through a StepContext; the benchmark only needs a place for checkpoints.
struct QuietContext : tf::StepContext {
  std::string name = "bench";
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "twinforge-train-bench";
  int n;
  QuietContext(int threads, int rank) : n(threads) {
    dir += "-" + std::to_string(::getpid()) + "-" + std::to_string(rank);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  const std::string& stepName() const override { return name; }
  std::filesystem::path workDir() const override { return dir; }
  std::filesystem::path workspace() const override { return dir; }
  int threads() const override { return n; }
  void progress(double, const std::string&) override {}
  void log(const std::string&) override {}
  void metric(const std::string&, double, std::int64_t) override {}
  bool cancelled() const override { return false; }
  tf::dist::World* world() const override { return w; }
  tf::dist::World* w = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: train_bench mlp-small|mlp|cnn3d THREADS EPOCHS [DEVICE [PRECISION]]\n");
    return 2;
  }
  const std::string model = argv[1];
  const int threads = std::stoi(argv[2]);
  if (!std::getenv("TWINFORGE_DEFAULT_MALLOC")) tf::tuneAllocatorForTraining();  // as twinforge-run does
  const tf::ComputeThreads ct = tf::setComputeThreads(threads);  // as twinforge-run does
  if (ct.blas) std::fprintf(stderr, "%s, %d BLAS thread(s)\n", ct.blasName.c_str(), ct.blas);
  const tf::dist::Environment env = tf::dist::detectEnvironment();
  std::unique_ptr<tf::dist::World> world;
  if (env.distributed()) world = tf::dist::World::connect(env);
  torch::manual_seed(0);

  tf::TrainerConfig cfg;
  cfg.epochs = std::stoi(argv[3]);
  cfg.lr = 1e-3;
  cfg.checkpointEvery = 1000000000;  // as the Python loop: no checkpoint inside the timed loop
  cfg.device = argc > 4 ? argv[4] : "cpu";
  cfg.precision = argc > 5 ? argv[5] : "fp32";
  torch::nn::Sequential net;
  at::Tensor x, y;
  if (model == "mlp-small") {
    // The example pipeline's network: 8 -> 64 -> 64 -> 1, batch 64, 4096 samples.
    net = torch::nn::Sequential(torch::nn::Linear(8, 64), torch::nn::ReLU(), torch::nn::Linear(64, 64), torch::nn::ReLU(),
                                torch::nn::Linear(64, 1));
    x = at::randn({4096, 8});
    y = at::randn({4096, 1});
    cfg.batchSize = 64;
  } else if (model == "mlp") {
    // 64 features -> 256 -> 256 -> 1, batch 128, 4096 samples (32 steps per epoch).
    net = torch::nn::Sequential(torch::nn::Linear(64, 256), torch::nn::ReLU(), torch::nn::Linear(256, 256), torch::nn::ReLU(),
                                torch::nn::Linear(256, 1));
    x = at::randn({4096, 64});
    y = at::randn({4096, 1});
    cfg.batchSize = 128;
  } else {
    // A calorimeter-like 1x16x16x16 volume -> Conv3d(1,8,3) -> Conv3d(8,16,3,stride 2) -> pool -> Linear; batch 32.
    net = torch::nn::Sequential(torch::nn::Conv3d(torch::nn::Conv3dOptions(1, 8, 3).padding(1)), torch::nn::ReLU(),
                                torch::nn::Conv3d(torch::nn::Conv3dOptions(8, 16, 3).stride(2).padding(1)), torch::nn::ReLU(),
                                torch::nn::AdaptiveAvgPool3d(torch::nn::AdaptiveAvgPool3dOptions(1)), torch::nn::Flatten(),
                                torch::nn::Linear(16, 1));
    x = at::randn({512, 1, 16, 16, 16});
    y = at::randn({512, 1});
    cfg.batchSize = 32;
  }
  tf::SupervisedTask task(
      net.ptr(), [net](const at::Tensor& in) mutable { return net->forward(in); },
      [](const at::Tensor& out, const at::Tensor& t) { return torch::mse_loss(out, t); }, cfg, false);
  QuietContext ctx(threads, env.rank);
  ctx.w = world.get();
  tf::TrainResult r = tf::Trainer(cfg).fit(task, {x, y}, nullptr, ctx);
  if (env.rank == 0)
    std::printf("%s threads=%d ranks=%d: %.1f steps/s %.0f samples/s (%lld steps in %.2f s, final loss %.4f)\n",
                model.c_str(), threads, r.worldSize, static_cast<double>(r.steps) / r.seconds,
                static_cast<double>(r.samplesSeen) / r.seconds, static_cast<long long>(r.steps), r.seconds, r.lastLoss);
  if (world) world->barrier();
  std::filesystem::remove_all(ctx.dir);
  return 0;
}
