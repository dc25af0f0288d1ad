// calo.GAN3DTrainer: the 3DGAN trained as itwinai trains it: RMSprop for both networks,
// alternating updates with one-sided label smoothing, loss weights [3, 0.1, 25, 0.1], on the
// core trainer (epochs, checkpoints, resume, data parallelism).
#include "CaloComponents.h"
#include "CaloData.h"
#include "Gan3dModel.h"
#include "Observables.h"

#include "components/TorchScript.h"
#include "dist/DataParallel.h"
#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "registry/Registry.h"
#include "train/Trainer.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/rmsprop.h>

#include <chrono>
#include <cmath>
#include <filesystem>

namespace fs = std::filesystem;
namespace F = torch::nn::functional;

namespace tf::calo {

namespace {

at::Tensor mape(const at::Tensor& pred, const at::Tensor& truth) {
  return ((pred - truth).abs() / truth.abs().clamp_min(1e-6)).mean() * 100.0;
}

struct Weights {
  double gan = 3, energy = 0.1, angle = 25, ecal = 0.1;
};

class GanTask : public TrainingTask {
 public:
  GanTask(const GanSpec& spec, const TrainerConfig& cfg, Weights w, double realLabel, std::int64_t collapseSteps,
          double hitThreshold)
      : spec_(spec), gan_(spec), w_(w), realLabel_(realLabel), collapseSteps_(collapseSteps), hit_(hitThreshold) {
    optG_ = std::make_unique<torch::optim::RMSprop>(gan_->gen->parameters(), torch::optim::RMSpropOptions(cfg.lr));
    optD_ = std::make_unique<torch::optim::RMSprop>(gan_->disc->parameters(), torch::optim::RMSpropOptions(cfg.lr));
  }
  torch::nn::Module& model() override { return *gan_; }
  Generator& generator() { return gan_->gen; }
  std::vector<torch::optim::Optimizer*> optimizers() override { return {optG_.get(), optD_.get()}; }

  std::vector<std::pair<std::string, double>> trainStep(const Batch& b, double gradClip) override {
    const at::Tensor real = b.first.unsqueeze(1);  // powered
    const at::Tensor energy = b.second.select(1, 0), theta = b.second.select(1, 1);
    const at::Tensor eTarget = energy * spec_.energyScale;
    const auto n = real.size(0);

    // Discriminator: real showers labelled realLabel (one-sided smoothing), generated ones 0;
    // its regression heads learn the conditions of real showers.
    optD_->zero_grad();
    at::Tensor fake;
    {
      torch::NoGradGuard ng;
      fake = gan_->gen->forward(generatorInput(spec_, energy, theta));
    }
    const DiscOut r = gan_->disc->forward(real), f = gan_->disc->forward(fake);
    const auto on = r.logit.options().dtype(at::kFloat);  // the training device
    const at::Tensor dGan = 0.5 * (at::binary_cross_entropy_with_logits(r.logit, at::full({n}, realLabel_, on)) +
                                   at::binary_cross_entropy_with_logits(f.logit, at::zeros({n}, on)));
    const at::Tensor dLoss = w_.gan * dGan + w_.energy * mape(r.energy, eTarget) + w_.angle * (r.theta - theta).abs().mean();
    backward(dLoss);
    if (gradClip > 0) torch::nn::utils::clip_grad_norm_(gan_->disc->parameters(), gradClip);
    optD_->step();

    // Generator: fool the discriminator, match the conditions through its regression heads,
    // and deposit the energy the training set deposits for that primary energy.
    for (auto& p : gan_->disc->parameters()) p.requires_grad_(false);
    optG_->zero_grad();
    const at::Tensor g = gan_->gen->forward(generatorInput(spec_, energy, theta));
    const DiscOut o = gan_->disc->forward(g);
    const at::Tensor ecalTarget = energy * spec_.ecalRatio;
    const at::Tensor ecalErr = mape(o.ecal, ecalTarget);
    const at::Tensor gLoss = w_.gan * at::binary_cross_entropy_with_logits(o.logit, at::ones({n}, on)) +
                             w_.energy * mape(o.energy, eTarget) + w_.angle * (o.theta - theta).abs().mean() +
                             w_.ecal * ecalErr;
    backward(gLoss);
    for (auto& p : gan_->disc->parameters()) p.requires_grad_(true);
    if (gradClip > 0) torch::nn::utils::clip_grad_norm_(gan_->gen->parameters(), gradClip);
    optG_->step();
    // The generator's BatchNorm statistics: rank 0's everywhere, so every rank holds one model.
    if (dataParallel()) dataParallel()->broadcastBuffers();

    // The step's numbers in one copy from the device (one synchronisation instead of seven).
    std::vector<at::Tensor> parts;
    for (const at::Tensor& t : {o.ecal.mean(), ecalTarget.mean(), gLoss, dLoss, ecalErr, at::sigmoid(r.logit).mean(),
                                at::sigmoid(f.logit).mean()})
      parts.push_back(t.detach().to(at::kFloat));
    const at::Tensor host = at::stack(parts).to(at::kCPU, at::kDouble);
    const auto v = host.accessor<double, 1>();

    // A generator that only makes empty showers will not recover: stop and say so.
    const double deposit = v[0], expected = v[1];
    if (deposit < 1e-3 * expected) {
      if (++emptySteps_ >= collapseSteps_)
        throw std::runtime_error("the generator collapsed: its showers have been empty for " +
                                 std::to_string(emptySteps_) + " optimizer steps (mean deposit " +
                                 std::to_string(deposit) + " GeV against " + std::to_string(expected) +
                                 " GeV expected); lower lr, or change seed or the loss weights");
    } else {
      emptySteps_ = 0;
    }
    return {{"g_loss", v[2]}, {"d_loss", v[3]}, {"ecal_mape", v[4]}, {"d_real", v[5]}, {"d_fake", v[6]}};
  }

