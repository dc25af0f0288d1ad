// The training loop every use case trains with: epochs over seeded per-epoch shuffles,
// learning-rate schedules, gradient clipping, validation, early stopping, and atomic
// checkpoints that resume bit-for-bit on CPU. What one step does is a TrainingTask's business
// (supervised by default; a GAN brings two optimizers and alternating updates).
#pragma once

#include "exec/ParamDecls.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tf {
namespace dist {
class DataParallel;
}

class Params;
class StepContext;

// The trainer's settings; their names, bounds and docs are declared once in params().
struct TrainerConfig {
  std::int64_t epochs = 20;
  std::int64_t batchSize = 64;
  std::string optimizer = "adam";  // adam, adamw, sgd
  double lr = 1e-3, weightDecay = 0, momentum = 0.9;
  std::string schedule = "constant";  // constant, step, exponential, cosine (per epoch)
  double gamma = 0.1;                 // step/exponential factor
  std::int64_t stepSize = 10;         // epochs between steps of the "step" schedule
  double minLr = 0;                   // floor of the cosine schedule
  double gradClip = 0;                // max global gradient norm; 0: off
  std::uint64_t seed = 0;
  std::int64_t validateEvery = 0;     // optimizer steps between validations; 0: each epoch
  std::int64_t patience = 0;          // early stopping: validations without improvement; 0: off
  double minDelta = 0;                // improvement that counts
  std::int64_t checkpointEvery = 0;   // optimizer steps between checkpoints; 0: each epoch
  double bucketMb = 25;               // data parallel: gradient bucket size
  std::string device = "auto";        // cpu, cuda, cuda:N, auto (train/Device.h)
  std::string precision = "fp32";     // fp32, bf16 (autocast; LibTorch 2.x)

  // The declarations every trainer component's schema and parsing come from; a trainer with
  // its own optimizers (the GAN's RMSprop pair) leaves optimizer, momentum and weight_decay out
  // of its schema, and parse() then keeps their defaults.
  static const ParamDecls<TrainerConfig>& params();
  static TrainerConfig fromParams(const Params& p) { return params().parse(p); }
  double lrAt(std::int64_t epoch) const;   // the schedule
};

using Batch = std::pair<at::Tensor, at::Tensor>;  // inputs, targets

class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  virtual torch::nn::Module& model() = 0;
  // Optimizers whose state is checkpointed and whose learning rate the schedule sets.
  virtual std::vector<torch::optim::Optimizer*> optimizers() = 0;
  // One update on a batch; returns named losses, the first reported as the training loss.
  virtual std::vector<std::pair<std::string, double>> trainStep(const Batch& b, double gradClip) = 0;
  // Metrics on the validation set; "val_loss" drives early stopping.
  virtual std::map<std::string, double> validate(const Batch& all) = 0;

  // Set by the trainer when it runs data-parallel (nullptr otherwise).
  void attach(dist::DataParallel* dp) { dp_ = dp; }
  dist::DataParallel* dataParallel() const { return dp_; }

 protected:
  // What trainStep calls instead of loss.backward(): with data parallelism it also sums the
  // ranks' weighted gradients, so the optimizer steps on the gradient of the global batch.
  void backward(const at::Tensor& loss);

 private:
  dist::DataParallel* dp_ = nullptr;
};

// Supervised learning of `model` with a loss function and one optimizer from the config.
class SupervisedTask : public TrainingTask {
 public:
  using Loss = std::function<at::Tensor(const at::Tensor& out, const at::Tensor& target)>;
  SupervisedTask(std::shared_ptr<torch::nn::Module> model, std::function<at::Tensor(const at::Tensor&)> forward, Loss loss,
                 const TrainerConfig& cfg, bool classification);
  torch::nn::Module& model() override { return *model_; }
  std::vector<torch::optim::Optimizer*> optimizers() override { return {opt_.get()}; }
  std::vector<std::pair<std::string, double>> trainStep(const Batch& b, double gradClip) override;
  std::map<std::string, double> validate(const Batch& all) override;

 private:
  std::shared_ptr<torch::nn::Module> model_;
  std::function<at::Tensor(const at::Tensor&)> forward_;
  Loss loss_;
  bool classification_;
  std::unique_ptr<torch::optim::Optimizer> opt_;
};

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainerConfig& cfg, std::vector<at::Tensor> params);

struct TrainResult {
  double firstLoss = 0, lastLoss = 0;
  std::map<std::string, double> lastValidation;
  std::int64_t epochsRun = 0, steps = 0;
  bool stoppedEarly = false, resumed = false;
  int worldSize = 1;
  std::int64_t samplesSeen = 0;  // over all ranks
  double seconds = 0;
  std::vector<double> epochSeconds;  // each epoch run here, its checkpoint included
  double checkpointSeconds = 0;      // writing checkpoints, all of them
};

class Trainer {
 public:
  explicit Trainer(TrainerConfig cfg) : cfg_(std::move(cfg)) {}
  // Trains on cfg.device, reporting through ctx, and returns with the task's model back on the
  // CPU (what artifacts and exporters expect). Resumes from ctx.workDir()/checkpoint.pt when it
  // exists, whichever device wrote it.
  TrainResult fit(TrainingTask& task, const Batch& train, const Batch* val, StepContext& ctx);
  static std::filesystem::path checkpointFile(const std::filesystem::path& workDir) { return workDir / "checkpoint.pt"; }

 private:
  TrainerConfig cfg_;
};

}  // namespace tf
