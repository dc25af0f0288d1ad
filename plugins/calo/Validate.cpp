// calo.Validate: generated showers against Monte Carlo, per energy bin, with the CaloChallenge
// observables and distances; writes report.json and SVG plots into the step's folder of the
// run, so the report lives with the run that made it.
#include "CaloComponents.h"
#include "CaloData.h"
#include "Classifier.h"
#include "Observables.h"
#include "Svg.h"

#include "dist/World.h"
#include "exec/Component.h"
#include "exec/Params.h"
#include "io/AtomicFile.h"
#include "registry/Registry.h"

#include <ATen/ATen.h>

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

class Validate : public Component {
 public:
  explicit Validate(const Params& p) : p_(p) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    Artifact metrics;
    metrics.type = "Metrics";
    if (!ctx.leader()) return {{"metrics", metrics}};
    auto pathOf = [&](const char* port, const char* param) {
      std::string f = p_.getString(param);
      if (in.count(port)) f = in.at(port).meta.value("path", f);
      if (f.empty())
        throw std::runtime_error(std::string("no ") + port + " showers: connect a step that outputs a Path or set '" +
                                 param + "'");
      return ctx.resolve(f).string();
    };
    const std::string genFile = pathOf("generated", "generated_file"), refFile = pathOf("reference", "reference_file");
    const double hit = p_.getDouble("hit_threshold");
    ReadOptions ro;
    ro.maxEvents = p_.getInt("max_events");
    ro.checkCancelled = [&] { ctx.checkCancelled(); };
    ro.progress = [&](double f, const std::string& m) { ctx.progress(0.15 * f, "Monte Carlo: " + m); };
    const Showers ref = readShowers(refFile, ro);
    ro.progress = [&](double f, const std::string& m) { ctx.progress(0.15 + 0.15 * f, "generated: " + m); };
    const Showers gen = readShowers(genFile, ro);
    if (ref.cells.dim() != gen.cells.dim() || ref.cells.sizes().slice(1) != gen.cells.sizes().slice(1))
      throw std::runtime_error("'" + genFile + "' (" + gen.format + ") and '" + refFile + "' (" + ref.format +
                               ") have different calorimeter geometries");
    if (ref.events() == 0 || gen.events() == 0)
      throw std::runtime_error("'" + (ref.events() == 0 ? refFile : genFile) + "' has no showers to compare");
    // Grids (3DGAN) are flattened; CaloChallenge voxels are placed by their binning.
    VoxelGeometry geometry;
    std::string geometryName;
    if (ref.cells.dim() == 4) {
      geometry = VoxelGeometry::grid(ref.cells.size(1), ref.cells.size(2), ref.cells.size(3));
      geometryName = "grid";
    } else {
      const auto voxels = static_cast<int>(ref.cells.size(1));
      const std::string xml = p_.getString("binning");
      const Binning b = xml.empty() ? builtInBinning(voxels) : readBinning(ctx.resolve(xml).string(), p_.getString("particle"));
      if (b.layers.empty())
        throw std::runtime_error("'" + refFile + "': " + std::to_string(voxels) +
                                 " voxels per shower; CaloChallenge files other than datasets 2 and 3 need their binning: "
                                 "set 'binning' to the dataset's binning_dataset_*.xml");
      if (b.voxels() != voxels)
        throw std::runtime_error("'" + b.source + "' describes " + std::to_string(b.voxels()) + " voxels (" +
                                 (b.particle.empty() ? std::string("first particle") : b.particle) + "), '" + refFile +
                                 "' has " + std::to_string(voxels) + " per shower");
      geometry = VoxelGeometry::cylindrical(b);
      geometryName = b.source + (b.particle.empty() ? "" : " (" + b.particle + ")");
    }
    auto observe = [&](const at::Tensor& cells, const at::Tensor& energy) {
      return computeObservables(cells.reshape({cells.size(0), -1}), energy, geometry, hit);
    };

    const int bins = static_cast<int>(p_.getInt("bins"));
    const fs::path dir = ctx.workDir();
    fs::create_directories(dir);

