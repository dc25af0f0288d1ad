#include "train/Trainer.h"

#include "dist/DataParallel.h"
#include "dist/World.h"
#include "exec/Component.h"
#include "io/AtomicFile.h"
#include "train/Device.h"
#include "train/RankSampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

namespace fs = std::filesystem;

namespace tf {

// ---------------------------------------------------------------------------
// Configuration

const ParamDecls<TrainerConfig>& TrainerConfig::params() {
  static const ParamDecls<TrainerConfig> d = [] {
    using C = TrainerConfig;
    ParamDecls<C> d;
    d.add("epochs", &C::epochs).atLeast(0).withDoc("Passes over the training set (0: keep the seeded initial weights)");
    d.add("batch_size", &C::batchSize)
        .atLeast(1)
        .withDoc("Samples per optimizer step on each rank; the global batch is this times the ranks");
    d.add("lr", &C::lr).above(0).withDoc("Learning rate");
    d.choice("optimizer", &C::optimizer, {"adam", "adamw", "sgd"}).withDoc("Optimizer");
    d.add("weight_decay", &C::weightDecay).atLeast(0).withDoc("L2 penalty (decoupled for adamw)");
    d.add("momentum", &C::momentum).atLeast(0).below(1).withDoc("Momentum (sgd only)");
    d.choice("schedule", &C::schedule, {"constant", "step", "exponential", "cosine"})
        .withDoc("Learning-rate schedule over epochs");
    d.add("gamma", &C::gamma).above(0).atMost(1).withDoc("Factor of the step and exponential schedules");
    d.add("step_size", &C::stepSize).atLeast(1).withDoc("Epochs between learning-rate steps (step schedule)");
    d.add("min_lr", &C::minLr).atLeast(0).withDoc("Final learning rate of the cosine schedule");
    d.add("grad_clip", &C::gradClip).atLeast(0).withDoc("Clip the gradients' global norm to this; 0: off");
    d.add("seed", &C::seed).withDoc("Seed for initial weights, batch order and dropout");
    d.add("validate_every", &C::validateEvery).atLeast(0).withDoc("Optimizer steps between validations; 0: each epoch");
    d.add("patience", &C::patience).atLeast(0).withDoc("Stop after this many validations without improvement; 0: never");
    d.add("min_delta", &C::minDelta).atLeast(0).withDoc("Decrease of val_loss that counts as an improvement");
    d.add("checkpoint_every", &C::checkpointEvery)
        .atLeast(0)
        .withDoc("Optimizer steps between checkpoints; 0: each epoch");
    d.add("bucket_mb", &C::bucketMb)
        .above(0)
        .withDoc("Data-parallel runs: MB of gradients sent per all-reduce, started as soon as each is full");
    d.add("device", &C::device)
        .withDoc("Where to train: cpu, cuda (each rank its own GPU, from LOCAL_RANK), cuda:N, or auto (a GPU when "
                 "there is one, else the CPU)");
    d.choice("precision", &C::precision, {"fp32", "bf16"})
        .withDoc("bf16: mixed precision (autocast to bfloat16, weights kept in fp32; LibTorch 2.x)");
    return d;
  }();
  return d;
}

double TrainerConfig::lrAt(std::int64_t epoch) const {
  const auto e = static_cast<double>(epoch);
  if (schedule == "step") return lr * std::pow(gamma, static_cast<double>(epoch / stepSize));
  if (schedule == "exponential") return lr * std::pow(gamma, e);
  if (schedule == "cosine")
    return minLr +
           0.5 * (lr - minLr) * (1 + std::cos(M_PI * e / static_cast<double>(std::max<std::int64_t>(1, epochs))));
  return lr;
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainerConfig& c, std::vector<at::Tensor> params) {
  if (c.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(c.lr).momentum(c.momentum).weight_decay(c.weightDecay));
  if (c.optimizer == "adamw")
    return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(c.lr).weight_decay(c.weightDecay));
  return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(c.lr).weight_decay(c.weightDecay));
}

