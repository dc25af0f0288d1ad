// core.MLP (the network) and core.MLPTrainer (its supervised training loop) share one file:
// every file that includes torch::nn/optim headers costs ~15 s to compile on 2 cores.
#include "components/Mlp.h"

#include "components/Builtins.h"
#include "exec/Component.h"

#include "exec/Artifact.h"
#include "exec/Params.h"
#include "registry/Registry.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <sstream>

#include <stdexcept>

namespace tf {

MlpSpec MlpSpec::fromParams(const Params& p, std::int64_t in, std::int64_t out) {
  MlpSpec s;
  s.inFeatures = in;
  s.outFeatures = out;
  s.hidden = p.getIntList("hidden");
  s.activation = p.getString("activation");
  s.dropout = p.getDouble("dropout");
  return s;
}

nlohmann::json MlpSpec::toJson() const {
  return {{"class_path", "core.MLP"}, {"in_features", inFeatures}, {"out_features", outFeatures},
          {"hidden", hidden},         {"activation", activation},  {"dropout", dropout}};
}

MlpSpec MlpSpec::fromJson(const nlohmann::json& j) {
  if (!j.is_object() || j.value("class_path", "") != "core.MLP")
    throw std::runtime_error("model metadata does not describe a core.MLP");
  MlpSpec s;
  s.inFeatures = j.at("in_features").get<std::int64_t>();
  s.outFeatures = j.at("out_features").get<std::int64_t>();
  s.hidden = j.at("hidden").get<std::vector<std::int64_t>>();
  s.activation = j.at("activation").get<std::string>();
  s.dropout = j.at("dropout").get<double>();
  return s;
}

torch::nn::Sequential MlpSpec::build() const {
  torch::nn::Sequential net;
  std::int64_t width = inFeatures;
  for (std::int64_t h : hidden) {
    net->push_back(torch::nn::Linear(width, h));
    if (activation == "tanh")
      net->push_back(torch::nn::Tanh());
    else if (activation == "gelu")
      net->push_back(torch::nn::GELU());
    else if (activation == "silu")
      net->push_back(torch::nn::SiLU());
    else
      net->push_back(torch::nn::ReLU());
    if (dropout > 0) net->push_back(torch::nn::Dropout(dropout));
    width = h;
  }
  net->push_back(torch::nn::Linear(width, outFeatures));
  return net;
}

Artifact modelArtifact(const MlpSpec& spec, torch::nn::Sequential& net, const std::string& task) {
  Artifact a;
  a.type = "Model";
  for (const auto& p : net->named_parameters()) a.tensors[p.key()] = p.value().detach().clone();
  for (const auto& b : net->named_buffers()) a.tensors[b.key()] = b.value().detach().clone();
  a.meta["arch"] = spec.toJson();
  a.meta["task"] = task;
  return a;
}

torch::nn::Sequential loadModel(const Artifact& a) {
  if (a.type != "Model") throw std::runtime_error("expected a Model artifact, got " + a.type);
  MlpSpec spec = MlpSpec::fromJson(a.meta.value("arch", nlohmann::json()));
  torch::nn::Sequential net = spec.build();
  torch::NoGradGuard guard;
  for (auto& p : net->named_parameters()) p.value().copy_(a.tensor(p.key()));
  for (auto& b : net->named_buffers()) b.value().copy_(a.tensor(b.key()));
  return net;
}

void registerMlp(Registry& reg) {
  ComponentInfo mlp;
  mlp.classPath = "core.MLP";
  mlp.doc = "Multilayer perceptron: Linear layers with an activation (and optional dropout) between them";
  mlp.category = "Models";
  mlp.kind = ComponentInfo::Kind::Object;
  mlp.objectKind = "model";
  mlp.params = {
      ParamSpec::IntList("hidden", "[64, 64]").atLeast(1).withDoc("Widths of the hidden layers"),
      ParamSpec::Enum("activation", {"relu", "tanh", "gelu", "silu"}, "relu")
          .withDoc("Non-linearity after each hidden layer"),
      ParamSpec::Float("dropout", "0").atLeast(0).below(1).withDoc("Dropout probability after each hidden layer"),
  };
  reg.add(mlp);
}

namespace {

class MlpTrainer : public Component {
 public:
  explicit MlpTrainer(const Params& p) : p_(p) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const Artifact& train = in.at("train");
    const Artifact* val = in.count("val") ? &in.at("val") : nullptr;
    at::Tensor x = train.tensor("x").to(torch::kFloat);
    at::Tensor y = train.tensor("y");
    if (x.dim() != 2)
      throw std::runtime_error("train.x must be 2-D (samples, features), got " + std::to_string(x.dim()) + "-D");
    if (y.size(0) != x.size(0))
      throw std::runtime_error("train.x has " + std::to_string(x.size(0)) + " samples but train.y has " +
                               std::to_string(y.size(0)));

