// itwinai's 3DGAN use case (use-cases/3dgan/config.yaml in the itwinai repository) runs in
// TwinForge unchanged: its components are registered under the class paths that file names and
// do their work with TwinForge's own calorimeter components (calo.GAN3DTrainer, calo.Generate,
// core.TrainValSplit), built from the registry so their parameters are checked as usual.
//   dataloader.Lightning3DGANDownloader  data_path, data_url        -> the data folder (never downloads)
//   trainer.Lightning3DGANTrainer        config: Lightning's trainer / model / data sections
//   trainer.LightningModelLoader         model_uri                   (inside the predictor's `model:`)
//   trainer.Lightning3DGANPredictor      model, config               -> generated showers
//   saver.ParticleImagesSaver            save_dir, aggregate_predictions
// Lightning keys that would change the results and that TwinForge does not honour are warned
// about by name; keys about devices, logging and progress display are TwinForge's business
// (--nproc, loggers:) and leave the results alone.
#include "CaloComponents.h"
#include "CaloData.h"

#include "config/Node.h"
#include "exec/Component.h"
#include "exec/Params.h"
#include "registry/ItwinaiArgs.h"
#include "registry/Registry.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace tf::calo {

namespace {

using cfg::Node;

// Lightning Trainer keys that do not change what is learned (devices, logging, display,
// validation cadence): accepted and left to TwinForge.
const std::set<std::string>& neutralTrainerKeys() {
  static const std::set<std::string> k{
      "devices", "num_nodes", "strategy", "sync_batchnorm", "use_distributed_sampler",
      "enable_checkpointing", "enable_model_summary", "enable_progress_bar", "log_every_n_steps", "logger",
      "default_root_dir", "profiler", "benchmark", "barebones", "inference_mode", "detect_anomaly", "plugins",
      "num_sanity_val_steps", "reload_dataloaders_every_n_epochs", "check_val_every_n_epoch", "val_check_interval",
      "limit_val_batches", "limit_test_batches", "limit_predict_batches", "callbacks", "max_time"};
  return k;
}

// Keys that change the results unless they keep Lightning's default: warned about when they do not.
bool isLightningDefault(const std::string& key, const Node& v) {
  if (v.isNull()) return true;
  const std::string t = v.isScalar() ? v.text() : std::string("!");
  static const std::map<std::string, std::set<std::string>> defaults{
      {"accumulate_grad_batches", {"1"}}, {"overfit_batches", {"0", "0.0"}}, {"fast_dev_run", {"false", "False"}},
      {"deterministic", {"false", "False"}}, {"max_steps", {"-1"}}, {"limit_train_batches", {"1.0", "1"}},
      {"min_epochs", {}}, {"min_steps", {}}, {"gradient_clip_val", {"0", "0.0"}},
      {"gradient_clip_algorithm", {}}};
  const auto it = defaults.find(key);
  return it != defaults.end() && it->second.count(t) > 0;
}

// One itwinai component's settings, read key by key; what is not honoured is said by name.
class Reader {
 public:
  Reader(StepContext& ctx, std::string component) : ctx_(ctx), component_(std::move(component)) {}

  void warn(const std::string& key, const Node& v, const std::string& why) {
    ctx_.log("warning: " + component_ + " " + key + " = " + v.describe() + " (" + v.location().str() +
             ") is not honoured: " + why);
    ++warnings_;
  }
  int warnings() const { return warnings_; }

  // Lightning's `trainer:` section; `training` false for prediction, where nothing is learned.
  std::int64_t trainerSection(const Node* t, bool training) {
    std::int64_t epochs = 1000;  // Lightning's default
    if (!t || !t->isMap()) return epochs;
    for (const auto& [k, v] : t->entries()) {
      if (k == "max_epochs" && training) {
        if (v.asInt()) epochs = *v.asInt();
      } else if (k == "accelerator") {
        device = acceleratorDevice(v);
      } else if (k == "precision") {
        precision = lightningPrecision(v);
      } else if (k == "max_epochs" || k == "max_steps" || k == "min_epochs" || k == "min_steps") {
        if (training && !isLightningDefault(k, v)) warn("config.trainer." + k, v, "training stops after max_epochs");
      } else if (neutralTrainerKeys().count(k)) {
        if (k == "callbacks" && training && !v.isNull() && !(v.isSequence() && v.items().empty()))
          warn("config.trainer.callbacks", v, "Lightning callbacks (early stopping, checkpoints) do not run here");
        if (k == "max_time" && training && !v.isNull()) warn("config.trainer.max_time", v, "training stops after max_epochs");
        if (k == "limit_predict_batches" && !training && !v.isNull())
          warn("config.trainer.limit_predict_batches", v, "every requested shower is generated");
      } else if (!isLightningDefault(k, v)) {
        warn("config.trainer." + k, v, "TwinForge's GAN trainer has no such setting");
      }
    }
    return epochs;
  }

