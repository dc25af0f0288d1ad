// calo.Generate: showers from a trained 3DGAN generator for given or sampled conditions,
// written as 3DGAN and/or CaloChallenge files.
#include "CaloComponents.h"
#include "CaloData.h"
#include "Gan3dModel.h"

#include "exec/Component.h"
#include "exec/Params.h"
#include "registry/Registry.h"

#include <torch/script.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

namespace fs = std::filesystem;

namespace tf::calo {

namespace {

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

void registerGenerate(Registry& reg) {
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