    std::string task = p_.getString("task");
    if (task == "auto") task = at::isIntegralType(y.scalar_type(), false) ? "classification" : "regression";
    const bool cls = task == "classification";
    std::int64_t outFeatures;
    if (cls) {
      y = y.reshape({-1}).to(torch::kLong);
      outFeatures = y.max().item<std::int64_t>() + 1;
      if (val) outFeatures = std::max(outFeatures, val->tensor("y").max().item<std::int64_t>() + 1);
    } else {
      y = y.to(torch::kFloat);
      if (y.dim() == 1) y = y.unsqueeze(1);
      outFeatures = y.size(1);
    }

    const std::int64_t seed = p_.getInt("seed");
    torch::manual_seed(static_cast<std::uint64_t>(seed));
    MlpSpec spec = MlpSpec::fromParams(p_.object("model"), x.size(1), outFeatures);
    torch::nn::Sequential net = spec.build();

    const double lr = p_.getDouble("lr");
    const double wd = p_.getDouble("weight_decay");
    std::unique_ptr<torch::optim::Optimizer> opt;
    const std::string optName = p_.getString("optimizer");
    if (optName == "sgd")
      opt = std::make_unique<torch::optim::SGD>(
          net->parameters(), torch::optim::SGDOptions(lr).momentum(p_.getDouble("momentum")).weight_decay(wd));
    else if (optName == "adamw")
      opt = std::make_unique<torch::optim::AdamW>(net->parameters(), torch::optim::AdamWOptions(lr).weight_decay(wd));
    else
      opt = std::make_unique<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(lr).weight_decay(wd));

    auto lossOf = [&](const at::Tensor& out, const at::Tensor& target) {
      return cls ? torch::nn::functional::cross_entropy(out, target) : torch::mse_loss(out, target);
    };
    at::Tensor vx, vy;
    if (val) {
      vx = val->tensor("x").to(torch::kFloat);
      vy = cls ? val->tensor("y").reshape({-1}).to(torch::kLong) : val->tensor("y").to(torch::kFloat);
      if (!cls && vy.dim() == 1) vy = vy.unsqueeze(1);
    }

    const std::int64_t epochs = p_.getInt("epochs");
    const std::int64_t batch = std::min<std::int64_t>(p_.getInt("batch_size"), x.size(0));
    const std::int64_t n = x.size(0);
    const std::int64_t batches = (n + batch - 1) / batch;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(seed) + 1);
    ctx.log("training " + task + " MLP " + std::to_string(spec.inFeatures) + " -> " + std::to_string(outFeatures) +
            " on " + std::to_string(n) + " samples, " + std::to_string(epochs) + " epochs, " + optName +
            " lr=" + std::to_string(lr) + ", " + std::to_string(at::get_num_threads()) + " threads");