void TrainingTask::backward(const at::Tensor& loss) {
  loss.backward();
  if (dp_) dp_->finish();
}

// ---------------------------------------------------------------------------
// Supervised task

SupervisedTask::SupervisedTask(std::shared_ptr<torch::nn::Module> model,
                               std::function<at::Tensor(const at::Tensor&)> forward, Loss loss,
                               const TrainerConfig& cfg, bool classification)
    : model_(std::move(model)),
      forward_(std::move(forward)),
      loss_(std::move(loss)),
      classification_(classification),
      opt_(makeOptimizer(cfg, model_->parameters())) {}

std::vector<std::pair<std::string, double>> SupervisedTask::trainStep(const Batch& b, double gradClip) {
  opt_->zero_grad();
  at::Tensor loss = loss_(forward_(b.first), b.second);
  backward(loss);
  if (gradClip > 0) torch::nn::utils::clip_grad_norm_(model_->parameters(), gradClip);
  opt_->step();
  return {{"loss", loss.item<double>()}};
}

std::map<std::string, double> SupervisedTask::validate(const Batch& all) {
  torch::NoGradGuard ng;
  model_->eval();
  at::Tensor out = forward_(all.first);
  std::map<std::string, double> m{{"val_loss", loss_(out, all.second).item<double>()}};
  if (classification_) m["val_accuracy"] = out.argmax(1).eq(all.second).to(at::kFloat).mean().item<double>();
  model_->train();
  return m;
}

// ---------------------------------------------------------------------------
// Checkpoints

namespace {

struct LoopState {
  std::int64_t epoch = 0, batch = 0, step = 0, badValidations = 0;
  double best = std::numeric_limits<double>::infinity();
  double firstLoss = std::nan(""), epochSum = 0, epochCount = 0;
};

void saveCheckpoint(const fs::path& file, TrainingTask& task, const LoopState& s) {
  torch::serialize::OutputArchive ar;
  // Weights as CPU copies, so any build reads them; optimizer state is mapped on loading.
  for (const auto& p : task.model().named_parameters()) ar.write("model." + p.key(), p.value().cpu());
  for (const auto& b : task.model().named_buffers()) ar.write("model." + b.key(), b.value().cpu(), true);
  int i = 0;
  for (auto* opt : task.optimizers()) {
    torch::serialize::OutputArchive o;
    opt->save(o);
    ar.write("optimizer" + std::to_string(i++), o);
  }
  ar.write("loop.ints", at::tensor({s.epoch, s.batch, s.step, s.badValidations}, at::kLong));
  ar.write("loop.reals", at::tensor({s.best, s.firstLoss, s.epochSum, s.epochCount}, at::kDouble));
  // Dropout and other random layers draw from the default generator.
  ar.write("loop.rng", at::detail::getDefaultCPUGenerator().get_state());
  // A kill or a full disk leaves the previous checkpoint or the new one, never half of one.
  io::writeStreamAtomic(file, [&](std::ostream& out) { ar.save_to(out); });
}

LoopState loadCheckpoint(const fs::path& file, TrainingTask& task, const c10::Device& device) {
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(file.string(), device);  // tensors written on a GPU load on the CPU and back
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": not a readable checkpoint (" + std::string(e.what()).substr(0, 200) +
                             ")");
  }
  torch::NoGradGuard ng;
  auto restore = [&](const std::string& name, at::Tensor& target) {
    at::Tensor t;
    if (!ar.try_read("model." + name, t))
      throw std::runtime_error(file.string() + ": written for another model: it has no '" + name + "'");
    if (!t.sizes().equals(target.sizes())) {
      std::ostringstream m;
      m << file.string() << ": written for another model: '" << name << "' has shape " << t.sizes() << " there and "
        << target.sizes() << " here";
      throw std::runtime_error(m.str());
    }
    target.copy_(t);
  };
  for (auto& p : task.model().named_parameters()) restore(p.key(), p.value());
  for (auto& b : task.model().named_buffers()) restore(b.key(), b.value());
  int i = 0;
  for (auto* opt : task.optimizers()) {
    torch::serialize::InputArchive o;
    if (!ar.try_read("optimizer" + std::to_string(i++), o))
      throw std::runtime_error(file.string() + ": written with fewer optimizers than this trainer uses");
    opt->load(o);
  }
  at::Tensor ints, reals, rng;
  if (!ar.try_read("loop.ints", ints) || !ar.try_read("loop.reals", reals) || !ar.try_read("loop.rng", rng))
    throw std::runtime_error(file.string() + ": has no training position (not written by TwinForge's trainer)");
  LoopState s;
  auto in = ints.accessor<std::int64_t, 1>();
  auto re = reals.accessor<double, 1>();
  s.epoch = in[0];
  s.batch = in[1];
  s.step = in[2];
  s.badValidations = in[3];
  s.best = re[0];
  s.firstLoss = re[1];
  s.epochSum = re[2];
  s.epochCount = re[3];
  at::Generator gen = at::detail::getDefaultCPUGenerator();  // shares the default generator's state
  gen.set_state(rng);
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------
// The loop

