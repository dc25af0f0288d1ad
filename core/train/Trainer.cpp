#include "train/Trainer.h"

#include "dist/DataParallel.h"
#include "dist/World.h"
#include "exec/Component.h"
#include "exec/Params.h"
#include "io/AtomicFile.h"

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

std::vector<ParamSpec> TrainerConfig::schema() {
  return {
      ParamSpec::Int("epochs", "20").atLeast(0).withDoc("Passes over the training set (0: keep the seeded initial weights)"),
      ParamSpec::Int("batch_size", "64")
          .atLeast(1)
          .withDoc("Samples per optimizer step on each rank; the global batch is this times the ranks"),
      ParamSpec::Float("lr", "1e-3").above(0).withDoc("Learning rate"),
      ParamSpec::Enum("optimizer", {"adam", "adamw", "sgd"}, "adam").withDoc("Optimizer"),
      ParamSpec::Float("weight_decay", "0").atLeast(0).withDoc("L2 penalty (decoupled for adamw)"),
      ParamSpec::Float("momentum", "0.9").atLeast(0).below(1).withDoc("Momentum (sgd only)"),
      ParamSpec::Enum("schedule", {"constant", "step", "exponential", "cosine"}, "constant")
          .withDoc("Learning-rate schedule over epochs"),
      ParamSpec::Float("gamma", "0.1").above(0).atMost(1).withDoc("Factor of the step and exponential schedules"),
      ParamSpec::Int("step_size", "10").atLeast(1).withDoc("Epochs between learning-rate steps (step schedule)"),
      ParamSpec::Float("min_lr", "0").atLeast(0).withDoc("Final learning rate of the cosine schedule"),
      ParamSpec::Float("grad_clip", "0").atLeast(0).withDoc("Clip the gradients' global norm to this; 0: off"),
      ParamSpec::Int("seed", "0").atLeast(0).withDoc("Seed for initial weights, batch order and dropout"),
      ParamSpec::Int("validate_every", "0").atLeast(0).withDoc("Optimizer steps between validations; 0: each epoch"),
      ParamSpec::Int("patience", "0")
          .atLeast(0)
          .withDoc("Stop after this many validations without improvement; 0: never"),
      ParamSpec::Float("min_delta", "0").atLeast(0).withDoc("Decrease of val_loss that counts as an improvement"),
      ParamSpec::Int("checkpoint_every", "0").atLeast(0).withDoc("Optimizer steps between checkpoints; 0: each epoch"),
      ParamSpec::Float("bucket_mb", "25")
          .above(0)
          .withDoc("Data-parallel runs: MB of gradients sent per all-reduce, started as soon as each is full"),
  };
}

TrainerConfig TrainerConfig::fromParams(const Params& p) {
  TrainerConfig c;
  c.epochs = p.getInt("epochs");
  c.batchSize = p.getInt("batch_size");
  c.lr = p.getDouble("lr");
  // A trainer with its own optimizers (the GAN's RMSprop pair) leaves these out of its schema.
  auto inSchema = [&](const char* name) {
    if (!p.info()) return true;
    for (const auto& s : p.info()->params)
      if (s.name == name) return true;
    return false;
  };
  if (inSchema("optimizer")) c.optimizer = p.getString("optimizer");
  if (inSchema("weight_decay")) c.weightDecay = p.getDouble("weight_decay");
  if (inSchema("momentum")) c.momentum = p.getDouble("momentum");
  c.schedule = p.getString("schedule");
  c.gamma = p.getDouble("gamma");
  c.stepSize = p.getInt("step_size");
  c.minLr = p.getDouble("min_lr");
  c.gradClip = p.getDouble("grad_clip");
  c.seed = static_cast<std::uint64_t>(p.getInt("seed"));
  c.validateEvery = p.getInt("validate_every");
  c.patience = p.getInt("patience");
  c.minDelta = p.getDouble("min_delta");
  c.checkpointEvery = p.getInt("checkpoint_every");
  c.bucketMb = p.has("bucket_mb") ? p.getDouble("bucket_mb") : 25;
  return c;
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
  for (const auto& p : task.model().named_parameters()) ar.write("model." + p.key(), p.value());
  for (const auto& b : task.model().named_buffers()) ar.write("model." + b.key(), b.value(), true);
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
  // A kill leaves the previous checkpoint or the new one, never half of one.
  io::writeAtomic(file, [&](const fs::path& tmp) { ar.save_to(tmp.string()); });
}