  // The physics score of generated against real validation showers (lower is better).
  std::map<std::string, double> validate(const Batch& all) override {
    torch::NoGradGuard ng;
    gan_->gen->eval();
    const at::Tensor energy = all.second.select(1, 0), theta = all.second.select(1, 1);
    // The observables are computed on the CPU, in fp32 whatever the training precision.
    const at::Tensor fake = generate(gan_->gen, spec_, energy, theta).to(at::kCPU, at::kFloat);
    gan_->gen->train();
    const at::Tensor real = all.first.pow(1.0 / spec_.power).div(spec_.inputScale).cpu();
    const at::Tensor e = energy.cpu();
    const Comparison c = compare(computeObservables(real, e, hit_), computeObservables(fake, e, hit_), 30);
    std::map<std::string, double> m{{"val_loss", c.score}};
    for (const auto& o : c.observables)
      if (o.ref.name == "energy_ratio" || o.ref.name == "longitudinal_profile" || o.ref.name == "lateral_profile" ||
          o.ref.name == "cell_energy")
        m["val_sep_" + o.ref.name] = o.d.separation;
    return m;
  }

 private:
  GanSpec spec_;
  Gan gan_;
  Weights w_;
  double realLabel_;
  std::int64_t collapseSteps_, emptySteps_ = 0;
  double hit_;
  std::unique_ptr<torch::optim::RMSprop> optG_, optD_;
};

// ---------------------------------------------------------------------------

// The 3DGAN's own settings; the trainer's (epochs, lr, ...) come from TrainerConfig's.
struct GanConfig {
  std::string preset = "small";
  std::int64_t generatorChannels = 0, discriminatorChannels = 0;  // 0: from the preset
  std::int64_t latent = 256;
  double power = 0.85, energyScale = 0.01, inputScale = 1000;
  double cellThreshold = 1e-4;  // MeV
  double minTotal = 10;         // MeV
  std::vector<double> lossWeights{3, 0.1, 25, 0.1};
  double realLabel = 0.9;
  std::int64_t collapseSteps = 50;
  double hitThreshold = 1e-4;  // GeV
};

const ParamDecls<GanConfig>& ganParams() {
  static const ParamDecls<GanConfig> d = [] {
    using C = GanConfig;
    ParamDecls<C> d;
    d.choice("preset", &C::preset, {"small", "large"})
        .withDoc("Network sizes: small trains on a CPU in minutes, large is for a GPU");
    d.add("generator_channels", &C::generatorChannels).atLeast(0).withDoc("Generator width; 0: from the preset");
    d.add("discriminator_channels", &C::discriminatorChannels)
        .atLeast(0)
        .withDoc("Discriminator width; 0: from the preset");
    d.add("latent", &C::latent).atLeast(3).withDoc("Generator input: energy, angle and latent - 2 noise values");
    d.add("power", &C::power).above(0).atMost(1).withDoc("Cell energies are raised to this power for training");
    d.add("energy_scale", &C::energyScale).above(0).withDoc("Factor on the primary energy (GeV) given to the networks");
    d.add("input_scale", &C::inputScale)
        .above(0)
        .withDoc("Cell energies are multiplied by this first: 1000 takes GeV (TwinForge's files) to MeV, the units "
                 "3DGAN's thresholds below are given in; use 1 for files already in MeV");
    d.add("cell_threshold", &C::cellThreshold).atLeast(0).withUnit("MeV").withDoc("Cells below are set to zero");
    d.add("min_total", &C::minTotal).atLeast(0).withUnit("MeV").withDoc("Showers depositing no more are dropped");
    d.add("loss_weights", &C::lossWeights).withDoc("Weights of the real/fake, energy, angle and deposited-energy losses");
    d.add("real_label", &C::realLabel).above(0).atMost(1).withDoc("Label of real showers (one-sided smoothing)");
    d.add("collapse_steps", &C::collapseSteps).atLeast(1).withDoc("Stop when the showers stay empty this many steps");
    d.add("hit_threshold", &C::hitThreshold).atLeast(0).withUnit("GeV").withDoc("Validation: a cell above this is hit");
    return d;
  }();
  return d;
}

class GanTrainer : public Component {
 public:
  explicit GanTrainer(const Params& p) : p_(p), cfg_(ganParams().parse(p)) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const TrainerConfig cfg = TrainerConfig::fromParams(p_);
    GanSpec spec;
    const std::string& preset = cfg_.preset;
    spec.genChannels = preset == "large" ? 64 : 8;
    spec.discChannels = preset == "large" ? 32 : 8;
    if (cfg_.generatorChannels > 0) spec.genChannels = cfg_.generatorChannels;
    if (cfg_.discriminatorChannels > 0) spec.discChannels = cfg_.discriminatorChannels;
    spec.latent = cfg_.latent;
    spec.power = cfg_.power;
    spec.energyScale = cfg_.energyScale;
    spec.cellThreshold = cfg_.cellThreshold;
    spec.inputScale = cfg_.inputScale;
    const auto& lw = cfg_.lossWeights;
    if (lw.size() != 4)
      throw std::runtime_error("loss_weights: expected 4 numbers [real/fake, energy, angle, deposit], got " +
                               std::to_string(lw.size()));

