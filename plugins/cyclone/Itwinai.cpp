// itwinai's cyclones use case (use-cases/cyclones/pipeline.yaml in the itwinai repository) runs
// in TwinForge unchanged: its two components are registered under the class paths that file
// names and do their work with the plugin's own patches and CNN.
//   dataloader.CyclonesDataGetter  dataset_root, patch_type, split_ratio, augment, aug_type,
//                                  experiment (DRV_VARS_1 ...), label_no_cyclone, target_scale ...
//   trainer.CyclonesTrainer        epochs, micro_batch_size, network, activation, loss, learning_rate ...
// Nothing is downloaded: dataset_root must hold netCDF fields with NAME.tracks.csv beside them,
// or is filled with synthetic ones (cyclone.Synthetic's generator, seeded). Values that would
// change the results and that TwinForge does not honour are warned about by name.
#include "Cnn.h"
#include "CycloneComponents.h"

#include "config/Node.h"
#include "exec/Component.h"
#include "exec/Params.h"
#include "registry/ItwinaiArgs.h"
#include "registry/Registry.h"
#include "train/Trainer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace fs = std::filesystem;

namespace tf::cyclone {

namespace {

using cfg::Node;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}


std::vector<fs::path> fieldFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (fs::is_directory(dir, ec))
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_regular_file() && e.path().extension() == ".nc" && fs::exists(tracksFileFor(e.path()))) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class DataGetter : public Component {
 public:
  explicit DataGetter(const Params& p) : p_(p) {}

  Artifacts run(StepContext& ctx, const Artifacts&) override {
    ArgReader a(ctx, p_, "dataloader.CyclonesDataGetter");
    const fs::path root = ctx.resolve(a.text("dataset_root", "tmp_data"));
    PatchOptions o;
    // experiment: the driver variables (one channel each) and the target kind.
    if (const Node* e = a.get("experiment"); e && e->isMap()) {
      if (const Node* d = e->find("DRV_VARS_1"); d && d->isSequence()) {
        o.variables.clear();
        for (const auto& v : d->items()) o.variables.push_back(v.text());
      }
      if (const Node* c = e->find("COO_VARS_1"); c && c->isSequence())
        for (const auto& v : c->items())
          if (v.text() != "patch_cyclone") a.warn("experiment", "only the centre in patch coordinates (patch_cyclone) is a target here");
      if (const Node* m = e->find("MSK_VAR_1"); m && !m->isNull() && m->text() != "None")
        a.warn("experiment", "mask targets (MSK_VAR_1) are not trained here");
    }
    const std::string type = upper(a.text("patch_type", "NEAREST"));
    if (type == "NEAREST") o.patchType = "nearest";
    else if (type == "CYCLONE") o.patchType = "cyclone";
    else if (type == "ALLADJACENT") o.patchType = "nearest", o.adjacent = true;
    else if (type == "RANDOM") o.patchType = "cyclone", o.cyclonePatches = 0, o.randomPatches = 12;
    else a.warn("patch_type", "expected NEAREST, CYCLONE, ALLADJACENT or RANDOM; NEAREST is used");
    if (const Node* n = a.get("augment"); n && n->asBool()) o.augment = *n->asBool();
    const std::string aug = upper(a.text("aug_type", "ONLY_TCS"));
    if (aug == "ALL_PATCHES") o.augmentType = "all_patches";
    else if (aug != "ONLY_TCS") a.warn("aug_type", "expected ONLY_TCS or ALL_PATCHES; ONLY_TCS is used");
    if (const Node* n = a.get("target_scale"); n && n->asBool() && *n->asBool())
      a.warn("target_scale", "targets stay in patch cells (the network learns them divided by the patch size)");
    if (upper(a.text("label_no_cyclone", "NONE")) != "NONE")
      a.warn("label_no_cyclone", "patches without a cyclone are labelled (-1, -1) (itwinai's NONE)");
    if (a.get("dataset_url")) ctx.log("dataset_url is not fetched: TwinForge does not download");

    auto files = fieldFiles(root);
    if (files.empty()) {
      ctx.log("dataset_root " + root.string() + " holds no netCDF fields with tracks: writing synthetic ones there (seeded)");
      SyntheticConfig sc;
      sc.seed = 1;
      SyntheticClimate clim = makeSyntheticClimate(sc);
      climate::WriteOptions wo;
      wo.timeOffsets = clim.timeOffsets;
      wo.title = "TwinForge synthetic cyclone fields for itwinai's cyclones pipeline";
      const fs::path f = root / "cyclones-synthetic.nc";
      climate::writeClimateFile(f.string(), clim.lat, clim.lon, clim.variables, wo);
      climate::writeTracks(tracksFileFor(f).string(), clim.tracks);
      files = {f};
    }
    // Raw patches of every file, then one min-max normalisation over all of them.
    o.normalise = false;
    std::vector<at::Tensor> xs, ys;
    std::vector<std::pair<float, float>> minmax(o.variables.size(), {INFINITY, -INFINITY});
    for (const auto& f : files) {
      Artifact part = makePatches(ctx, f, tracksFileFor(f), o);
      for (std::size_t v = 0; v < o.variables.size(); ++v) {
        const auto mm = part.meta["normalisation"][o.variables[v]];
        minmax[v] = {std::min(minmax[v].first, mm[0].get<float>()), std::max(minmax[v].second, mm[1].get<float>())};
      }
      xs.push_back(part.tensor("x"));
      ys.push_back(part.tensor("y"));
    }
    at::Tensor x = at::cat(xs), y = at::cat(ys);
    nlohmann::json norm = nlohmann::json::object();
    for (std::size_t v = 0; v < o.variables.size(); ++v) norm[o.variables[v]] = {minmax[v].first, minmax[v].second};
    normalise(x, minmax);
    double trainShare = 0.75;
    if (const Node* s = a.get("split_ratio"); s && s->isSequence() && !s->items().empty() && s->items()[0].asDouble())
      trainShare = *s->items()[0].asDouble();
    at::Tensor order = at::arange(x.size(0));
    if (const Node* n = a.get("shuffle"); n && n->asBool() && *n->asBool()) {
      auto g = at::make_generator<at::CPUGeneratorImpl>(1);
      order = at::randperm(x.size(0), g);
    }
    const long nTrain = std::clamp(static_cast<long>(std::round(trainShare * static_cast<double>(x.size(0)))), 1L, x.size(0) - 1);
    auto part = [&](long b, long e) {
      Artifact d;
      d.type = "Dataset";
      const at::Tensor idx = order.slice(0, b, e);
      d.tensors["x"] = x.index_select(0, idx);
      d.tensors["y"] = y.index_select(0, idx);
      d.meta = {{"variables", o.variables}, {"patch", o.patch}, {"normalisation", norm}, {"samples", e - b}};
      return d;
    };
    ctx.log("split " + std::to_string(x.size(0)) + " patches " + std::to_string(nTrain) + " / " + std::to_string(x.size(0) - nTrain) +
            " (split_ratio)");
    return {{"train", part(0, nTrain)}, {"val", part(nTrain, x.size(0))}};
  }

 private:
  Params p_;
};