  // Lightning's accelerator as TwinForge's device: auto, gpu/cuda, cpu; others warned about.
  std::string acceleratorDevice(const Node& v) {
    const std::string a = v.isScalar() ? v.text() : "";
    if (v.isNull() || a == "auto") return "auto";
    if (a == "gpu" || a == "cuda") return "cuda";
    if (a == "cpu") return "cpu";
    warn("config.trainer.accelerator", v, "TwinForge runs on cpu or cuda; auto is used");
    return "auto";
  }
  // Lightning's precision: 32 and bf16 mixed are honoured; 16-bit and 64-bit are not.
  std::string lightningPrecision(const Node& v) {
    const std::string p = v.isScalar() ? v.text() : "";
    if (v.isNull() || p == "32" || p == "32-true") return "fp32";
    if (p == "bf16-mixed" || p == "bf16") return "bf16";
    warn("config.trainer.precision", v, "TwinForge trains in fp32 or bf16-mixed; fp32 is used");
    return "fp32";
  }

  std::string device = "auto", precision = "fp32";  // from the trainer section

  const Node* initArgs(const Node* section, const std::string& name, const std::string& expectedClass) {
    if (!section || !section->isMap()) return nullptr;
    const Node* cp = section->find("class_path");
    if (cp && cp->isScalar() && cp->text() != expectedClass)
      warn("config." + name + ".class_path", *cp, "TwinForge runs its own " + expectedClass + " in its place");
    return section->find("init_args");
  }

 private:
  StepContext& ctx_;
  std::string component_;
  int warnings_ = 0;
};

// The GAN settings of itwinai's model.ThreeDGAN and dataloader.ParticlesDataModule sections.
struct GanSetup {
  std::int64_t epochs = 1000, latent = 256, batchSize = 64, maxSamples = 0, seed = 1;
  double lr = 0.001, power = 0.85, trainProportion = 0.9;
  std::vector<double> lossWeights{3, 0.1, 25, 0.1};
  std::string dataPath, checkpointsDir = "checkpoints";
  std::string device = "auto", precision = "fp32";  // Lightning's accelerator and precision
};

void readModel(Reader& r, const Node* m, GanSetup& g) {
  if (!m) return;
  for (const auto& [k, v] : m->entries()) {
    if (k == "latent_size" && v.asInt())
      g.latent = *v.asInt();
    else if (k == "lr" && v.asDouble())
      g.lr = *v.asDouble();
    else if (k == "power" && v.asDouble())
      g.power = *v.asDouble();
    else if (k == "checkpoints_dir" && v.isScalar())
      g.checkpointsDir = v.text();
    else if (k == "loss_weights" && v.isSequence()) {
      g.lossWeights.clear();
      for (const auto& w : v.items()) g.lossWeights.push_back(w.asDouble().value_or(0));
    } else if (k != "provenance_verbose")
      r.warn("config.model.init_args." + k, v, "model.ThreeDGAN's TwinForge twin has no such setting");
  }
}

void readData(Reader& r, const Node* d, GanSetup& g) {
  if (!d) return;
  for (const auto& [k, v] : d->entries()) {
    if (k == "datapath" && v.isScalar())
      g.dataPath = v.text();
    else if (k == "batch_size" && v.asInt())
      g.batchSize = *v.asInt();
    else if (k == "max_samples" && v.asInt())
      g.maxSamples = *v.asInt();
    else if (k == "train_proportion" && v.asDouble())
      g.trainProportion = *v.asDouble();
    else if (k != "num_workers")
      r.warn("config.data.init_args." + k, v, "the data module's TwinForge twin has no such setting");
  }
}

GanSetup readConfig(Reader& r, const Node& config, bool training) {
  GanSetup g;
  for (const auto& [k, v] : config.entries())
    if (k != "trainer" && k != "model" && k != "data" && k != "seed_everything")
      r.warn("config." + k, v, "TwinForge reads config.trainer, config.model, config.data and config.seed_everything");
  if (const Node* s = config.find("seed_everything"); s && s->asInt()) g.seed = *s->asInt();
  g.epochs = r.trainerSection(config.find("trainer"), training);
  g.device = r.device;
  g.precision = r.precision;
  readModel(r, r.initArgs(config.find("model"), "model", "model.ThreeDGAN"), g);
  readData(r, r.initArgs(config.find("data"), "data", "dataloader.ParticlesDataModule"), g);
  return g;
}

// The folder's 3DGAN files (searched recursively, in name order, as ParticlesDataset does).
std::vector<fs::path> showerFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (fs::is_directory(dir, ec))
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file() && (it->path().extension() == ".h5" || it->path().extension() == ".hdf5")) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

