// The 3DGAN of CERN's calorimeter twin, as itwinai trains it, in LibTorch: a conditional
// generator from (energy, angle, 254 noise values) to a 51 x 51 x 25 shower, a discriminator
// with four heads (real/fake, primary energy, angle, and the total deposit computed from the
// un-powered image), loss weights [3, 0.1, 25, 0.1], RMSprop for both networks, alternating
// updates with one-sided label smoothing. Sizes are parameters; "small" trains on a laptop CPU.
#include "CaloComponents.h"
#include "CaloData.h"
#include "Observables.h"

#include "dist/DataParallel.h"
#include "dist/World.h"
#include "exec/Artifact.h"
#include "exec/Component.h"
#include "exec/Params.h"
#include "registry/Registry.h"
#include "train/Trainer.h"
#include "components/TorchScript.h"
#include "io/AtomicFile.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/rmsprop.h>
#include <torch/script.h>
#include <torch/serialize.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
namespace F = torch::nn::functional;

namespace tf::calo {

namespace {

struct GanSpec {
  std::vector<std::int64_t> shape{51, 51, 25};
  std::int64_t latent = 256;
  std::int64_t genChannels = 8, discChannels = 8;
  double inputScale = 1000;  // file units (GeV) to the networks' units (MeV)
  double power = 0.85, energyScale = 0.01, cellThreshold = 1e-4;  // threshold in the networks' units
  double ecalRatio = 0.02;  // deposited / primary energy, fitted on the training set

  nlohmann::json toJson() const {
    return {{"class_path", "calo.3DGAN"}, {"shape", shape},        {"latent", latent},
            {"generator_channels", genChannels}, {"discriminator_channels", discChannels},
            {"input_scale", inputScale},   {"power", power},             {"energy_scale", energyScale},
            {"cell_threshold", cellThreshold},
            {"ecal_ratio", ecalRatio}};
  }
  static GanSpec fromJson(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object() || j.value("class_path", "") != "calo.3DGAN")
      throw std::runtime_error(where + ": the model is not a calo.3DGAN generator (class_path '" +
                               (j.is_object() ? j.value("class_path", "") : std::string()) + "')");
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

at::Tensor upsample(const at::Tensor& x, const std::vector<std::int64_t>& size) {
  return F::interpolate(x, F::InterpolateFuncOptions().size(size).mode(torch::kTrilinear).align_corners(false));
}

at::Tensor leaky(const at::Tensor& x) { return at::leaky_relu(x, 0.2); }

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

std::int64_t convOut(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p) { return (in + 2 * p - k) / s + 1; }

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

at::Tensor mape(const at::Tensor& pred, const at::Tensor& truth) {
  return ((pred - truth).abs() / truth.abs().clamp_min(1e-6)).mean() * 100.0;
}

at::Tensor generatorInput(const GanSpec& s, const at::Tensor& energyGeV, const at::Tensor& theta) {
  const std::int64_t b = energyGeV.size(0);
  return at::cat({(energyGeV * s.energyScale).view({b, 1}), theta.view({b, 1}), at::randn({b, s.latent - 2})}, 1);
}

// Showers (B, x, y, layers) in GeV from the generator, cells below the threshold set to zero.
at::Tensor generate(Generator& gen, const GanSpec& s, const at::Tensor& energyGeV, const at::Tensor& theta) {
  at::Tensor out = gen->forward(generatorInput(s, energyGeV, theta)).squeeze(1).pow(1.0 / s.power);
  return out.masked_fill(out.lt(s.cellThreshold), 0).div_(s.inputScale);
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
    const at::Tensor dGan = 0.5 * (at::binary_cross_entropy_with_logits(r.logit, at::full({n}, realLabel_)) +
                                   at::binary_cross_entropy_with_logits(f.logit, at::zeros({n})));
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
    const at::Tensor gLoss = w_.gan * at::binary_cross_entropy_with_logits(o.logit, at::ones({n})) +
                             w_.energy * mape(o.energy, eTarget) + w_.angle * (o.theta - theta).abs().mean() +
                             w_.ecal * ecalErr;
    backward(gLoss);
    for (auto& p : gan_->disc->parameters()) p.requires_grad_(true);
    if (gradClip > 0) torch::nn::utils::clip_grad_norm_(gan_->gen->parameters(), gradClip);
    optG_->step();
    // The generator's BatchNorm statistics: rank 0's everywhere, so every rank holds one model.
    if (dataParallel()) dataParallel()->broadcastBuffers();

    // A generator that only makes empty showers will not recover: stop and say so.
    const double deposit = o.ecal.mean().item<double>(), expected = ecalTarget.mean().item<double>();
    if (deposit < 1e-3 * expected) {
      if (++emptySteps_ >= collapseSteps_)
        throw std::runtime_error("the generator collapsed: its showers have been empty for " +
                                 std::to_string(emptySteps_) + " optimizer steps (mean deposit " +
                                 std::to_string(deposit) + " GeV against " + std::to_string(expected) +
                                 " GeV expected); lower lr, or change seed or the loss weights");
    } else {
      emptySteps_ = 0;
    }
    return {{"g_loss", gLoss.item<double>()},
            {"d_loss", dLoss.item<double>()},
            {"ecal_mape", ecalErr.item<double>()},
            {"d_real", at::sigmoid(r.logit).mean().item<double>()},
            {"d_fake", at::sigmoid(f.logit).mean().item<double>()}};
  }