class CyclonesTrainer : public Component {
 public:
  explicit CyclonesTrainer(const Params& p) : p_(p) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    ArgReader a(ctx, p_, "trainer.CyclonesTrainer");
    TrainerConfig cfg;
    cfg.lr = 1e-4;
    cfg.epochs = 3;
    cfg.batchSize = 32;
    if (const Node* n = a.get("epochs"); n && n->asInt()) cfg.epochs = *n->asInt();
    for (const char* k : {"micro_batch_size", "batch_size"})
      if (const Node* n = a.get(k); n && n->asInt()) cfg.batchSize = *n->asInt();
    if (const Node* n = a.get("learning_rate"); n && n->asDouble()) cfg.lr = *n->asDouble();
    const std::string net = upper(a.text("network", "VGG_V1"));
    if (net != "VGG_V1") a.warn("network", "only VGG_V1 is built here; VGG_V1 is used");
    std::string act = a.text("activation", "LINEAR");
    for (char& c : act) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (act != "relu" && act != "linear" && act != "sigmoid" && act != "tanh") {
      a.warn("activation", "expected RELU, LINEAR, SIGMOID or TANH; LINEAR is used");
      act = "linear";
    }
    std::string loss = upper(a.text("loss", "MAE"));
    if (loss != "MAE" && loss != "MSE") {
      a.warn("loss", "expected MAE or MSE; MAE is used");
      loss = "MAE";
    }
    if (upper(a.text("regularization_strength", "NONE")) != "NONE")
      a.warn("regularization_strength", "Keras' l1/l2 kernel regularisers are not applied");
    if (!in.count("train")) throw std::runtime_error("trainer.CyclonesTrainer: no training patches (put dataloader.CyclonesDataGetter before it)");
    for (char& c : loss) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // CMCC's set-up: the position only, patches without a cyclone regress to (-1, -1).
    return trainCnn(ctx, in.at("train"), in.count("val") ? &in.at("val") : nullptr, 64, 4, act, loss, 0.0, cfg);
  }

 private:
  Params p_;
};


}  // namespace