namespace {

// One call of Trainer::fit: the task, the data, this rank's place in the job, and the position
// in the loop that checkpoints save and a resumed run starts from.
class FitLoop {
 public:
  FitLoop(const TrainerConfig& cfg, TrainingTask& task, const Batch& train, const Batch* val, StepContext& ctx)
      : cfg_(cfg),
        task_(task),
        train_(train),
        val_(val),
        ctx_(ctx),
        world_(ctx.world()),
        W_(world_ ? world_->size() : 1),
        rank_(world_ ? world_->rank() : 0),
        sampler_(train.first.size(0), cfg.batchSize, rank_, W_, cfg.seed),
        ckpt_(Trainer::checkpointFile(ctx.workDir())),
        device_(resolveDevice(cfg.device)) {
    r_.worldSize = W_;
    checkPrecision(cfg.precision, device_);
  }

  TrainResult run() {
    // The model and the data go to the device once; batches are picked there.
    task_.model().to(device_);
    struct BackToCpu {
      TrainingTask& t;
      ~BackToCpu() {
        try {
          t.model().to(c10::Device(c10::DeviceType::CPU));
        } catch (const std::exception&) {
          // Leaving after a device error (out of memory, say): that error is the one to report.
        }
      }
    } backToCpu{task_};
    trainData_ = {train_.first.to(device_), train_.second.to(device_)};
    if (!device_.is_cpu() || cfg_.precision != "fp32")
      ctx_.log("training on " + describeDevice(device_) + ", precision " + cfg_.precision);
    resumeIfCheckpointed();
    std::unique_ptr<dist::DataParallel> dp;
    if (W_ > 1) {
      dp = std::make_unique<dist::DataParallel>(task_.model(), *world_,
                                                static_cast<std::int64_t>(cfg_.bucketMb * 1024 * 1024));
      ctx_.log("data parallel over " + std::to_string(W_) + " ranks (" + world_->backend() + "), " +
               std::to_string(dp->bucketCount()) + " gradient bucket(s), global batch " +
               std::to_string(sampler_.globalBatch()));
    }
    dp_ = dp.get();
    task_.attach(dp_);
    struct Detach {
      TrainingTask& t;
      ~Detach() { t.attach(nullptr); }
    } detach{task_};
    shardValidation();
    task_.model().train();
    const auto t0 = std::chrono::steady_clock::now();
    for (; s_.epoch < cfg_.epochs && !stop_; ++s_.epoch) epoch();
    r_.firstLoss = s_.firstLoss;
    r_.steps = s_.step;
    r_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r_;
  }

 private:
  bool leader() const { return rank_ == 0; }

