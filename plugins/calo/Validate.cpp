// calo.Validate: generated showers against Monte Carlo, per energy bin, with the CaloChallenge
// observables and distances; writes report.json and SVG plots into the step's folder of the
// run, so the report lives with the run that made it.
#include "CaloChallengeEval.h"
#include "CaloComponents.h"
#include "CaloData.h"
#include "Classifier.h"
#include "Observables.h"
#include "Svg.h"

#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "io/AtomicFile.h"
#include "registry/Registry.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace tf::calo {

namespace {

std::string fmt(double v, const char* f = "%.3f") {
  char b[48];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::vector<Panel> panelsOf(const Comparison& c, bool layers) {
  std::vector<Panel> out;
  for (const auto& o : c.observables) {
    const bool isLayer = o.ref.group == "layer_energy";
    if (isLayer != layers) continue;
    Panel p;
    p.title = o.ref.label;
    if (o.ref.profile)
      p.positions = o.ref.positions;
    else
      p.edges = o.edges;
    p.reference = o.ref.values;
    p.generated = o.gen.values;
    p.logX = o.ref.logScale;
    p.note = "S = " + fmt(o.d.separation);
    out.push_back(std::move(p));
  }
  return out;
}

struct ValidateConfig {
  std::string generatedFile, referenceFile;
  std::int64_t maxEvents = 2000;
  std::vector<double> energyBins;
  std::int64_t bins = 40;
  double hitThreshold = 1e-4;  // GeV
  std::string binning, particle;
  bool classifier = true;
  std::int64_t seed = 1;
  bool mcFloor = true;
  std::string protocol = "twinforge";
};

const ParamDecls<ValidateConfig>& validateParams() {
  static const ParamDecls<ValidateConfig> d = [] {
    using C = ValidateConfig;
    ParamDecls<C> d;
    d.path("generated_file", &C::generatedFile).withDoc("Generated showers, when no step is connected");
    d.path("reference_file", &C::referenceFile).withDoc("Monte Carlo showers, when no step is connected");
    d.add("max_events", &C::maxEvents).atLeast(0).withDoc("Showers read from each file (0: all)");
    d.add("energy_bins", &C::energyBins).withUnit("GeV").withDoc("Edges of the energy bins compared one by one");
    d.add("bins", &C::bins).atLeast(2).withDoc("Histogram bins per observable");
    d.add("hit_threshold", &C::hitThreshold).atLeast(0).withUnit("GeV").withDoc("A cell above this is hit");
    d.path("binning", &C::binning)
        .withDoc("CaloChallenge binning XML (needed for dataset 1; datasets 2 and 3 are built in)");
    d.add("particle", &C::particle).withDoc("Which particle's binning in that file (empty: the first)");
    d.add("classifier", &C::classifier).withDoc("Also train a small network to tell the two apart and report its AUC");
    d.add("seed", &C::seed).atLeast(0).withDoc("Seed of the classifier test");
    d.add("mc_floor", &C::mcFloor).withDoc("Also compare two halves of the Monte Carlo: the best score reachable");
    d.choice("protocol", &C::protocol, {"twinforge", "calochallenge"})
        .withDoc("calochallenge: also the challenge's official separation powers (its thresholds, features and "
                 "binning; CaloChallenge files of datasets 1, 2 or 3), as report.json's calochallenge_separation_power");
    return d;
  }();
  return d;
}

class Validate : public Component {
 public:
  explicit Validate(const Params& p) : cfg_(validateParams().parse(p)) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    Artifact metrics;
    metrics.type = "Metrics";
    if (!ctx.leader()) return {{"metrics", metrics}};
    readShowerFiles(ctx, in);
    chooseGeometry(ctx);
    if (cfg_.protocol == "calochallenge") {
      checkCaloChallengeFiles();
      calochallengeProtocol(ctx);
    }
    for (Showers* s : {&ref_, &gen_}) toGeV(*s);
    dir_ = ctx.workDir();
    fs::create_directories(dir_);
    refAll_ = observe(ref_.cells, ref_.energy);
    genAll_ = observe(gen_.cells, gen_.energy);
    describeInputs();
    ctx.progress(0.35, "comparing all showers");
    Comparison all = compare(refAll_, genAll_, static_cast<int>(cfg_.bins));
    all.refEvents = ref_.events();
    all.genEvents = gen_.events();
    report_["all"] = all.toJson(true);
    plots_ = {writeSvg("report.svg", "All showers: score " + fmt(all.score), all, false),
              writeSvg("layers.svg", "Energy per layer", all, true)};
    compareEnergyBins(ctx);
    const double floor = cfg_.mcFloor ? monteCarloFloor(ctx) : -1;
    const double auc = cfg_.classifier ? classifierAuc(ctx) : -1;
    report_["score"] = all.score;
    report_["plots"] = plots_;
    const fs::path reportFile = dir_ / "report.json";
    io::writeTextAtomic(reportFile, report_.dump(1) + "\n");
    ctx.log("validation score " + fmt(all.score, "%.4f") + " (mean separation power, 0 is perfect" +
            (floor >= 0 ? "; Monte Carlo against itself: " + fmt(floor, "%.4f") : std::string()) +
            (auc >= 0 ? "; classifier AUC " + fmt(auc) : std::string()) + "); report " + reportFile.string());

    metrics.meta = {{"score", all.score}, {"report", reportFile.string()}, {"plots", plots_}};
    if (floor >= 0) metrics.meta["score_mc_vs_mc"] = floor;
    if (report_.contains("calochallenge_separation_power"))
      metrics.meta["calochallenge_separation_power"] = report_["calochallenge_separation_power"];
    if (auc >= 0) metrics.meta["classifier_auc"] = auc;
    for (const auto& o : all.observables)
      if (o.ref.group != "layer_energy") metrics.meta["separation_" + o.ref.name] = o.d.separation;
    ctx.metric("validation_score", all.score, 0);
    return {{"metrics", metrics}};
  }

 private:
  // Both files, same geometry, each with showers to compare.
  void readShowerFiles(StepContext& ctx, const Artifacts& in) {
    auto pathOf = [&](const char* port, const std::string& given, const char* param) {
      std::string f = given;
      if (in.count(port)) f = in.at(port).meta.value("path", f);
      if (f.empty())
        throw std::runtime_error(std::string("no ") + port + " showers: connect a step that outputs a Path or set '" +
                                 param + "'");
      return ctx.resolve(f).string();
    };
    genFile_ = pathOf("generated", cfg_.generatedFile, "generated_file");
    refFile_ = pathOf("reference", cfg_.referenceFile, "reference_file");
    ReadOptions ro;
    ro.maxEvents = cfg_.maxEvents;
    ro.fileUnits = cfg_.protocol == "calochallenge";  // the challenge's numbers from the MeV as stored
    ro.checkCancelled = [&] { ctx.checkCancelled(); };
    ro.progress = [&](double f, const std::string& m) { ctx.progress(0.15 * f, "Monte Carlo: " + m); };
    ref_ = readShowers(refFile_, ro);
    ro.progress = [&](double f, const std::string& m) { ctx.progress(0.15 + 0.15 * f, "generated: " + m); };
    gen_ = readShowers(genFile_, ro);
    if (ref_.cells.dim() != gen_.cells.dim() || ref_.cells.sizes().slice(1) != gen_.cells.sizes().slice(1))
      throw std::runtime_error("'" + genFile_ + "' (" + gen_.format + ") and '" + refFile_ + "' (" + ref_.format +
                               ") have different calorimeter geometries");
    if (ref_.events() == 0 || gen_.events() == 0)
      throw std::runtime_error("'" + (ref_.events() == 0 ? refFile_ : genFile_) + "' has no showers to compare");
  }

  // Grids (3DGAN) are flattened; CaloChallenge voxels are placed by their binning.
  void chooseGeometry(StepContext& ctx) {
    if (ref_.cells.dim() == 4) {
      geometry_ = VoxelGeometry::grid(ref_.cells.size(1), ref_.cells.size(2), ref_.cells.size(3));
      geometryName_ = "grid";
      return;
    }
    const auto voxels = static_cast<int>(ref_.cells.size(1));
    const Binning b = cfg_.binning.empty() ? builtInBinning(voxels)
                                           : readBinning(ctx.resolve(cfg_.binning).string(), cfg_.particle);
    if (b.layers.empty())
      throw std::runtime_error("'" + refFile_ + "': " + std::to_string(voxels) +
                               " voxels per shower; CaloChallenge files other than datasets 2 and 3 need their binning: "
                               "set 'binning' to the dataset's binning_dataset_*.xml");
    if (b.voxels() != voxels)
      throw std::runtime_error("'" + b.source + "' describes " + std::to_string(b.voxels()) + " voxels (" +
                               (b.particle.empty() ? std::string("first particle") : b.particle) + "), '" + refFile_ +
                               "' has " + std::to_string(voxels) + " per shower");
    binning_ = b;
    geometry_ = VoxelGeometry::cylindrical(b);
    geometryName_ = b.source + (b.particle.empty() ? "" : " (" + b.particle + ")");
  }

  std::vector<Observable> observe(const at::Tensor& cells, const at::Tensor& energy) const {
    return computeObservables(cells.reshape({cells.size(0), -1}), energy, geometry_, cfg_.hitThreshold);
  }

  void describeInputs() {
    report_["reference"] = {{"file", refFile_}, {"events", ref_.events()}, {"format", ref_.format}};
    report_["generated"] = {{"file", genFile_}, {"events", gen_.events()}, {"format", gen_.format}};
    report_["geometry"] = geometryName_;
    report_["definitions"] = {
        {"separation_power", "1/2 sum (p - q)^2 / (p + q) over normalised histograms on the reference's binning"},
        {"jensen_shannon", "Jensen-Shannon divergence, base 2"},
        {"wasserstein_1", "Wasserstein-1 between the samples (profiles: over their positions)"},
        {"score", "mean separation power over observable groups (per-layer energies are one group); lower is better"}};
  }

  std::string writeSvg(const std::string& name, const std::string& title, const Comparison& c, bool layers) const {
    const std::string refName = "Monte Carlo (" + std::to_string(ref_.events()) + ")";
    const std::string genName = "generated (" + std::to_string(gen_.events()) + ")";
    io::writeTextAtomic(dir_ / name, svgPanels(title, panelsOf(c, layers), layers ? 5 : 4, refName, genName));
    return (dir_ / name).string();
  }

  Comparison compareRange(double lo, double hi) const {
    auto pick = [&](const Showers& s) { return s.energy.ge(lo).logical_and(s.energy.lt(hi)).nonzero().reshape({-1}); };
    const at::Tensor ri = pick(ref_), gi = pick(gen_);
    Comparison c;
    if (ri.size(0) < 2 || gi.size(0) < 2) return c;
    c = compare(observe(ref_.cells.index_select(0, ri), ref_.energy.index_select(0, ri)),
                observe(gen_.cells.index_select(0, gi), gen_.energy.index_select(0, gi)), static_cast<int>(cfg_.bins));
    c.refEvents = ri.size(0);
    c.genEvents = gi.size(0);
    return c;
  }

  void compareEnergyBins(StepContext& ctx) {
    const auto& edges = cfg_.energyBins;
    nlohmann::json perBin = nlohmann::json::array();
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
      ctx.checkCancelled();
      const std::string range = fmt(edges[i], "%g") + "-" + fmt(edges[i + 1], "%g");
      ctx.progress(0.4 + 0.4 * static_cast<double>(i) / static_cast<double>(edges.size()), "energy bin " + range + " GeV");
      const Comparison c = compareRange(edges[i], edges[i + 1]);
      nlohmann::json b = c.observables.empty() ? nlohmann::json{{"skipped", "fewer than 2 showers in one of the files"}}
                                               : c.toJson(false);
      b["energy_range_gev"] = {edges[i], edges[i + 1]};
      if (!c.observables.empty())
        plots_.push_back(writeSvg("report-" + range + "GeV.svg", range + " GeV: score " + fmt(c.score), c, false));
      perBin.push_back(b);
    }
    report_["energy_bins"] = perBin;
  }