    auto compareRange = [&](double lo, double hi) {
      auto pick = [&](const Showers& s) {
        return s.energy.ge(lo).logical_and(s.energy.lt(hi)).nonzero().reshape({-1});
      };
      const at::Tensor ri = pick(ref), gi = pick(gen);
      Comparison c;
      if (ri.size(0) < 2 || gi.size(0) < 2) return c;
      c = compare(observe(ref.cells.index_select(0, ri), ref.energy.index_select(0, ri)),
                  observe(gen.cells.index_select(0, gi), gen.energy.index_select(0, gi)), bins);
      c.refEvents = ri.size(0);
      c.genEvents = gi.size(0);
      return c;
    };
    const std::vector<Observable> refAll = observe(ref.cells, ref.energy), genAll = observe(gen.cells, gen.energy);
    nlohmann::json report;
    report["reference"] = {{"file", refFile}, {"events", ref.events()}, {"format", ref.format}};
    report["generated"] = {{"file", genFile}, {"events", gen.events()}, {"format", gen.format}};
    report["geometry"] = geometryName;
    report["definitions"] = {
        {"separation_power", "1/2 sum (p - q)^2 / (p + q) over normalised histograms on the reference's binning"},
        {"jensen_shannon", "Jensen-Shannon divergence, base 2"},
        {"wasserstein_1", "Wasserstein-1 between the samples (profiles: over their positions)"},
        {"score", "mean separation power over observable groups (per-layer energies are one group); lower is better"}};
    ctx.progress(0.35, "comparing all showers");
    Comparison all = compare(refAll, genAll, bins);
    all.refEvents = ref.events();
    all.genEvents = gen.events();
    report["all"] = all.toJson(true);
    const std::string refName = "Monte Carlo (" + std::to_string(ref.events()) + ")";
    const std::string genName = "generated (" + std::to_string(gen.events()) + ")";
    auto writeSvg = [&](const std::string& name, const std::string& title, const Comparison& c, bool layers) {
      io::writeTextAtomic(dir / name, svgPanels(title, panelsOf(c, layers), layers ? 5 : 4, refName, genName));
      return (dir / name).string();
    };
    std::vector<std::string> plots{writeSvg("report.svg", "All showers: score " + fmt(all.score), all, false),
                                   writeSvg("layers.svg", "Energy per layer", all, true)};