void registerItwinaiCyclones(Registry& reg) {
  ComponentInfo d;
  d.classPath = "dataloader.CyclonesDataGetter";
  d.doc = "itwinai cyclones: patches of the fields in dataset_root (never downloads: synthetic fields when it is empty)";
  d.category = "itwinai";
  d.params = {ParamSpec::Path("dataset_root", "tmp_data").withDoc("Folder of netCDF fields with NAME.tracks.csv beside them"),
              ParamSpec::String("dataset_url").withDoc("Where itwinai downloads from; not fetched here"),
              anyParam("global_config", "itwinai's global configuration; not needed here"),
              ParamSpec::String("patch_type", "NEAREST").withDoc("NEAREST, CYCLONE, ALLADJACENT or RANDOM"),
              ParamSpec::Bool("shuffle", false).withDoc("Shuffle the patches before the split"),
              ParamSpec::FloatList("split_ratio", "[0.75, 0.25]").withDoc("Training and validation shares"),
              ParamSpec::Bool("augment", true).withDoc("Flipped copies of cyclone patches"),
              anyParam("epochs", "Keras dataset repetitions; the trainer's epochs count here"),
              ParamSpec::Bool("target_scale", false).withDoc("Scale targets to 0..1 (not honoured: warned)"),
              ParamSpec::String("label_no_cyclone", "NONE").withDoc("Label of patches without a cyclone: NONE = (-1, -1)"),
              ParamSpec::String("aug_type", "ONLY_TCS").withDoc("ONLY_TCS or ALL_PATCHES"),
              anyParam("experiment", "DRV_VARS_1: driver variables; COO_VARS_1: [patch_cyclone]; MSK_VAR_1: None"),
              anyParam("shuffle_buffer", "Keras shuffle buffer; not needed here"),
              ParamSpec::String("tfrecords_dir", "trainval").withDoc("itwinai's TFRecord folder; not used (netCDF is read)")};
  d.outputs = {{"train", "Dataset", "training patches", false}, {"val", "Dataset", "validation patches", false}};
  d.factory = [](const Params& p) -> Component* { return new DataGetter(p); };
  reg.add(d);

  ComponentInfo t;
  t.classPath = "trainer.CyclonesTrainer";
  t.doc = "itwinai cyclones: train VGG_V1 on the patches (Adam, MAE on the centre position)";
  t.category = "itwinai";
  t.params = {anyParam("epochs", "Epochs"),
              anyParam("micro_batch_size", "Patches per optimizer step"),
              anyParam("batch_size", "Patches per optimizer step (older files)"),
              anyParam("global_config", "itwinai's global configuration; not needed here"),
              ParamSpec::String("network", "VGG_V1").withDoc("VGG_V1 (others warned about)"),
              ParamSpec::String("activation", "LINEAR").withDoc("RELU, LINEAR, SIGMOID or TANH"),
              ParamSpec::String("regularization_strength", "NONE").withDoc("Keras regularisers (not honoured unless NONE: warned)"),
              anyParam("learning_rate", "Adam's learning rate"),
              ParamSpec::String("loss", "MAE").withDoc("MAE or MSE"),
              anyParam("verbose", "Keras' progress display; TwinForge shows progress itself"),
              anyParam("strategy", "tf.distribute strategy; TwinForge's --nproc decides"),
              anyParam("logger", "itwinai logger; TwinForge uses the loggers: key")};
  t.inputs = {{"train", "Dataset", "training patches", false}, {"val", "Dataset", "validation patches", true}};
  t.outputs = {{"model", "Model", "the trained network", false}, {"metrics", "Metrics", "losses and held-out centre error", false}};
  t.factory = [](const Params& p) -> Component* { return new CyclonesTrainer(p); };
  reg.add(t);
}

}  // namespace tf::cyclone