    double firstLoss = NAN, lastLoss = NAN, lastVal = NAN, lastAcc = NAN;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
      net->train();
      at::Tensor perm = torch::randperm(n, gen, torch::kLong);
      double sum = 0;
      for (std::int64_t b = 0; b < batches; ++b) {
        ctx.checkCancelled();
        at::Tensor idx = perm.slice(0, b * batch, std::min(n, (b + 1) * batch));
        opt->zero_grad();
        at::Tensor loss = lossOf(net->forward(x.index_select(0, idx)), y.index_select(0, idx));
        loss.backward();
        opt->step();
        sum += loss.item<double>() * static_cast<double>(idx.size(0));
      }
      lastLoss = sum / static_cast<double>(n);
      if (epoch == 0) firstLoss = lastLoss;
      if (!std::isfinite(lastLoss))
        throw std::runtime_error("training diverged at epoch " + std::to_string(epoch + 1) + " (loss is " +
                                 std::to_string(lastLoss) + "); lower lr");
      ctx.metric("train_loss", lastLoss, epoch + 1);
      if (val) {
        torch::NoGradGuard ng;
        net->eval();
        at::Tensor out = net->forward(vx);
        lastVal = lossOf(out, vy).item<double>();
        ctx.metric("val_loss", lastVal, epoch + 1);
        if (cls) {
          lastAcc = out.argmax(1).eq(vy).to(torch::kFloat).mean().item<double>();
          ctx.metric("val_accuracy", lastAcc, epoch + 1);
        }
      }
      std::ostringstream msg;
      msg << "epoch " << epoch + 1 << "/" << epochs << " loss " << lastLoss;
      if (val) msg << " val " << lastVal;
      ctx.progress(static_cast<double>(epoch + 1) / static_cast<double>(epochs), msg.str());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    Artifacts out;
    out["model"] = modelArtifact(spec, net, task);
    Artifact metrics;
    metrics.type = "Metrics";
    metrics.meta = {{"task", task},
                    {"epochs", epochs},
                    {"first_train_loss", firstLoss},
                    {"final_train_loss", lastLoss},
                    {"train_seconds", seconds},
                    {"samples_per_second", seconds > 0 ? static_cast<double>(n * epochs) / seconds : 0.0}};
    if (val) metrics.meta["final_val_loss"] = lastVal;
    if (cls && val) metrics.meta["final_val_accuracy"] = lastAcc;
    out["metrics"] = metrics;
    return out;
  }

 private:
  Params p_;
};

}  // namespace

void registerMlpTrainer(Registry& reg) {
  ComponentInfo c;
  c.classPath = "core.MLPTrainer";
  c.doc = "Train a multilayer perceptron on a dataset (mean-squared error or cross-entropy)";
  c.category = "Training";
  c.params = {
      ParamSpec::Object("model", "model", "{_target_: core.MLP}").withDoc("The network to train"),
      ParamSpec::Enum("task", {"auto", "regression", "classification"}, "auto")
          .withDoc("auto: classification when targets are integers, else regression"),
      ParamSpec::Int("epochs", "20").atLeast(1).withDoc("Passes over the training set"),
      ParamSpec::Int("batch_size", "64").atLeast(1).withDoc("Samples per optimizer step"),
      ParamSpec::Float("lr", "1e-3").above(0).withDoc("Learning rate"),
      ParamSpec::Enum("optimizer", {"adam", "adamw", "sgd"}, "adam").withDoc("Optimizer"),
      ParamSpec::Float("weight_decay", "0").atLeast(0).withDoc("L2 penalty (decoupled for adamw)"),
      ParamSpec::Float("momentum", "0.9").atLeast(0).below(1).withDoc("Momentum (sgd only)"),
      ParamSpec::Int("seed", "0").atLeast(0).withDoc("Seed for initial weights and batch order"),
  };
  c.inputs = {{"train", "Dataset", "training samples (x, y)", false}, {"val", "Dataset", "validation samples", true}};
  c.outputs = {{"model", "Model", "trained weights", false},
               {"metrics", "Metrics", "final losses and throughput", false}};
  c.factory = [](const Params& p) -> Component* { return new MlpTrainer(p); };
  reg.add(c);
}

}  // namespace tf