  void resumeIfCheckpointed() {
    if (!fs::exists(ckpt_)) return;
    s_ = loadCheckpoint(ckpt_, task_, device_);
    r_.resumed = true;
    if (!leader()) s_.epochSum = s_.epochCount = 0;  // the checkpoint holds the sums of all ranks
    ctx_.log("resuming from " + ckpt_.string() + ": epoch " + std::to_string(s_.epoch + 1) + ", batch " +
             std::to_string(s_.batch) + " (optimizer step " + std::to_string(s_.step) + ")");
  }

  // Sums over ranks of (value * weight) for a few doubles.
  std::vector<double> reduce(std::vector<double> v) const {
    if (W_ == 1) return v;
    at::Tensor t = at::tensor(v, at::kDouble);
    world_->allreduceSumNow(t);
    auto a = t.accessor<double, 1>();
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = a[static_cast<std::int64_t>(i)];
    return v;
  }

  // Validation is sharded too when there are enough samples; metrics are weighted means.
  void shardValidation() {
    if (!val_) return;
    const std::int64_t vn = val_->first.size(0);
    if (W_ > 1 && vn >= W_) {
      const auto [lo, hi] = sampler_.shard(vn);
      valShard_ = {val_->first.slice(0, lo, hi), val_->second.slice(0, lo, hi)};
      valWeight_ = static_cast<double>(hi - lo) / static_cast<double>(vn);
    } else {
      valShard_ = *val_;
      valWeight_ = 1.0 / W_;  // each rank has all of it: the mean of equal values
    }
    valShard_ = {valShard_.first.to(device_), valShard_.second.to(device_)};
  }

  void validate(std::int64_t index) {
    if (!val_) return;
    std::map<std::string, double> local;
    {
      PrecisionScope mixed(cfg_.precision, device_);
      local = task_.validate(valShard_);
    }
    std::vector<double> v;
    for (const auto& kv : local) v.push_back(kv.second * valWeight_);
    v = reduce(v);
    r_.lastValidation.clear();
    std::size_t i = 0;
    for (const auto& kv : local) r_.lastValidation[kv.first] = v[i++];
    for (const auto& [k, x] : r_.lastValidation) ctx_.metric(k, x, index);
    auto it = r_.lastValidation.find("val_loss");
    if (it == r_.lastValidation.end() || cfg_.patience <= 0) return;
    if (it->second < s_.best - cfg_.minDelta) {
      s_.best = it->second;
      s_.badValidations = 0;
    } else if (++s_.badValidations >= cfg_.patience) {
      stop_ = true;
      r_.stoppedEarly = true;
      ctx_.log("early stopping: val_loss has not improved for " + std::to_string(s_.badValidations) +
               " validations (best " + std::to_string(s_.best) + ")");
    }
  }

  // Only rank 0 writes; every rank takes part in summing the epoch's loss first.
  void checkpoint(LoopState next) {
    if (W_ > 1) {
      auto sums = reduce({next.epochSum, next.epochCount});
      next.epochSum = sums[0];
      next.epochCount = sums[1];
    }
    if (leader()) timedCheckpoint(next);
  }

