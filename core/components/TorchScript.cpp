#include "components/TorchScript.h"

#include "components/Builtins.h"
#include "exec/ArtifactFiles.h"
#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "io/AtomicFile.h"
#include "registry/Registry.h"
#include "train/Device.h"

#include <torch/script.h>

#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace tf {

namespace {
std::map<std::string, TorchScriptExporter>& exporters() {
  static std::map<std::string, TorchScriptExporter> m;
  return m;
}
}  // namespace

void addTorchScriptExporter(const std::string& classPath, TorchScriptExporter exporter) {
  exporters()[classPath] = std::move(exporter);
}

void exportTorchScript(const Artifact& model, const fs::path& file) {
  const auto& arch = model.meta.value("arch", nlohmann::json::object());
  std::string cls = modelArchClass(arch);
  if (cls.empty()) cls = "?";
  if (auto it = exporters().find(cls); it != exporters().end()) return it->second(model, file);
  if (cls != "core.MLP") throw std::runtime_error("no TorchScript export for '" + cls + "' models");
  const auto hidden = arch.at("hidden").get<std::vector<std::int64_t>>();
  const std::string act = arch.at("activation").get<std::string>();
  const bool dropout = arch.at("dropout").get<double>() > 0;
  torch::jit::Module m("TwinForgeMLP");
  std::ostringstream src;
  src << "def forward(self, x):\n";
  // Sequential indices: Linear, activation, [Dropout] per hidden layer, then the output Linear.
  std::int64_t index = 0;
  const std::size_t layers = hidden.size() + 1;
  for (std::size_t i = 0; i < layers; ++i) {
    const std::string w = "w" + std::to_string(i), b = "b" + std::to_string(i);
    m.register_parameter(w, model.tensor(std::to_string(index) + ".weight").clone(), false);
    m.register_parameter(b, model.tensor(std::to_string(index) + ".bias").clone(), false);
    src << "    x = torch.linear(x, self." << w << ", self." << b << ")\n";
    if (i + 1 == layers) break;
    if (act == "tanh")
      src << "    x = torch.tanh(x)\n";
    else if (act == "gelu")
      src << "    x = torch.gelu(x)\n";
    else if (act == "silu")
      src << "    x = x * torch.sigmoid(x)\n";
    else
      src << "    x = torch.relu(x)\n";
    index += dropout ? 3 : 2;  // dropout is the identity in inference
  }
  src << "    return x\n";
  m.define(src.str());
  m.eval();
  io::writeStreamAtomic(file, [&](std::ostream& out) { m.save(out); });
}

namespace {

struct PredictorConfig {
  std::string file;
  std::string device = "auto";
};

const ParamDecls<PredictorConfig>& predictorParams() {
  static const ParamDecls<PredictorConfig> d = [] {
    ParamDecls<PredictorConfig> d;
    d.path("file", &PredictorConfig::file)
        .withDoc("TorchScript file; relative paths are taken from the workspace. A connected Path wins");
    d.add("device", &PredictorConfig::device)
        .withDoc("Where the model runs: cpu, cuda, cuda:N, or auto (a GPU when there is one)");
    return d;
  }();
  return d;
}

// core.TorchScriptPredictor: runs a TorchScript file (ours or any with forward(x)) on a dataset.
class Predictor : public Component {
 public:
  explicit Predictor(const Params& p) : cfg_(predictorParams().parse(p)) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    fs::path file = cfg_.file;
    if (in.count("path"))
      file = in.at("path").meta.value("torchscript", in.at("path").meta.value("path", file.string()));
    if (file.empty()) throw std::runtime_error("no model file: set 'file' or connect a saver's path");
    file = ctx.resolve(file);
    if (!fs::exists(file)) throw std::runtime_error("'" + file.string() + "': no such model file");
    const c10::Device device = resolveDevice(cfg_.device);
    torch::jit::Module m;
    try {
      m = torch::jit::load(file.string(), device);
    } catch (const c10::Error& e) {
      throw std::runtime_error("'" + file.string() + "': not a TorchScript file (" +
                               std::string(e.what_without_backtrace()) + ")");
    }
    m.eval();
    torch::NoGradGuard ng;
    const Artifact& ds = in.at("dataset");
    at::Tensor x = ds.tensor("x").to(at::kFloat);
    // The outputs come back to the CPU, where the artifacts and the metrics below expect them.
    at::Tensor out = m.forward({x.to(device)}).toTensor().cpu();
    Artifact pred;
    pred.type = "TensorMap";
    pred.tensors["prediction"] = out;
    Artifact metrics;
    metrics.type = "Metrics";
    metrics.meta = {{"samples", x.size(0)}, {"model", file.string()}};
    if (ds.tensors.count("y")) {
      at::Tensor y = ds.tensor("y");
      if (at::isIntegralType(y.scalar_type(), false))
        metrics.meta["accuracy"] = out.argmax(1).eq(y.reshape({-1})).to(at::kFloat).mean().item<double>();
      else
        metrics.meta["mse"] = (out - y.to(at::kFloat).reshape(out.sizes())).pow(2).mean().item<double>();
    }
    ctx.log("predicted " + std::to_string(x.size(0)) + " samples with " + file.string() +
            (device.is_cpu() ? "" : " on " + describeDevice(device)));
    return {{"predictions", pred}, {"metrics", metrics}};
  }

 private:
  PredictorConfig cfg_;
};

}  // namespace

void registerTorchScriptPredictor(Registry& reg) {
  ComponentInfo c;
  c.classPath = "core.TorchScriptPredictor";
  c.doc = "Predict with a TorchScript model file on a dataset (MSE or accuracy when it has targets)";
  c.category = "Inference";
  c.params = predictorParams().schema();
  c.inputs = {{"dataset", "Dataset", "samples (x, and y if known)", false}, {"path", "Path", "a saved model", true}};
  c.outputs = {{"predictions", "TensorMap", "the model's outputs", false}, {"metrics", "Metrics", "", false}};
  c.factory = [](const Params& p) -> Component* { return new Predictor(p); };
  reg.add(c);
}

}  // namespace tf
