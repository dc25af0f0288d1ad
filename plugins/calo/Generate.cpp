// calo.Generate: showers from a trained 3DGAN generator for given or sampled conditions,
// written as 3DGAN and/or CaloChallenge files.
#include "CaloComponents.h"
#include "CaloData.h"
#include "Gan3dModel.h"

#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "train/Device.h"
#include "registry/Registry.h"

#include <torch/script.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

namespace fs = std::filesystem;

namespace tf::calo {

namespace {

struct GenerateConfig {
  std::string weights;
  std::string file = "data/calo-generated.h5";
  std::string format = "3dgan";
  std::int64_t events = 1000;
  double energyMin = 10, energyMax = 200;  // GeV
  double thetaMin = 60, thetaMax = 120;    // degrees
  std::uint64_t seed = 1;
  std::int64_t batchSize = 128;
  std::string device = "auto";
};

const ParamDecls<GenerateConfig>& generateParams() {
  static const ParamDecls<GenerateConfig> d = [] {
    using C = GenerateConfig;
    ParamDecls<C> d;
    d.path("weights", &C::weights)
        .withDoc("Saved generator, when no model is connected: NAME.pt (with NAME.summary.json beside it) or "
                 "NAME.torchscript.pt, as core.ModelSaver writes them");
    d.path("file", &C::file).withDoc("Output file; relative paths are taken from the workspace");
    d.choice("format", &C::format, {"3dgan", "calochallenge", "both"})
        .withDoc("both: also NAME.calochallenge.h5 (energies in MeV, cells flattened)");
    d.add("events", &C::events).atLeast(1).withDoc("Showers to generate (at most this many conditions are read)");
    d.add("energy_min", &C::energyMin).range(0, 1e4).withUnit("GeV").withDoc("Lowest primary energy");
    d.add("energy_max", &C::energyMax).range(0, 1e4).withUnit("GeV").withDoc("Highest primary energy");
    d.add("theta_min", &C::thetaMin).range(0, 180).withUnit("deg").withDoc("Smallest incidence angle");
    d.add("theta_max", &C::thetaMax).range(0, 180).withUnit("deg").withDoc("Largest incidence angle");
    d.add("seed", &C::seed).withDoc("Seed of the noise and the conditions");
    d.add("batch_size", &C::batchSize).atLeast(1).withDoc("Showers per generator call");
    d.add("device", &C::device).withDoc("Where the generator runs: cpu, cuda, cuda:N, or auto (a GPU when there is one)");
    return d;
  }();
  return d;
}

class Generate : public Component {
 public:
  explicit Generate(const Params& p) : cfg_(generateParams().parse(p)) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const fs::path file = ctx.resolve(cfg_.file);
    const std::string format = cfg_.format;
    Artifact out;
    out.type = "Path";
    out.meta = {{"path", file.string()}, {"format", format == "calochallenge" ? "calochallenge" : "3dgan"}};
    if (!ctx.leader()) return {{"path", out}};

    // The generator: a connected model, saved weights (NAME.pt + NAME.summary.json), or a
    // TorchScript file (NAME.torchscript.pt, also loadable in Python).
    const fs::path weights = ctx.resolve(cfg_.weights);
    const c10::Device device = resolveDevice(cfg_.device);
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
      m->to(device);
      generateBatch = [m](const at::Tensor& e, const at::Tensor& t) { return m->run_method("generate", e, t).toTensor(); };
    } else {
      auto loaded = loadGenerator(in.count("model") ? &in.at("model") : nullptr, weights);
      Generator gen = loaded.first;
      const GanSpec spec = loaded.second;
      gen->eval();
      gen->to(device);
      generateBatch = [gen, spec](const at::Tensor& e, const at::Tensor& t) mutable { return generate(gen, spec, e, t); };
    }
    std::int64_t n = cfg_.events;
    const auto seed = static_cast<std::uint64_t>(cfg_.seed);
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
      const double e0 = cfg_.energyMin, e1 = cfg_.energyMax;
      const double t0 = cfg_.thetaMin * M_PI / 180, t1 = cfg_.thetaMax * M_PI / 180;
      energy = at::rand({n}, g) * (e1 - e0) + e0;
      theta = at::rand({n}, g) * (t1 - t0) + t0;
    }
    torch::manual_seed(seed);
    torch::NoGradGuard ng;
    const std::int64_t batch = cfg_.batchSize;
    std::vector<at::Tensor> parts;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t b = 0; b < n; b += batch) {
      ctx.checkCancelled();
      const std::int64_t e = std::min(n, b + batch);
      parts.push_back(generateBatch(energy.slice(0, b, e).to(device), theta.slice(0, b, e).to(device)).cpu());
      ctx.progress(static_cast<double>(e) / static_cast<double>(n), std::to_string(e) + "/" + std::to_string(n) + " showers");
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!device.is_cpu()) ctx.log("generated on " + describeDevice(device));
    Showers s;
    s.cells = at::cat(parts);
    s.energy = energy;
    s.theta = theta;
    const std::string who = "TwinForge calo.Generate (3DGAN), seed " + std::to_string(cfg_.seed);
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
  GenerateConfig cfg_;
};

}  // namespace

void registerGenerate(Registry& reg) {
  ComponentInfo g;
  g.classPath = "calo.Generate";
  g.doc = "Generate showers with a trained 3DGAN generator and write them as 3DGAN and/or CaloChallenge files";
  g.category = "Inference";
  g.params = generateParams().schema();
  g.inputs = {{"model", "Model", "a calo.3DGAN generator", true},
              {"conditions", "Path", "a shower file whose energies and angles to generate for", true}};
  g.outputs = {{"path", "Path", "the generated file", false}};
  g.factory = [](const Params& p) -> Component* { return new Generate(p); };
  reg.add(g);
}
}  // namespace tf::calo