  // The physics score of generated against real validation showers (lower is better).
  std::map<std::string, double> validate(const Batch& all) override {
    torch::NoGradGuard ng;
    gan_->gen->eval();
    const at::Tensor energy = all.second.select(1, 0), theta = all.second.select(1, 1);
    const at::Tensor fake = generate(gan_->gen, spec_, energy, theta);
    gan_->gen->train();
    const at::Tensor real = all.first.pow(1.0 / spec_.power).div(spec_.inputScale);
    const Comparison c = compare(computeObservables(real, energy, hit_), computeObservables(fake, energy, hit_), 30);
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

Artifact generatorArtifact(Generator& gen, const GanSpec& spec) {
  Artifact a;
  a.type = "Model";
  for (const auto& p : gen->named_parameters()) a.tensors[p.key()] = p.value().detach().clone();
  for (const auto& b : gen->named_buffers()) a.tensors[b.key()] = b.value().detach().clone();
  a.meta["arch"] = spec.toJson();
  a.meta["task"] = "generation";
  return a;
}

void loadInto(Generator& gen, const std::function<bool(const std::string&, at::Tensor&)>& read, const std::string& where) {
  torch::NoGradGuard ng;
  auto fill = [&](const std::string& name, at::Tensor target) {
    at::Tensor t;
    if (!read(name, t)) throw std::runtime_error(where + ": has no generator weight '" + name + "'");
    if (!t.sizes().equals(target.sizes())) {
      std::ostringstream m;
      m << where << ": weight '" << name << "' has shape " << t.sizes() << ", the generator described needs "
        << target.sizes();
      throw std::runtime_error(m.str());
    }
    target.copy_(t);
  };
  for (auto& p : gen->named_parameters()) fill(p.key(), p.value());
  for (auto& b : gen->named_buffers()) fill(b.key(), b.value());
}

// A generator from a Model artifact, or from weights saved by core.ModelSaver (NAME.pt with
// NAME.summary.json beside it, which holds the architecture).
std::pair<Generator, GanSpec> loadGenerator(const Artifact* model, const fs::path& weights) {
  if (model) {
    if (model->type != "Model") throw std::runtime_error("expected a Model artifact, got " + model->type);
    GanSpec spec = GanSpec::fromJson(model->meta.value("arch", nlohmann::json()), "the connected model");
    Generator gen(spec);
    loadInto(gen, [&](const std::string& k, at::Tensor& t) {
      auto it = model->tensors.find(k);
      if (it == model->tensors.end()) return false;
      t = it->second;
      return true;
    }, "the connected model");
    return {gen, spec};
  }
  if (weights.empty()) throw std::runtime_error("no generator: connect a Model or set 'weights' to a saved .pt file");
  if (!fs::exists(weights)) throw std::runtime_error("'" + weights.string() + "': no such file");
  fs::path summary = weights;
  summary.replace_extension(".summary.json");
  if (!fs::exists(summary))
    throw std::runtime_error("'" + summary.string() + "': missing; it describes the generator saved in '" +
                             weights.string() + "' (core.ModelSaver writes both)");
  nlohmann::json j;
  try {
    std::ifstream in(summary);
    j = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + summary.string() + "': not valid JSON (" + e.what() + ")");
  }
  GanSpec spec = GanSpec::fromJson(j.value("model", nlohmann::json()).value("arch", nlohmann::json()), summary.string());
  Generator gen(spec);
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(weights.string());
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + weights.string() + "': not a readable weights file (" +
                             std::string(e.what()).substr(0, 160) + ")");
  }
  loadInto(gen, [&](const std::string& k, at::Tensor& t) { return ar.try_read(k, t); }, weights.string());
  return {gen, spec};
}

// TorchScript of a generator: forward(z) as in GeneratorImpl, and generate(energy_gev, theta)
// returning showers (B, x, y, layers) in GeV, so Python can use a trained generator with
// torch.jit.load and nothing else.
void exportGeneratorTorchScript(const Artifact& model, const fs::path& file) {
  const GanSpec s = GanSpec::fromJson(model.meta.value("arch", nlohmann::json()), "the model");
  torch::jit::Module m("TwinForge3DGANGenerator");
  auto param = [&](const std::string& as, const std::string& key) { m.register_parameter(as, model.tensor(key).clone(), false); };
  auto buffer = [&](const std::string& as, const std::string& key) { m.register_buffer(as, model.tensor(key).clone()); };
  param("fc_w", "fc.weight");
  param("fc_b", "fc.bias");
  for (const char* c : {"conv1", "conv2", "conv3"}) {
    param(std::string(c) + "_w", std::string(c) + ".weight");
    param(std::string(c) + "_b", std::string(c) + ".bias");
  }
  for (const char* b : {"bn1", "bn2"}) {
    param(std::string(b) + "_w", std::string(b) + ".weight");
    param(std::string(b) + "_b", std::string(b) + ".bias");
    buffer(std::string(b) + "_m", std::string(b) + ".running_mean");
    buffer(std::string(b) + "_v", std::string(b) + ".running_var");
  }
  auto list = [](const std::vector<std::int64_t>& v) {
    std::ostringstream o;
    o << "[" << v[0] << ", " << v[1] << ", " << v[2] << "]";
    return o.str();
  };
  const auto s8 = s.scaled(8), s4 = s.scaled(4), h = s.scaled(2);
  std::ostringstream src;
  src.precision(17);
  src << "def forward(self, z):\n"
      << "    b = z.size(0)\n"
      << "    x = torch.leaky_relu(torch.linear(z, self.fc_w, self.fc_b), 0.2).view([b, " << s.genChannels << ", " << s8[0]
      << ", " << s8[1] << ", " << s8[2] << "])\n"
      << "    x = torch.upsample_trilinear3d(x, " << list(s4) << ", False)\n"
      << "    x = torch.batch_norm(torch.conv3d(x, self.conv1_w, self.conv1_b, [1, 1, 1], [1, 1, 1]), self.bn1_w, "
         "self.bn1_b, self.bn1_m, self.bn1_v, False, 0.1, 1e-05, False)\n"
      << "    x = torch.leaky_relu(x, 0.2)\n"
      << "    x = torch.upsample_trilinear3d(x, " << list(h) << ", False)\n"
      << "    x = torch.batch_norm(torch.conv3d(x, self.conv2_w, self.conv2_b, [1, 1, 1], [1, 1, 1]), self.bn2_w, "
         "self.bn2_b, self.bn2_m, self.bn2_v, False, 0.1, 1e-05, False)\n"
      << "    x = torch.leaky_relu(x, 0.2)\n"
      << "    x = torch.conv3d(x, self.conv3_w, self.conv3_b, [1, 1, 1], [1, 1, 1]).view([b, 2, 2, 2, " << h[0] << ", "
      << h[1] << ", " << h[2] << "])\n"
      << "    x = x.permute([0, 4, 1, 5, 2, 6, 3]).reshape([b, 1, " << 2 * h[0] << ", " << 2 * h[1] << ", " << 2 * h[2]
      << "])\n"
      << "    x = torch.relu(x[:, :, :" << s.shape[0] << ", :" << s.shape[1] << ", :" << s.shape[2] << "])\n"
      << "    return x * z[:, 0].clamp_min(0.0).pow(" << s.power << ").view([b, 1, 1, 1, 1])\n\n"
      << "def generate(self, energy, theta):\n"
      << "    b = energy.size(0)\n"
      << "    z = torch.cat([(energy * " << s.energyScale << ").view([b, 1]), theta.view([b, 1]), torch.randn([b, "
      << s.latent - 2 << "])], 1)\n"
      << "    x = self.forward(z).squeeze(1).pow(" << 1.0 / s.power << ")\n"
      << "    return x.masked_fill(x < " << s.cellThreshold << ", 0.0) / " << s.inputScale << "\n\n"
      << "def arch(self) -> str:\n"
      << "    return '" << s.toJson().dump() << "'\n";
  m.define(src.str());
  m.eval();
  io::writeAtomic(file, [&](const fs::path& tmp) { m.save(tmp.string()); });
}

// ---------------------------------------------------------------------------

class GanTrainer : public Component {
 public:
  explicit GanTrainer(const Params& p) : p_(p) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const TrainerConfig cfg = TrainerConfig::fromParams(p_);
    GanSpec spec;
    const std::string preset = p_.getString("preset");
    spec.genChannels = preset == "large" ? 64 : 8;
    spec.discChannels = preset == "large" ? 32 : 8;
    if (p_.getInt("generator_channels") > 0) spec.genChannels = p_.getInt("generator_channels");
    if (p_.getInt("discriminator_channels") > 0) spec.discChannels = p_.getInt("discriminator_channels");
    spec.latent = p_.getInt("latent");
    spec.power = p_.getDouble("power");
    spec.energyScale = p_.getDouble("energy_scale");
    spec.cellThreshold = p_.getDouble("cell_threshold");
    spec.inputScale = p_.getDouble("input_scale");
    const auto lw = p_.getDoubleList("loss_weights");
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
      const double minTotal = p_.getDouble("min_total");
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
    GanTask task(spec, cfg, {lw[0], lw[1], lw[2], lw[3]}, p_.getDouble("real_label"), p_.getInt("collapse_steps"),
                 p_.getDouble("hit_threshold"));
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
  Params p_;
};

class Generate : public Component {
 public:
  explicit Generate(const Params& p) : p_(p) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const fs::path file = ctx.resolve(p_.getString("file"));
    const std::string format = p_.getString("format");
    Artifact out;
    out.type = "Path";
    out.meta = {{"path", file.string()}, {"format", format == "calochallenge" ? "calochallenge" : "3dgan"}};
    if (!ctx.leader()) return {{"path", out}};