fs::path dataFolder(StepContext& ctx, const Artifacts& in, const std::string& configured) {
  std::string dir = configured;
  if (in.count("path")) dir = in.at("path").meta.value("path", dir);
  if (dir.empty()) throw std::runtime_error("no data folder: set config.data.init_args.datapath or connect the downloader");
  const fs::path p = ctx.resolve(dir);
  if (showerFiles(p).empty())
    throw std::runtime_error("'" + p.string() + "' holds no .h5 shower files (3DGAN layout: ECAL, energy, theta); "
                             "calo.ToyMC writes such files");
  return p;
}

Component* build(const Registry& reg, const std::string& classPath, Node args) {
  const ComponentInfo* info = reg.find(classPath);
  if (!info || !info->factory) throw std::logic_error(classPath + " is not registered");
  return info->factory(Params(&reg, info, std::move(args)));
}

const Registry& registryOf(const Params& p) {
  if (!p.registry()) throw std::logic_error("parameters without their registry");
  return *p.registry();
}

Node scalar(const std::string& s) { return Node::scalar(s); }
Node number(double v) {
  std::ostringstream o;
  o.precision(17);
  o << v;
  return Node::scalar(o.str());
}

// ---------------------------------------------------------------------------------------------

class Downloader : public Component {
 public:
  explicit Downloader(const Params& p) : dataPath_(p.getString("data_path")), url_(p.getString("data_url")) {}
  Artifacts run(StepContext& ctx, const Artifacts&) override {
    const fs::path dir = ctx.resolve(dataPath_);
    const auto files = showerFiles(dir);
    if (files.empty())
      throw std::runtime_error("data_path '" + dir.string() + "' holds no .h5 shower files, and TwinForge does not download" +
                               (url_.empty() ? std::string() : " (data_url " + url_ + " is not fetched)") +
                               ": put 3DGAN files there (calo.ToyMC writes them) and give the folder with "
                               "--set dataset_location=DIR");
    if (!url_.empty()) ctx.log("data_url is not fetched: TwinForge does not download; using the files in " + dir.string());
    ctx.log(std::to_string(files.size()) + " shower file(s) in " + dir.string());
    Artifact a;
    a.type = "Path";
    a.meta = {{"path", dir.string()}};
    return {{"path", a}};
  }

 private:
  std::string dataPath_, url_;
};

// Showers of the folder's files, at most `max` (0: all), as one dataset.
Artifact readFolder(StepContext& ctx, const fs::path& dir, std::int64_t max) {
  std::vector<at::Tensor> cells, y;
  std::int64_t n = 0;
  for (const auto& f : showerFiles(dir)) {
    if (max > 0 && n >= max) break;
    ReadOptions ro;
    ro.maxEvents = max > 0 ? max - n : 0;
    ro.checkCancelled = [&] { ctx.checkCancelled(); };
    Showers s = readShowers(f.string(), ro);
    n += s.events();
    cells.push_back(s.cells);
    y.push_back(at::stack({s.energy, s.theta}, 1));
  }
  Artifact ds;
  ds.type = "Dataset";
  ds.tensors["x"] = at::cat(cells);
  ds.tensors["y"] = at::cat(y);
  ds.meta = {{"source", dir.string()}, {"samples", n}, {"y_columns", {"energy_gev", "theta_rad"}}};
  ctx.log("read " + std::to_string(n) + " showers from " + dir.string());
  return ds;
}