    // Per energy bin.
    const auto edges = p_.getDoubleList("energy_bins");
    nlohmann::json perBin = nlohmann::json::array();
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
      ctx.checkCancelled();
      ctx.progress(0.4 + 0.4 * static_cast<double>(i) / static_cast<double>(edges.size()),
                   "energy bin " + fmt(edges[i], "%g") + "-" + fmt(edges[i + 1], "%g") + " GeV");
      const Comparison c = compareRange(edges[i], edges[i + 1]);
      nlohmann::json b = c.observables.empty() ? nlohmann::json{{"skipped", "fewer than 2 showers in one of the files"}}
                                               : c.toJson(false);
      b["energy_range_gev"] = {edges[i], edges[i + 1]};
      if (!c.observables.empty())
        plots.push_back(writeSvg("report-" + fmt(edges[i], "%g") + "-" + fmt(edges[i + 1], "%g") + "GeV.svg",
                                 fmt(edges[i], "%g") + "-" + fmt(edges[i + 1], "%g") + " GeV: score " + fmt(c.score), c,
                                 false));
      perBin.push_back(b);
    }
    report["energy_bins"] = perBin;

    // The statistical floor: two halves of the Monte Carlo against each other.
    double floor = -1;
    if (p_.getBool("mc_floor") && ref.events() >= 4) {
      ctx.progress(0.85, "Monte Carlo against itself");
      const std::int64_t h = ref.events() / 2;
      const Comparison c =
          compare(observe(ref.cells.slice(0, 0, h), ref.energy.slice(0, 0, h)),
                  observe(ref.cells.slice(0, h, 2 * h), ref.energy.slice(0, h, 2 * h)), bins);
      floor = c.score;
      report["mc_vs_mc"] = c.toJson(false);
    }
    // The classifier test: can a network tell them apart on per-shower observables?
    double auc = -1;
    if (p_.getBool("classifier")) {
      ctx.progress(0.92, "classifier test");
      try {
        const ClassifierResult cr = classifierTest(refAll, genAll, static_cast<std::uint64_t>(p_.getInt("seed")));
        auc = cr.auc;
        report["classifier"] = {{"auc", cr.auc},
                                {"features", cr.features},
                                {"train_showers", cr.trainEvents},
                                {"test_showers", cr.testEvents},
                                {"epochs", cr.epochs},
                                {"meaning", "ROC AUC of a 64-64 MLP on held-out showers: 0.5 indistinguishable, 1 always told apart"}};
      } catch (const std::invalid_argument& e) {
        report["classifier"] = {{"skipped", e.what()}};
      }
    }
    report["score"] = all.score;
    report["plots"] = plots;
    io::writeTextAtomic(dir / "report.json", report.dump(1) + "\n");
    ctx.log("validation score " + fmt(all.score, "%.4f") + " (mean separation power, 0 is perfect" +
            (floor >= 0 ? "; Monte Carlo against itself: " + fmt(floor, "%.4f") : std::string()) +
            (auc >= 0 ? "; classifier AUC " + fmt(auc) : std::string()) + "); report " + (dir / "report.json").string());

    metrics.meta = {{"score", all.score}, {"report", (dir / "report.json").string()}, {"plots", plots}};
    if (floor >= 0) metrics.meta["score_mc_vs_mc"] = floor;
    if (auc >= 0) metrics.meta["classifier_auc"] = auc;
    for (const auto& o : all.observables)
      if (o.ref.group != "layer_energy") metrics.meta["separation_" + o.ref.name] = o.d.separation;
    ctx.metric("validation_score", all.score, 0);
    return {{"metrics", metrics}};
  }

 private:
  Params p_;
};

}  // namespace

void registerValidate(Registry& reg) {
  ComponentInfo c;
  c.classPath = "calo.Validate";
  c.doc = "Compare generated showers with Monte Carlo: CaloChallenge observables, separation power, JS, W1, report";
  c.category = "Validation";
  c.params = {
      ParamSpec::Path("generated_file").withDoc("Generated showers, when no step is connected"),
      ParamSpec::Path("reference_file").withDoc("Monte Carlo showers, when no step is connected"),
      ParamSpec::Int("max_events", "2000").atLeast(0).withDoc("Showers read from each file (0: all)"),
      ParamSpec::FloatList("energy_bins", "[]").withUnit("GeV").withDoc("Edges of the energy bins compared one by one"),
      ParamSpec::Int("bins", "40").atLeast(2).withDoc("Histogram bins per observable"),
      ParamSpec::Float("hit_threshold", "1e-4").atLeast(0).withUnit("GeV").withDoc("A cell above this is hit"),
      ParamSpec::Path("binning").withDoc("CaloChallenge binning XML (needed for dataset 1; datasets 2 and 3 are built in)"),
      ParamSpec::String("particle").withDoc("Which particle's binning in that file (empty: the first)"),
      ParamSpec::Bool("classifier", true).withDoc("Also train a small network to tell the two apart and report its AUC"),
      ParamSpec::Int("seed", "1").atLeast(0).withDoc("Seed of the classifier test"),
      ParamSpec::Bool("mc_floor", true).withDoc("Also compare two halves of the Monte Carlo: the best score reachable"),
  };
  c.inputs = {{"generated", "Path", "generated showers (3DGAN or CaloChallenge file)", true},
              {"reference", "Path", "Monte Carlo showers, same layout", true}};
  c.outputs = {{"metrics", "Metrics", "score, per-observable separation power, report path", false}};
  c.factory = [](const Params& p) -> Component* { return new Validate(p); };
  reg.add(c);
}

}  // namespace tf::calo