  static void toGeV(Showers& s) {
    if (s.toGeV == 1) return;
    s.cells.mul_(s.toGeV);
    s.energy.mul_(s.toGeV);
    s.toGeV = 1;
  }

  // The challenge's own numbers need its files: voxels on one of its binnings, energies in MeV.
  void checkCaloChallengeFiles() {
    for (const Showers* s : {&ref_, &gen_})
      if (s->format != "calochallenge")
        throw std::runtime_error("protocol 'calochallenge' compares CaloChallenge files (showers, incident_energies); '" +
                                 (s == &ref_ ? refFile_ : genFile_) + "' is a " + s->format +
                                 " file: write CaloChallenge files (calo.Generate format: calochallenge) or use "
                                 "protocol: twinforge");
    dataset_ = cc::datasetFor(static_cast<int>(ref_.cells.size(1)));
  }

  void calochallengeProtocol(StepContext& ctx) {
    ctx.checkCancelled();
    ctx.progress(0.32, "CaloChallenge separation powers");
    const auto powers = cc::separationPowers(ref_.cells, ref_.energy, gen_.cells, gen_.energy, binning_, dataset_);
    nlohmann::json sep = nlohmann::json::object();
    std::vector<std::string> undefined;
    double sum = 0;
    int counted = 0;
    for (const auto& [name, value] : powers) {
      if (std::isnan(value)) {
        sep[name] = nullptr;
        undefined.push_back(name);
        continue;
      }
      sep[name] = value;
      sum += value;
      ++counted;
    }
    report_["protocol"] = "calochallenge";
    report_["calochallenge_separation_power"] = sep;
    report_["calochallenge"] = {
        {"dataset", dataset_.name},
        {"threshold_mev", dataset_.minEnergy},
        {"binning", binning_.source},
        {"features", powers.size()},
        {"undefined", undefined},
        {"definition", "separation power of the CaloChallenge 2022 evaluation (evaluate.py, mode hist-chi): "
                       "1/2 sum (p - q)^2 / (p + q) on its binning; null where a histogram holds no shower"}};
    ctx.log("CaloChallenge (dataset " + dataset_.name + "): Etot / Einc " + fmt(powers.front().second, "%.4f") +
            ", mean over " + std::to_string(counted) + " histograms " + fmt(counted ? sum / counted : 0, "%.4f") +
            (undefined.empty() ? std::string() : "; " + std::to_string(undefined.size()) + " empty, reported as null"));
  }

