// core.MLP (the network) and core.MLPTrainer (its supervised training loop) share one file:
// every file that includes torch::nn/optim headers costs ~15 s to compile on 2 cores.
#include "components/Mlp.h"

#include "components/Builtins.h"
#include "config/ComponentSyntax.h"
#include "exec/ArtifactFiles.h"
#include "exec/Component.h"
#include "train/Trainer.h"

#include "exec/Artifact.h"
#include "exec/ParamDecls.h"
#include "registry/Registry.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <sstream>

#include <stdexcept>

namespace tf {

const ParamDecls<MlpSpec>& MlpSpec::params() {
  static const ParamDecls<MlpSpec> d = [] {
    ParamDecls<MlpSpec> d;
    d.add("hidden", &MlpSpec::hidden).atLeast(1).withDoc("Widths of the hidden layers");
    d.choice("activation", &MlpSpec::activation, {"relu", "tanh", "gelu", "silu"})
        .withDoc("Non-linearity after each hidden layer");
    d.add("dropout", &MlpSpec::dropout).atLeast(0).below(1).withDoc("Dropout probability after each hidden layer");
    return d;
  }();
  return d;
}

MlpSpec MlpSpec::fromParams(const Params& p, std::int64_t in, std::int64_t out) {
  MlpSpec s = params().parse(p);
  s.inFeatures = in;
  s.outFeatures = out;
  return s;
}

nlohmann::json MlpSpec::toJson() const {
  nlohmann::json j = modelArch("core.MLP");
  j.update({{"in_features", inFeatures}, {"out_features", outFeatures}, {"hidden", hidden},
            {"activation", activation},  {"dropout", dropout}});
  return j;
}

MlpSpec MlpSpec::fromJson(const nlohmann::json& j) {
  if (modelArchClass(j) != "core.MLP")
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
  mlp.params = MlpSpec::params().schema();
  reg.add(mlp);
}

namespace {

struct MlpTrainerConfig {
  std::string task = "auto";
};

const ParamDecls<MlpTrainerConfig>& mlpTrainerParams() {
  static const ParamDecls<MlpTrainerConfig> d = [] {
    ParamDecls<MlpTrainerConfig> d;
    // The network is a nested component, built from its own declarations (MlpSpec::params).
    d.other(ParamSpec::Object("model", "model", syntax::componentFlow("core.MLP")).withDoc("The network to train"));
    d.choice("task", &MlpTrainerConfig::task, {"auto", "regression", "classification"})
        .withDoc("auto: classification when targets are integers, else regression");
    return d;
  }();
  return d;
}

class MlpTrainer : public Component {
 public:
  explicit MlpTrainer(const Params& p) : p_(p), cfg_(mlpTrainerParams().parse(p)) {}

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

    std::string task = cfg_.task;
    if (task == "auto") task = at::isIntegralType(y.scalar_type(), false) ? "classification" : "regression";
    const bool cls = task == "classification";
    auto targets = [cls](at::Tensor t) {
      if (cls) return t.reshape({-1}).to(torch::kLong);
      t = t.to(torch::kFloat);
      return t.dim() == 1 ? t.unsqueeze(1) : t;
    };
    y = targets(y);
    std::int64_t outFeatures = cls ? y.max().item<std::int64_t>() + 1 : y.size(1);
    Batch valSet;
    if (val) {
      valSet = {val->tensor("x").to(torch::kFloat), targets(val->tensor("y"))};
      if (cls) outFeatures = std::max(outFeatures, valSet.second.max().item<std::int64_t>() + 1);
    }

    const TrainerConfig cfg = TrainerConfig::fromParams(p_);
    torch::manual_seed(cfg.seed);
    MlpSpec spec = MlpSpec::fromParams(p_.object("model"), x.size(1), outFeatures);
    torch::nn::Sequential net = spec.build();
    SupervisedTask::Loss loss = [cls](const at::Tensor& out, const at::Tensor& target) {
      return cls ? torch::nn::functional::cross_entropy(out, target) : torch::mse_loss(out, target);
    };
    SupervisedTask trainTask(net.ptr(), [net](const at::Tensor& in) mutable { return net->forward(in); }, loss, cfg, cls);
    ctx.log("training " + task + " MLP " + std::to_string(spec.inFeatures) + " -> " + std::to_string(outFeatures) + " on " +
            std::to_string(x.size(0)) + " samples, " + std::to_string(cfg.epochs) + " epochs, " + cfg.optimizer +
            " lr=" + std::to_string(cfg.lr) + ", " + std::to_string(at::get_num_threads()) + " threads");

    TrainResult r = Trainer(cfg).fit(trainTask, {x, y}, val ? &valSet : nullptr, ctx);

    Artifacts out;
    out["model"] = modelArtifact(spec, net, task);
    Artifact metrics;
    metrics.type = "Metrics";
    metrics.meta = {{"task", task},
                    {"epochs", r.epochsRun},
                    {"optimizer_steps", r.steps},
                    {"first_train_loss", r.firstLoss},
                    {"final_train_loss", r.lastLoss},
                    {"stopped_early", r.stoppedEarly},
                    {"resumed", r.resumed},
                    {"train_seconds", r.seconds},
                    {"epoch_seconds", r.epochSeconds},
                    {"checkpoint_seconds", r.checkpointSeconds},
                    {"samples_per_second", r.seconds > 0 ? static_cast<double>(x.size(0) * r.epochsRun) / r.seconds : 0.0}};
    for (const auto& [k, v] : r.lastValidation) metrics.meta["final_" + k] = v;
    out["metrics"] = metrics;
    return out;
  }

 private:
  Params p_;  // for the nested model component
  MlpTrainerConfig cfg_;
};

}  // namespace

void registerMlpTrainer(Registry& reg) {
  ComponentInfo c;
  c.classPath = "core.MLPTrainer";
  c.doc = "Train a multilayer perceptron on a dataset (mean-squared error or cross-entropy)";
  c.category = "Training";
  c.params = mlpTrainerParams().schema();
  for (auto& spec : TrainerConfig::params().schema()) c.params.push_back(spec);
  c.inputs = {{"train", "Dataset", "training samples (x, y)", false}, {"val", "Dataset", "validation samples", true}};
  c.outputs = {{"model", "Model", "trained weights", false},
               {"metrics", "Metrics", "final losses and throughput", false}};
  c.factory = [](const Params& p) -> Component* { return new MlpTrainer(p); };
  reg.add(c);
}

}  // namespace tf
