// core.ModelSaver: writes a trained model's weights and a JSON + YAML summary of the run.
#include "components/Builtins.h"
#include "components/TorchScript.h"
#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "io/AtomicFile.h"
#include "registry/Registry.h"

#include <torch/serialize.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace tf {

namespace {

void jsonToYaml(YAML::Emitter& out, const nlohmann::json& j) {
  if (j.is_object()) {
    out << YAML::BeginMap;
    for (auto it = j.begin(); it != j.end(); ++it) {
      out << YAML::Key << it.key() << YAML::Value;
      jsonToYaml(out, it.value());
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& v : j) jsonToYaml(out, v);
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    out << j.get<std::string>();
  } else if (j.is_null()) {
    out << YAML::Null;
  } else {
    out << j.dump();
  }
}

struct SaverConfig {
  std::string dir;
  std::string name = "model";
};

const ParamDecls<SaverConfig>& saverParams() {
  static const ParamDecls<SaverConfig> d = [] {
    ParamDecls<SaverConfig> d;
    d.path("dir", &SaverConfig::dir)
        .withDoc("Output folder (relative to the workspace); empty: this step's folder in the run");
    d.add("name", &SaverConfig::name).withDoc("Base name of the files written");
    return d;
  }();
  return d;
}

class ModelSaver : public Component {
 public:
  explicit ModelSaver(const Params& p) : cfg_(saverParams().parse(p)) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const Artifact& model = in.at("model");
    fs::path dir = cfg_.dir;
    dir = dir.empty() ? ctx.workDir() : ctx.resolve(dir);
    const std::string& name = cfg_.name;
    if (!ctx.leader()) {  // the ranks hold the same weights; rank 0 writes them
      Artifact path;
      path.type = "Path";
      path.meta = {{"path", (dir / (name + ".pt")).string()}};
      return {{"path", path}};
    }
    fs::create_directories(dir);

    // The archive is TorchScript's container: torch::load in C++ and torch.jit.load in Python read it.
    torch::serialize::OutputArchive ar;
    for (const auto& [k, t] : model.tensors) ar.write(k, t);
    const fs::path weights = dir / (name + ".pt");
    io::writeStreamAtomic(weights, [&](std::ostream& out) { ar.save_to(out); });

    // A TorchScript copy when the architecture allows: loads in Python without TwinForge.
    fs::path scripted;
    try {
      scripted = dir / (name + ".torchscript.pt");
      exportTorchScript(model, scripted);
    } catch (const std::exception& e) {
      ctx.log(std::string("no TorchScript export: ") + e.what());
      scripted.clear();
    }

    nlohmann::json summary;
    summary["model"] = model.meta;
    summary["weights"] = weights.filename().string();
    if (!scripted.empty()) summary["torchscript"] = scripted.filename().string();
    std::int64_t parameters = 0;
    for (const auto& [k, t] : model.tensors) parameters += t.numel();
    summary["parameters"] = parameters;
    if (in.count("metrics")) summary["metrics"] = in.at("metrics").meta;
    io::writeTextAtomic(dir / (name + ".summary.json"), summary.dump(2) + "\n");
    YAML::Emitter y;
    jsonToYaml(y, summary);
    io::writeTextAtomic(dir / (name + ".summary.yaml"), std::string(y.c_str()) + "\n");
    ctx.log("saved " + std::to_string(parameters) + " parameters to " + weights.string());

    Artifact path;
    path.type = "Path";
    path.meta = {{"path", weights.string()}};
    if (!scripted.empty()) path.meta["torchscript"] = scripted.string();
    return {{"path", path}};
  }

 private:
  SaverConfig cfg_;
};

}  // namespace

void registerModelSaver(Registry& reg) {
  ComponentInfo c;
  c.classPath = "core.ModelSaver";
  c.doc = "Save a model's weights (.pt) with a JSON and YAML summary of its metrics";
  c.category = "Output";
  c.params = saverParams().schema();
  c.inputs = {{"model", "Model", "", false}, {"metrics", "Metrics", "", true}};
  c.outputs = {{"path", "Path", "the weights file", false}};
  c.factory = [](const Params& p) -> Component* { return new ModelSaver(p); };
  reg.add(c);
}

}  // namespace tf