  // The statistical floor: two halves of the Monte Carlo against each other; -1 without enough.
  double monteCarloFloor(StepContext& ctx) {
    if (ref_.events() < 4) return -1;
    ctx.progress(0.85, "Monte Carlo against itself");
    const std::int64_t h = ref_.events() / 2;
    const Comparison c = compare(observe(ref_.cells.slice(0, 0, h), ref_.energy.slice(0, 0, h)),
                                 observe(ref_.cells.slice(0, h, 2 * h), ref_.energy.slice(0, h, 2 * h)),
                                 static_cast<int>(cfg_.bins));
    report_["mc_vs_mc"] = c.toJson(false);
    return c.score;
  }

  // The classifier test: can a network tell them apart on per-shower observables? -1 if skipped.
  double classifierAuc(StepContext& ctx) {
    ctx.progress(0.92, "classifier test");
    try {
      const ClassifierResult cr = classifierTest(refAll_, genAll_, static_cast<std::uint64_t>(cfg_.seed));
      report_["classifier"] = {{"auc", cr.auc},
                               {"features", cr.features},
                               {"train_showers", cr.trainEvents},
                               {"test_showers", cr.testEvents},
                               {"epochs", cr.epochs},
                               {"meaning", "ROC AUC of a 64-64 MLP on held-out showers: 0.5 indistinguishable, 1 always told apart"}};
      return cr.auc;
    } catch (const std::invalid_argument& e) {
      report_["classifier"] = {{"skipped", e.what()}};
      return -1;
    }
  }

  ValidateConfig cfg_;
  std::string genFile_, refFile_;
  Showers ref_, gen_;
  VoxelGeometry geometry_;
  Binning binning_;  // CaloChallenge files only
  cc::Dataset dataset_;
  std::string geometryName_;
  std::vector<Observable> refAll_, genAll_;
  fs::path dir_;
  nlohmann::json report_;
  std::vector<std::string> plots_;
};

}  // namespace

void registerValidate(Registry& reg) {
  ComponentInfo c;
  c.classPath = "calo.Validate";
  c.doc = "Compare generated showers with Monte Carlo: CaloChallenge observables, separation power, JS, W1, report";
  c.category = "Validation";
  c.params = validateParams().schema();
  c.inputs = {{"generated", "Path", "generated showers (3DGAN or CaloChallenge file)", true},
              {"reference", "Path", "Monte Carlo showers, same layout", true}};
  c.outputs = {{"metrics", "Metrics", "score, per-observable separation power, report path", false}};
  c.factory = [](const Params& p) -> Component* { return new Validate(p); };
  reg.add(c);
}

}  // namespace tf::calo