    auto prepare = [&](const Artifact& ds, const char* what, bool fit) -> Batch {
      at::Tensor x = ds.tensor("x").to(at::kFloat);
      at::Tensor y = ds.tensor("y").to(at::kFloat);
      if (x.dim() != 4)
        throw std::runtime_error(std::string(what) + ".x must be showers (events, x, y, layers), got " +
                                 std::to_string(x.dim()) + "-D; read 3DGAN files with calo.ShowerReader");
      if (y.dim() != 2 || y.size(1) != 2 || y.size(0) != x.size(0))
        throw std::runtime_error(std::string(what) + ".y must be (events, 2): primary energy in GeV and angle");
      if (fit) spec.shape = {x.size(1), x.size(2), x.size(3)};
      if (std::vector<std::int64_t>{x.size(1), x.size(2), x.size(3)} != spec.shape)
        throw std::runtime_error(std::string(what) + " showers have another grid than the training showers");
      x = x * spec.inputScale;
      x = x.masked_fill(x.lt(spec.cellThreshold), 0);
      const at::Tensor total = x.sum({1, 2, 3});
      const double minTotal = cfg_.minTotal;
      const at::Tensor keep = total.gt(minTotal).nonzero().reshape({-1});
      if (keep.size(0) == 0)
        throw std::runtime_error(std::string(what) + ": all " + std::to_string(x.size(0)) +
                                 " showers have a total deposit <= min_total (" + std::to_string(minTotal) +
                                 "; the largest is " + std::to_string(total.max().item<double>()) +
                                 "); lower min_total to suit the files' units");
      if (keep.size(0) < x.size(0))
        ctx.log(std::string(what) + ": dropped " + std::to_string(x.size(0) - keep.size(0)) +
                " showers with a total deposit <= " + std::to_string(minTotal));
      x = x.index_select(0, keep);
      y = y.index_select(0, keep);
      if (fit) spec.ecalRatio = (x.sum() / y.select(1, 0).sum()).item<double>();
      return {x.pow(spec.power), y};
    };
    const Batch train = prepare(in.at("train"), "train", true);
    Batch val;
    if (in.count("val")) val = prepare(in.at("val"), "val", false);