  // One optimizer step on this rank's share of global batch b.
  void step(std::int64_t b) {
    ctx_.checkCancelled();
    const RankSampler::Share share = sampler_.batch(b);
    if (!share.indices.defined()) {  // a tail too small to give every rank a sample
      if (!warnedTail_ && leader())
        ctx_.log("the last " + std::to_string(share.size) + " sample(s) of each epoch are skipped: fewer than the " +
                 std::to_string(W_) + " ranks");
      warnedTail_ = true;
      return;
    }
    if (dp_) dp_->setWeight(share.weight);
    const at::Tensor& idx = share.indices;
    const at::Tensor onDevice = device_.is_cpu() ? idx : idx.to(device_);
    std::vector<std::pair<std::string, double>> losses;
    {
      PrecisionScope mixed(cfg_.precision, device_);
      losses = task_.trainStep({trainData_.first.index_select(0, onDevice), trainData_.second.index_select(0, onDevice)},
                               cfg_.gradClip);
    }
    if (dp_ && dp_->pending())
      throw std::logic_error("the training task called loss.backward() itself; call TrainingTask::backward(loss) so "
                             "gradients are averaged over ranks");
    const double loss = losses.front().second;
    for (std::size_t i = 1; i < losses.size(); ++i) ctx_.metric(losses[i].first, losses[i].second, s_.step + 1);
    if (!std::isfinite(loss))
      throw std::runtime_error(
          "the loss became " + std::to_string(loss) + " at epoch " + std::to_string(s_.epoch + 1) +
          ", optimizer step " + std::to_string(s_.step + 1) + (W_ > 1 ? " on rank " + std::to_string(rank_) : "") +
          "; lower the learning rate or clip gradients" +
          (fs::exists(ckpt_) ? " (the last good checkpoint is kept: " + ckpt_.string() + ")" : ""));
    if (std::isnan(s_.firstLoss)) s_.firstLoss = loss;
    s_.epochSum += loss * static_cast<double>(idx.size(0));
    s_.epochCount += static_cast<double>(idx.size(0));
    ++s_.step;
    if (cfg_.validateEvery > 0 && s_.step % cfg_.validateEvery == 0) validate(s_.step);
    if (cfg_.checkpointEvery > 0 && s_.step % cfg_.checkpointEvery == 0) {
      LoopState next = s_;
      ++next.batch;  // the position to continue from
      checkpoint(next);
    }
  }

  void epoch() {
    const auto epochStart = std::chrono::steady_clock::now();
    const double lr = cfg_.lrAt(s_.epoch);
    for (auto* opt : task_.optimizers())
      for (auto& g : opt->param_groups()) g.options().set_lr(lr);
    sampler_.startEpoch(s_.epoch);
    for (; s_.batch < sampler_.batches() && !stop_; ++s_.batch) step(s_.batch);
    const auto sums = reduce({s_.epochSum, s_.epochCount});
    r_.samplesSeen += static_cast<std::int64_t>(sums[1]);
    r_.lastLoss = sums[0] / std::max(1.0, sums[1]);
    ctx_.metric("train_loss", r_.lastLoss, s_.epoch + 1);
    ctx_.metric("lr", lr, s_.epoch + 1);
    if (cfg_.validateEvery == 0) validate(s_.epoch + 1);
    std::ostringstream msg;
    msg << "epoch " << s_.epoch + 1 << "/" << cfg_.epochs << " loss " << r_.lastLoss;
    if (auto it = r_.lastValidation.find("val_loss"); it != r_.lastValidation.end()) msg << " val " << it->second;
    ctx_.progress(static_cast<double>(s_.epoch + 1) / static_cast<double>(cfg_.epochs), msg.str());
    s_.batch = 0;
    s_.epochSum = s_.epochCount = 0;
    LoopState next = s_;
    ++next.epoch;
    if (stop_) next.epoch = cfg_.epochs;  // a resumed early-stopped run has nothing left to do
    if (leader()) timedCheckpoint(next);
    ++r_.epochsRun;
    r_.epochSeconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - epochStart).count());
  }

  void timedCheckpoint(const LoopState& next) {
    const auto t0 = std::chrono::steady_clock::now();
    saveCheckpoint(ckpt_, task_, next);
    r_.checkpointSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  const TrainerConfig& cfg_;
  TrainingTask& task_;
  const Batch& train_;
  const Batch* val_;
  StepContext& ctx_;
  dist::World* world_;
  const int W_, rank_;
  RankSampler sampler_;
  const fs::path ckpt_;
  const c10::Device device_;
  Batch trainData_;  // train_ on device_
  dist::DataParallel* dp_ = nullptr;
  LoopState s_;
  TrainResult r_;
  Batch valShard_;
  double valWeight_ = 1;
  bool stop_ = false, warnedTail_ = false;
};

}  // namespace

TrainResult Trainer::fit(TrainingTask& task, const Batch& train, const Batch* val, StepContext& ctx) {
  if (train.first.size(0) == 0) throw std::runtime_error("the training set is empty");
  return FitLoop(cfg_, task, train, val, ctx).run();
}

}  // namespace tf
