#include "Gan3dModel.h"

#include "io/AtomicFile.h"

#include <torch/script.h>
#include <torch/serialize.h>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace tf::calo {

at::Tensor generatorInput(const GanSpec& s, const at::Tensor& energyGeV, const at::Tensor& theta) {
  const std::int64_t b = energyGeV.size(0);
  return at::cat({(energyGeV * s.energyScale).view({b, 1}), theta.view({b, 1}),
                  at::randn({b, s.latent - 2}, energyGeV.options())},
                 1);
}

at::Tensor generate(Generator& gen, const GanSpec& s, const at::Tensor& energyGeV, const at::Tensor& theta) {
  at::Tensor out = gen->forward(generatorInput(s, energyGeV, theta)).squeeze(1).pow(1.0 / s.power);
  return out.masked_fill(out.lt(s.cellThreshold), 0).div_(s.inputScale);
}

Artifact generatorArtifact(Generator& gen, const GanSpec& spec) {
  Artifact a;
  a.type = "Model";
  for (const auto& p : gen->named_parameters()) a.tensors[p.key()] = p.value().detach().clone();
  for (const auto& b : gen->named_buffers()) a.tensors[b.key()] = b.value().detach().clone();
  a.meta["arch"] = spec.toJson();
  a.meta["task"] = "generation";
  return a;
}

namespace {

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

}  // namespace

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
  io::writeStreamAtomic(file, [&](std::ostream& out) { m.save(out); });
}

}  // namespace tf::calo