    // The generator: a connected model, saved weights (NAME.pt + NAME.summary.json), or a
    // TorchScript file (NAME.torchscript.pt, also loadable in Python).
    const fs::path weights = ctx.resolve(p_.getString("weights"));
    std::function<at::Tensor(const at::Tensor&, const at::Tensor&)> generateBatch;
    if (!in.count("model") && weights.string().size() > 15 &&
        weights.string().compare(weights.string().size() - 15, 15, ".torchscript.pt") == 0) {
      if (!fs::exists(weights)) throw std::runtime_error("'" + weights.string() + "': no such file");
      auto m = std::make_shared<torch::jit::Module>();
      try {
        *m = torch::jit::load(weights.string());
      } catch (const std::exception& e) {
        throw std::runtime_error("'" + weights.string() + "': not a TorchScript file (" +
                                 std::string(e.what()).substr(0, 160) + ")");
      }
      if (!m->find_method("generate"))
        throw std::runtime_error("'" + weights.string() + "': a TorchScript module without generate(energy, theta); "
                                 "expected a generator saved by core.ModelSaver from calo.GAN3DTrainer");
      m->eval();
      generateBatch = [m](const at::Tensor& e, const at::Tensor& t) { return m->run_method("generate", e, t).toTensor(); };
    } else {
      auto loaded = loadGenerator(in.count("model") ? &in.at("model") : nullptr, weights);
      Generator gen = loaded.first;
      const GanSpec spec = loaded.second;
      gen->eval();
      generateBatch = [gen, spec](const at::Tensor& e, const at::Tensor& t) mutable { return generate(gen, spec, e, t); };
    }
    std::int64_t n = p_.getInt("events");
    const auto seed = static_cast<std::uint64_t>(p_.getInt("seed"));
    at::Tensor energy, theta;
    if (in.count("conditions")) {  // the energies and angles of another file's showers
      const std::string cond = in.at("conditions").meta.value("path", "");
      ReadOptions ro;
      ro.maxEvents = n;
      ro.withCells = false;
      Showers s = readShowers(cond, ro);
      energy = s.energy;
      theta = s.theta;
      n = energy.size(0);
      ctx.log("conditions from " + cond + ": " + std::to_string(n) + " showers");
    } else {
      auto g = at::make_generator<at::CPUGeneratorImpl>(seed);
      const double e0 = p_.getDouble("energy_min"), e1 = p_.getDouble("energy_max");
      const double t0 = p_.getDouble("theta_min") * M_PI / 180, t1 = p_.getDouble("theta_max") * M_PI / 180;
      energy = at::rand({n}, g) * (e1 - e0) + e0;
      theta = at::rand({n}, g) * (t1 - t0) + t0;
    }
    torch::manual_seed(seed);
    torch::NoGradGuard ng;
    const std::int64_t batch = p_.getInt("batch_size");
    std::vector<at::Tensor> parts;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t b = 0; b < n; b += batch) {
      ctx.checkCancelled();
      const std::int64_t e = std::min(n, b + batch);
      parts.push_back(generateBatch(energy.slice(0, b, e), theta.slice(0, b, e)));
      ctx.progress(static_cast<double>(e) / static_cast<double>(n), std::to_string(e) + "/" + std::to_string(n) + " showers");
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Showers s;
    s.cells = at::cat(parts);
    s.energy = energy;
    s.theta = theta;
    const std::string who = "TwinForge calo.Generate (3DGAN)";
    if (format == "3dgan" || format == "both") write3dgan(file.string(), s, who);
    if (format == "calochallenge" || format == "both") {
      fs::path cc = file;
      if (format == "both") cc.replace_extension(".calochallenge.h5");
      writeCaloChallenge(cc.string(), s, who);
      out.meta["calochallenge"] = cc.string();
    }
    ctx.log("generated " + std::to_string(n) + " showers in " + std::to_string(secs) + " s (" +
            std::to_string(secs > 0 ? static_cast<double>(n) / secs : 0.0) + " showers/s) into " + file.string());
    out.meta["events"] = n;
    out.meta["showers_per_second"] = secs > 0 ? static_cast<double>(n) / secs : 0.0;
    return {{"path", out}};
  }