    torch::manual_seed(cfg.seed);
    GanTask task(spec, cfg, {lw[0], lw[1], lw[2], lw[3]}, cfg_.realLabel, cfg_.collapseSteps, cfg_.hitThreshold);
    std::int64_t params = 0;
    for (const auto& t : task.model().parameters()) params += t.numel();
    ctx.log("training 3DGAN (" + preset + ": generator " + std::to_string(spec.genChannels) + ", discriminator " +
            std::to_string(spec.discChannels) + " channels, " + std::to_string(params) + " parameters) on " +
            std::to_string(train.first.size(0)) + " showers " + std::to_string(spec.shape[0]) + "x" +
            std::to_string(spec.shape[1]) + "x" + std::to_string(spec.shape[2]) + ", deposit/energy " +
            std::to_string(spec.ecalRatio) + ", " + std::to_string(cfg.epochs) + " epochs, RMSprop lr " +
            std::to_string(cfg.lr) + ", " + std::to_string(at::get_num_threads()) + " threads");
    std::map<std::string, double> initial;
    if (val.first.defined()) initial = task.validate(val);  // the untrained generator, for comparison
    const TrainResult r = Trainer(cfg).fit(task, train, val.first.defined() ? &val : nullptr, ctx);

    Artifacts out;
    out["model"] = generatorArtifact(task.generator(), spec);
    Artifact metrics;
    metrics.type = "Metrics";
    metrics.meta = {{"task", "3dgan"},
                    {"epochs", r.epochsRun},
                    {"optimizer_steps", r.steps},
                    {"final_g_loss", r.lastLoss},
                    {"resumed", r.resumed},
                    {"train_seconds", r.seconds},
                    {"epoch_seconds", r.epochSeconds},
                    {"checkpoint_seconds", r.checkpointSeconds},
                    {"showers_per_second",
                     r.seconds > 0 ? static_cast<double>(r.samplesSeen) / r.seconds : 0.0}};
    for (const auto& [k, v] : initial) metrics.meta["initial_" + k] = v;
    for (const auto& [k, v] : r.lastValidation) metrics.meta["final_" + k] = v;
    if (!initial.empty())
      ctx.log("validation score (mean separation power, lower is better): untrained " +
              std::to_string(initial["val_loss"]) + ", trained " +
              std::to_string(r.lastValidation.count("val_loss") ? r.lastValidation.at("val_loss") : initial["val_loss"]));
    out["metrics"] = metrics;
    return out;
  }

 private:
  Params p_;  // the trainer's settings are read from it by TrainerConfig
  GanConfig cfg_;
};

}  // namespace

void registerGanTrainer(Registry& reg) {
  addTorchScriptExporter("calo.3DGAN", exportGeneratorTorchScript);
  ComponentInfo c;
  c.classPath = "calo.GAN3DTrainer";
  c.doc = "Train the 3DGAN fast simulation of calorimeter showers (conditional on energy and angle)";
  c.category = "Training";
  c.params = ganParams().schema();
  for (auto& spec : TrainerConfig::params().schemaWithout({"optimizer", "momentum", "weight_decay"}))
    c.params.push_back(spec);
  c.inputs = {{"train", "Dataset", "showers x (events, x, y, layers) in GeV, y (events, 2): energy GeV, angle rad", false},
              {"val", "Dataset", "showers to score the generator on each epoch", true}};
  c.outputs = {{"model", "Model", "the trained generator", false},
               {"metrics", "Metrics", "losses, validation scores before and after", false}};
  c.factory = [](const Params& p) -> Component* { return new GanTrainer(p); };
  reg.add(c);
}

}  // namespace tf::calo