LoopState loadCheckpoint(const fs::path& file, TrainingTask& task) {
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(file.string());
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

TrainResult Trainer::fit(TrainingTask& task, const Batch& train, const Batch* val, StepContext& ctx) {
  TrainResult r;
  const std::int64_t n = train.first.size(0);
  if (n == 0) throw std::runtime_error("the training set is empty");
  // Data parallel: every rank draws the same permutation and takes its share of each global
  // batch (batch_size per rank), so ranks see disjoint samples and stay in step.
  dist::World* world = dist::World::current();
  const int W = world ? world->size() : 1;
  const int rank = world ? world->rank() : 0;
  const bool leader = rank == 0;
  r.worldSize = W;
  const std::int64_t global = std::min(cfg_.batchSize * W, n);
  const std::int64_t batches = (n + global - 1) / global;
  const fs::path ckpt = checkpointFile(ctx.workDir());
  LoopState s;
  if (fs::exists(ckpt)) {
    s = loadCheckpoint(ckpt, task);
    r.resumed = true;
    if (!leader) s.epochSum = s.epochCount = 0;  // the checkpoint holds the sums of all ranks
    ctx.log("resuming from " + ckpt.string() + ": epoch " + std::to_string(s.epoch + 1) + ", batch " +
            std::to_string(s.batch) + " (optimizer step " + std::to_string(s.step) + ")");
  }
  std::unique_ptr<dist::DataParallel> dp;
  if (W > 1) {
    dp = std::make_unique<dist::DataParallel>(task.model(), *world,
                                              static_cast<std::int64_t>(cfg_.bucketMb * 1024 * 1024));
    ctx.log("data parallel over " + std::to_string(W) + " ranks (" + world->backend() + "), " +
            std::to_string(dp->bucketCount()) + " gradient bucket(s), global batch " + std::to_string(global));
  }
  task.attach(dp.get());
  struct Detach {
    TrainingTask& t;
    ~Detach() { t.attach(nullptr); }
  } detach{task};

  // Sums over ranks of (value * weight) for a few doubles.
  auto reduce = [&](std::vector<double> v) {
    if (W == 1) return v;
    at::Tensor t = at::tensor(v, at::kDouble);
    world->allreduceSumNow(t);
    auto a = t.accessor<double, 1>();
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = a[static_cast<std::int64_t>(i)];
    return v;
  };
  // Validation is sharded too when there are enough samples; metrics are weighted means.
  Batch valShard;
  double valWeight = 1;
  if (val) {
    const std::int64_t vn = val->first.size(0);
    if (W > 1 && vn >= W) {
      const std::int64_t lo = rank * vn / W, hi = (rank + 1) * vn / W;
      valShard = {val->first.slice(0, lo, hi), val->second.slice(0, lo, hi)};
      valWeight = static_cast<double>(hi - lo) / static_cast<double>(vn);
    } else {
      valShard = *val;
      valWeight = 1.0 / W;  // each rank has all of it: the mean of equal values
    }
  }

  task.model().train();
  bool stop = false;
  auto validate = [&](std::int64_t index) {
    if (!val) return;
    auto local = task.validate(valShard);
    std::vector<double> v;
    for (const auto& kv : local) v.push_back(kv.second * valWeight);
    v = reduce(v);
    r.lastValidation.clear();
    std::size_t i = 0;
    for (const auto& kv : local) r.lastValidation[kv.first] = v[i++];
    for (const auto& [k, x] : r.lastValidation) ctx.metric(k, x, index);
    auto it = r.lastValidation.find("val_loss");
    if (it == r.lastValidation.end() || cfg_.patience <= 0) return;
    if (it->second < s.best - cfg_.minDelta) {
      s.best = it->second;
      s.badValidations = 0;
    } else if (++s.badValidations >= cfg_.patience) {
      stop = true;
      r.stoppedEarly = true;
      ctx.log("early stopping: val_loss has not improved for " + std::to_string(s.badValidations) +
              " validations (best " + std::to_string(s.best) + ")");
    }
  };
  // Only rank 0 writes; every rank takes part in summing the epoch's loss first.
  auto checkpoint = [&](LoopState next) {
    if (W > 1) {
      auto sums = reduce({next.epochSum, next.epochCount});
      next.epochSum = sums[0];
      next.epochCount = sums[1];
    }
    if (leader) saveCheckpoint(ckpt, task, next);
  };

  bool warnedTail = false;
  const auto t0 = std::chrono::steady_clock::now();
  for (; s.epoch < cfg_.epochs && !stop; ++s.epoch) {
    const double lr = cfg_.lrAt(s.epoch);
    for (auto* opt : task.optimizers())
      for (auto& g : opt->param_groups()) g.options().set_lr(lr);
    // The order of an epoch depends only on (seed, epoch): a resumed run and every rank see
    // the same permutation.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(cfg_.seed * 1000003ull + static_cast<std::uint64_t>(s.epoch));
    const at::Tensor perm = at::randperm(n, gen, at::TensorOptions().dtype(at::kLong));
    for (; s.batch < batches && !stop; ++s.batch) {
      ctx.checkCancelled();
      const std::int64_t start = s.batch * global, m = std::min(global, n - start);
      if (m < W) {  // a tail too small to give every rank a sample
        if (!warnedTail && leader)
          ctx.log("the last " + std::to_string(m) + " sample(s) of each epoch are skipped: fewer than the " +
                  std::to_string(W) + " ranks");
        warnedTail = true;
        continue;
      }
      const std::int64_t lo = start + rank * m / W, hi = start + (rank + 1) * m / W;
      const at::Tensor idx = perm.slice(0, lo, hi);
      if (dp) dp->setWeight(static_cast<double>(hi - lo) / static_cast<double>(m));
      const auto losses =
          task.trainStep({train.first.index_select(0, idx), train.second.index_select(0, idx)}, cfg_.gradClip);
      if (dp && dp->pending())
        throw std::logic_error("the training task called loss.backward() itself; call TrainingTask::backward(loss) so "
                               "gradients are averaged over ranks");
      const double loss = losses.front().second;
      for (std::size_t i = 1; i < losses.size(); ++i) ctx.metric(losses[i].first, losses[i].second, s.step + 1);
      if (!std::isfinite(loss))
        throw std::runtime_error(
            "the loss became " + std::to_string(loss) + " at epoch " + std::to_string(s.epoch + 1) +
            ", optimizer step " + std::to_string(s.step + 1) + (W > 1 ? " on rank " + std::to_string(rank) : "") +
            "; lower the learning rate or clip gradients" +
            (fs::exists(ckpt) ? " (the last good checkpoint is kept: " + ckpt.string() + ")" : ""));
      if (std::isnan(s.firstLoss)) s.firstLoss = loss;
      s.epochSum += loss * static_cast<double>(idx.size(0));
      s.epochCount += static_cast<double>(idx.size(0));
      ++s.step;
      if (cfg_.validateEvery > 0 && s.step % cfg_.validateEvery == 0) validate(s.step);
      if (cfg_.checkpointEvery > 0 && s.step % cfg_.checkpointEvery == 0) {
        LoopState next = s;
        ++next.batch;  // the position to continue from
        checkpoint(next);
      }
    }
    const auto sums = reduce({s.epochSum, s.epochCount});
    r.samplesSeen += static_cast<std::int64_t>(sums[1]);
    r.lastLoss = sums[0] / std::max(1.0, sums[1]);
    ctx.metric("train_loss", r.lastLoss, s.epoch + 1);
    ctx.metric("lr", lr, s.epoch + 1);
    if (cfg_.validateEvery == 0) validate(s.epoch + 1);
    std::ostringstream msg;
    msg << "epoch " << s.epoch + 1 << "/" << cfg_.epochs << " loss " << r.lastLoss;
    if (auto it = r.lastValidation.find("val_loss"); it != r.lastValidation.end()) msg << " val " << it->second;
    ctx.progress(static_cast<double>(s.epoch + 1) / static_cast<double>(cfg_.epochs), msg.str());
    s.batch = 0;
    s.epochSum = s.epochCount = 0;
    LoopState next = s;
    ++next.epoch;
    if (stop) next.epoch = cfg_.epochs;  // a resumed early-stopped run has nothing left to do
    if (leader) saveCheckpoint(ckpt, task, next);
    ++r.epochsRun;
  }
  r.firstLoss = s.firstLoss;
  r.steps = s.step;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace tf