class Trainer3dgan : public Component {
 public:
  explicit Trainer3dgan(const Params& p)
      : reg_(registryOf(p)), config_(p.value("config")), logger_(p.value("itwinai_logger")), logger2_(p.value("logger")) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    Reader r(ctx, "trainer.Lightning3DGANTrainer");
    for (const auto& [key, l] : {std::pair<const char*, const Node*>{"itwinai_logger", &logger_}, {"logger", &logger2_}})
      if (!l->isNull()) r.warn(key, *l, "TwinForge logs with the pipeline's loggers: key");
    const GanSetup g = readConfig(r, config_, true);
    const fs::path dir = dataFolder(ctx, in, g.dataPath);
    Artifacts data{{"dataset", readFolder(ctx, dir, g.maxSamples)}};
    Node split = Node::map();
    split.set("val_fraction", number(1 - g.trainProportion));
    split.set("seed", number(static_cast<double>(g.seed)));
    const Artifacts parts = std::unique_ptr<Component>(build(reg_, "core.TrainValSplit", split))->run(ctx, data);
    Node gan = Node::map();
    gan.set("preset", scalar("large"));  // model.ThreeDGAN's layer sizes
    gan.set("epochs", number(static_cast<double>(g.epochs)));
    gan.set("batch_size", number(static_cast<double>(g.batchSize)));
    gan.set("lr", number(g.lr));
    gan.set("latent", number(static_cast<double>(g.latent)));
    gan.set("power", number(g.power));
    gan.set("seed", number(static_cast<double>(g.seed % (1ll << 31))));
    gan.set("device", scalar(g.device));
    gan.set("precision", scalar(g.precision));
    Node w = Node::sequence();
    for (double x : g.lossWeights) w.push(number(x));
    gan.set("loss_weights", w);
    ctx.log("3DGAN (model.ThreeDGAN as calo.GAN3DTrainer preset large): " + std::to_string(g.epochs) + " epochs, batch " +
            std::to_string(g.batchSize) + ", lr " + std::to_string(g.lr) + ", latent " + std::to_string(g.latent) +
            (r.warnings() ? ", " + std::to_string(r.warnings()) + " setting(s) not honoured (warned above)" : ""));
    Artifacts out = std::unique_ptr<Component>(build(reg_, "calo.GAN3DTrainer", gan))->run(ctx, parts);
    // The trained generator where itwinai keeps checkpoints, for the inference pipeline's model_uri.
    Node saver = Node::map();
    saver.set("dir", scalar(g.checkpointsDir));
    saver.set("name", scalar("3dgan-inference"));
    Artifacts saved = std::unique_ptr<Component>(build(reg_, "core.ModelSaver", saver))->run(ctx, {{"model", out.at("model")}});
    ctx.log("generator saved as " + saved.at("path").meta.value("path", std::string()) +
            ": run the inference pipeline with --set inference_model_uri=<that file>");
    out["path"] = saved.at("path");
    return out;
  }

 private:
  const Registry& reg_;
  Node config_, logger_, logger2_;
};

class Predictor3dgan : public Component {
 public:
  explicit Predictor3dgan(const Params& p)
      : reg_(registryOf(p)), modelUri_(p.object("model").getString("model_uri")), config_(p.value("config")) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    Reader r(ctx, "trainer.Lightning3DGANPredictor");
    const GanSetup g = readConfig(r, config_, false);
    const fs::path dir = dataFolder(ctx, in, g.dataPath);
    const fs::path weights = ctx.resolve(modelUri_);
    if (!fs::exists(weights))
      throw std::runtime_error("model_uri '" + weights.string() +
                               "' does not exist: give the generator the training pipeline saved (it logs where), "
                               "e.g. --set inference_model_uri=checkpoints/3dgan-inference.pt");
    // The conditions (energy, angle) of the folder's showers, as many as max_samples.
    const Artifact ds = readFolder(ctx, dir, g.maxSamples);
    const std::int64_t n = ds.tensors.at("y").size(0);
    Showers cond;
    cond.energy = ds.tensors.at("y").select(1, 0).contiguous();
    cond.theta = ds.tensors.at("y").select(1, 1).contiguous();
    cond.cells = at::zeros({n, 1, 1, 1});
    const fs::path work = fs::absolute(ctx.workDir());
    const fs::path conditions = work / "conditions.h5";
    fs::create_directories(work);
    write3dgan(conditions.string(), cond, "itwinai inference conditions");
    Node gen = Node::map();
    gen.set("weights", scalar(weights.string()));
    gen.set("file", scalar((work / "generated.h5").string()));
    gen.set("events", number(static_cast<double>(n)));
    gen.set("seed", number(static_cast<double>(g.seed % (1ll << 31))));
    gen.set("device", scalar(g.device));
    Artifact c;
    c.type = "Path";
    c.meta = {{"path", conditions.string()}};
    return std::unique_ptr<Component>(build(reg_, "calo.Generate", gen))->run(ctx, {{"conditions", c}});
  }

 private:
  const Registry& reg_;
  std::string modelUri_;
  Node config_;
};