 private:
  Params p_;
};

}  // namespace

void registerGan(Registry& reg) {
  addTorchScriptExporter("calo.3DGAN", exportGeneratorTorchScript);
  ComponentInfo c;
  c.classPath = "calo.GAN3DTrainer";
  c.doc = "Train the 3DGAN fast simulation of calorimeter showers (conditional on energy and angle)";
  c.category = "Training";
  c.params = {
      ParamSpec::Enum("preset", {"small", "large"}, "small")
          .withDoc("Network sizes: small trains on a CPU in minutes, large is for a GPU"),
      ParamSpec::Int("generator_channels", "0").atLeast(0).withDoc("Generator width; 0: from the preset"),
      ParamSpec::Int("discriminator_channels", "0").atLeast(0).withDoc("Discriminator width; 0: from the preset"),
      ParamSpec::Int("latent", "256").atLeast(3).withDoc("Generator input: energy, angle and latent - 2 noise values"),
      ParamSpec::Float("power", "0.85").above(0).atMost(1).withDoc("Cell energies are raised to this power for training"),
      ParamSpec::Float("energy_scale", "0.01").above(0).withDoc("Factor on the primary energy (GeV) given to the networks"),
      ParamSpec::Float("input_scale", "1000")
          .above(0)
          .withDoc("Cell energies are multiplied by this first: 1000 takes GeV (TwinForge's files) to MeV, the units "
                   "3DGAN's thresholds below are given in; use 1 for files already in MeV"),
      ParamSpec::Float("cell_threshold", "1e-4").atLeast(0).withUnit("MeV").withDoc("Cells below are set to zero"),
      ParamSpec::Float("min_total", "10").atLeast(0).withUnit("MeV").withDoc("Showers depositing no more are dropped"),
      ParamSpec::FloatList("loss_weights", "[3, 0.1, 25, 0.1]")
          .withDoc("Weights of the real/fake, energy, angle and deposited-energy losses"),
      ParamSpec::Float("real_label", "0.9").above(0).atMost(1).withDoc("Label of real showers (one-sided smoothing)"),
      ParamSpec::Int("collapse_steps", "50").atLeast(1).withDoc("Stop when the showers stay empty this many steps"),
      ParamSpec::Float("hit_threshold", "1e-4").atLeast(0).withUnit("GeV").withDoc("Validation: a cell above this is hit"),
  };
  for (auto& spec : TrainerConfig::params().schemaWithout({"optimizer", "momentum", "weight_decay"}))
    c.params.push_back(spec);
  c.inputs = {{"train", "Dataset", "showers x (events, x, y, layers) in GeV, y (events, 2): energy GeV, angle rad", false},
              {"val", "Dataset", "showers to score the generator on each epoch", true}};
  c.outputs = {{"model", "Model", "the trained generator", false},
               {"metrics", "Metrics", "losses, validation scores before and after", false}};
  c.factory = [](const Params& p) -> Component* { return new GanTrainer(p); };
  reg.add(c);

  ComponentInfo g;
  g.classPath = "calo.Generate";
  g.doc = "Generate showers with a trained 3DGAN generator and write them as 3DGAN and/or CaloChallenge files";
  g.category = "Inference";
  g.params = {
      ParamSpec::Path("weights").withDoc("Saved generator, when no model is connected: NAME.pt (with NAME.summary.json "
                                          "beside it) or NAME.torchscript.pt, as core.ModelSaver writes them"),
      ParamSpec::Path("file", "data/calo-generated.h5").withDoc("Output file; relative paths are taken from the workspace"),
      ParamSpec::Enum("format", {"3dgan", "calochallenge", "both"}, "3dgan")
          .withDoc("both: also NAME.calochallenge.h5 (energies in MeV, cells flattened)"),
      ParamSpec::Int("events", "1000").atLeast(1).withDoc("Showers to generate (at most this many conditions are read)"),
      ParamSpec::Float("energy_min", "10").range(0, 1e4).withUnit("GeV").withDoc("Lowest primary energy"),
      ParamSpec::Float("energy_max", "200").range(0, 1e4).withUnit("GeV").withDoc("Highest primary energy"),
      ParamSpec::Float("theta_min", "60").range(0, 180).withUnit("deg").withDoc("Smallest incidence angle"),
      ParamSpec::Float("theta_max", "120").range(0, 180).withUnit("deg").withDoc("Largest incidence angle"),
      ParamSpec::Int("seed", "1").atLeast(0).withDoc("Seed of the noise and the conditions"),
      ParamSpec::Int("batch_size", "128").atLeast(1).withDoc("Showers per generator call"),
  };
  g.inputs = {{"model", "Model", "a calo.3DGAN generator", true},
              {"conditions", "Path", "a shower file whose energies and angles to generate for", true}};
  g.outputs = {{"path", "Path", "the generated file", false}};
  g.factory = [](const Params& p) -> Component* { return new Generate(p); };
  reg.add(g);
}

}  // namespace tf::calo