class ImagesSaver : public Component {
 public:
  explicit ImagesSaver(const Params& p) : dir_(p.getString("save_dir")), aggregate_(p.value("aggregate_predictions")) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    if (!in.count("path")) throw std::runtime_error("no generated showers: connect the predictor");
    const fs::path from = in.at("path").meta.value("path", std::string());
    const fs::path dir = ctx.resolve(dir_);
    fs::create_directories(dir);
    const fs::path to = dir / "generated.h5";
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    ctx.log("saved the generated showers as one 3DGAN file, " + to.string() +
            " (itwinai writes a .pth and a .jpg per shower; open this one with the shower view)");
    if (aggregate_.asBool().value_or(false))
      ctx.log("aggregate_predictions: the showers are in one file either way");
    Artifact a;
    a.type = "Path";
    a.meta = {{"path", to.string()}, {"format", "3dgan"}};
    return {{"path", a}};
  }

 private:
  std::string dir_;
  Node aggregate_;
};


}  // namespace

void registerItwinai3dgan(Registry& reg) {
  const ParamSpec name = ParamSpec::String("name").withDoc("itwinai's step name (TwinForge names steps by their key)");
  const ParamSpec config = ParamSpec::Mapping("config").withDoc(
      "Lightning's configuration: trainer.max_epochs, model.init_args (latent_size, loss_weights, power, lr, "
      "checkpoints_dir), data.init_args (datapath, batch_size, max_samples, train_proportion), seed_everything");
  ComponentInfo d;
  d.classPath = "dataloader.Lightning3DGANDownloader";
  d.doc = "itwinai 3DGAN: the folder of shower files (never downloads: no network)";
  d.category = "itwinai";
  d.params = {ParamSpec::Path("data_path").withDoc("Folder of 3DGAN .h5 files"),
              ParamSpec::String("data_url").withDoc("Where itwinai downloads from; not fetched here"), name};
  d.params[0].required = true;
  d.outputs = {{"path", "Path", "the data folder", false}};
  d.factory = [](const Params& p) -> Component* { return new Downloader(p); };
  reg.add(d);

  ComponentInfo t;
  t.classPath = "trainer.Lightning3DGANTrainer";
  t.doc = "itwinai 3DGAN training (Lightning config) on TwinForge's GAN trainer";
  t.category = "itwinai";
  t.params = {config, anyParam("itwinai_logger", "itwinai logger; TwinForge uses the loggers: key"),
              anyParam("logger", "itwinai logger; TwinForge uses the loggers: key"), name};
  t.params[0].required = true;
  t.inputs = {{"path", "Path", "the data folder (else config.data.init_args.datapath)", true}};
  t.outputs = {{"model", "Model", "the trained generator", false},
               {"metrics", "Metrics", "losses and validation scores", false},
               {"path", "Path", "the saved generator", false}};
  t.factory = [](const Params& q) -> Component* { return new Trainer3dgan(q); };
  reg.add(t);

  ComponentInfo l;
  l.classPath = "trainer.LightningModelLoader";
  l.doc = "itwinai: where the trained generator is (a local file)";
  l.category = "itwinai";
  l.kind = ComponentInfo::Kind::Object;
  l.objectKind = "model_loader";
  l.params = {ParamSpec::Path("model_uri").withDoc("The generator file the training pipeline saved")};
  l.params[0].required = true;
  reg.add(l);

  ComponentInfo p;
  p.classPath = "trainer.Lightning3DGANPredictor";
  p.doc = "itwinai 3DGAN inference: showers for the data folder's energies and angles";
  p.category = "itwinai";
  p.params = {ParamSpec::Object("model", "model_loader").withDoc("{_target_: trainer.LightningModelLoader, model_uri: FILE}"),
              config, name};
  p.params[0].required = true;
  p.inputs = {{"path", "Path", "the data folder (else config.data.init_args.datapath)", true}};
  p.outputs = {{"path", "Path", "the generated showers (3DGAN file)", false}};
  p.factory = [](const Params& q) -> Component* { return new Predictor3dgan(q); };
  reg.add(p);

  ComponentInfo s;
  s.classPath = "saver.ParticleImagesSaver";
  s.doc = "itwinai 3DGAN: keep the generated showers in a folder (one 3DGAN file)";
  s.category = "itwinai";
  s.params = {ParamSpec::Path("save_dir", "3dgan-generated").withDoc("Folder for the generated showers"),
              ParamSpec::Bool("aggregate_predictions", false).withDoc("itwinai: one pickle instead of files per shower"),
              name};
  s.inputs = {{"path", "Path", "the generated showers", false}};
  s.outputs = {{"path", "Path", "the saved file", false}};
  s.factory = [](const Params& q) -> Component* { return new ImagesSaver(q); };
  reg.add(s);
}

}  // namespace tf::calo
