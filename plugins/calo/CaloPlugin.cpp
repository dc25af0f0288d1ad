// plugins/calo: the calorimeter digital twin (CERN's 3DGAN use case). This file: calo.ToyMC,
// the toy Monte Carlo that writes 3DGAN-style files offline, calo.ShowerReader, and
// `twinforge-run info` for 3DGAN and CaloChallenge files. The 3DGAN itself is in Gan3dModel.cpp
// (networks, saving, loading), GanTrainer.cpp and Generate.cpp; the validation in Validate.cpp.
#include "CaloComponents.h"
#include "CaloData.h"

#include "ToyShowerModel.h"
#include "data/ShowerFile.h"
#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "io/Hdf5.h"
#include "io/Hdf5Tensor.h"
#include "registry/Plugin.h"

#include <ATen/ATen.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <ostream>
#include <random>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;

namespace {

// calo.ToyMC: N toy showers with energies uniform in [energy_min, energy_max] GeV and angles
// uniform in [theta_min, theta_max] degrees, written as a 3DGAN file (ECAL, energy, theta).
struct ToyMcConfig {
  std::string file = "data/calo-toy.h5";
  std::int64_t events = 1000;
  double energyMin = 10, energyMax = 200;  // GeV
  double thetaMin = 60, thetaMax = 120;    // degrees
  std::uint64_t seed = 1;
  bool overwrite = true;
};

const tf::ParamDecls<ToyMcConfig>& toyMcParams() {
  static const tf::ParamDecls<ToyMcConfig> d = [] {
    using C = ToyMcConfig;
    tf::ParamDecls<C> d;
    d.path("file", &C::file).withDoc("Output file; relative paths are taken from the workspace");
    d.add("events", &C::events).atLeast(1).withDoc("Number of showers");
    d.add("energy_min", &C::energyMin).range(2, 500).withUnit("GeV").withDoc("Lowest primary energy");
    d.add("energy_max", &C::energyMax).range(2, 500).withUnit("GeV").withDoc("Highest primary energy");
    d.add("theta_min", &C::thetaMin).range(0, 180).withUnit("deg").withDoc("Smallest incidence angle");
    d.add("theta_max", &C::thetaMax).range(0, 180).withUnit("deg").withDoc("Largest incidence angle");
    d.add("seed", &C::seed).withDoc("Random seed; the same seed gives the same file");
    d.add("overwrite", &C::overwrite)
        .withDoc("Regenerate when the file exists; false keeps a file made with the same settings");
    return d;
  }();
  return d;
}

class ToyMC : public tf::Component {
 public:
  explicit ToyMC(const tf::Params& p) : cfg_(toyMcParams().parse(p)) {}

  tf::Artifacts run(tf::StepContext& ctx, const tf::Artifacts&) override {
    fs::path path = cfg_.file;
    path = ctx.resolve(path);
    const auto n = static_cast<hsize_t>(cfg_.events);
    const double e0 = cfg_.energyMin, e1 = cfg_.energyMax;
    const double t0 = cfg_.thetaMin, t1 = cfg_.thetaMax;
    if (e1 < e0) throw std::runtime_error("energy_max (" + std::to_string(e1) + ") is below energy_min");
    if (t1 < t0) throw std::runtime_error("theta_max (" + std::to_string(t1) + ") is below theta_min");
    const auto seed = static_cast<std::uint64_t>(cfg_.seed);

    tf::Artifact out;
    out.type = "Path";
    out.meta = {{"path", path.string()}, {"format", "3dgan"}, {"events", n}};
    if (!ctx.leader()) return {{"path", out}};  // rank 0 writes; the executor waits for it
    // What the file is made of: with overwrite false an existing file is kept only when it was
    // made from exactly these settings, so changing `events` or `seed` never reuses stale data.
    std::ostringstream recipe;
    recipe << "events=" << n << " energy=" << e0 << "-" << e1 << " theta=" << t0 << "-" << t1 << " seed=" << seed;
    if (fs::exists(path) && !cfg_.overwrite) {
      std::string existing;
      try {
        tf::h5::silenceErrorStack();
        existing = tf::h5::File::open(path.string()).attributes("/")["recipe"];
      } catch (const std::exception&) {
      }
      if (existing == recipe.str()) {
        ctx.log("keeping existing " + path.string() + " (made with the same settings; overwrite: false)");
        return {{"path", out}};
      }
      ctx.log("remaking " + path.string() + ": it was made with other settings (" +
              (existing.empty() ? std::string("unknown") : existing) + ")");
    }
    fs::create_directories(path.parent_path().empty() ? fs::path(".") : path.parent_path());
    const fs::path tmp = path.string() + ".tmp";
    tf::h5::silenceErrorStack();
    {
      tf::h5::File f = tf::h5::File::create(tmp.string());
      tf::h5::RowWriter ecal(f, "ECAL", {n, 51, 51, 25});
      std::mt19937_64 rng(seed);
      std::uniform_real_distribution<double> energy(e0, e1), theta(t0, t1);
      std::vector<float> energies, thetas;
      for (hsize_t i = 0; i < n; ++i) {
        ctx.checkCancelled();
        const double e = energy(rng), t = theta(rng);
        const std::vector<float> cells = tf::calo::toyShower(e, t, seed * 1000003ull + i);
        ecal.write(i, cells.data());
        energies.push_back(static_cast<float>(e));
        thetas.push_back(static_cast<float>(t * M_PI / 180.0));
        if ((i + 1) % 50 == 0 || i + 1 == n)
          ctx.progress(static_cast<double>(i + 1) / static_cast<double>(n),
                       std::to_string(i + 1) + "/" + std::to_string(n) + " showers");
      }
      tf::h5::writeTensor(f, "energy", at::tensor(energies));
      tf::h5::writeTensor(f, "theta", at::tensor(thetas));
      f.setAttribute("/", "generator", "TwinForge calo.ToyMC");
      f.setAttribute("/", "seed", static_cast<double>(seed));
      f.setAttribute("/", "recipe", recipe.str());
      f.setAttribute("/", "units", "ECAL and energy in GeV, theta in radians");
    }
    fs::rename(tmp, path);
    ctx.log("wrote " + std::to_string(n) + " toy showers (" + std::to_string(e0) + "-" + std::to_string(e1) +
            " GeV) to " + path.string());
    return {{"path", out}};
  }

 private:
  ToyMcConfig cfg_;
};

// calo.ShowerReader: showers and their conditions from a 3DGAN or CaloChallenge file, read in
// chunks (only the selected events are kept), as a Dataset: x the cells, y (energy GeV, angle rad).
struct ShowerReaderConfig {
  std::string file;
  std::int64_t events = 0;
  double energyMin = 0, energyMax = 1e6;  // GeV
};

const tf::ParamDecls<ShowerReaderConfig>& showerReaderParams() {
  static const tf::ParamDecls<ShowerReaderConfig> d = [] {
    using C = ShowerReaderConfig;
    tf::ParamDecls<C> d;
    d.path("file", &C::file).withDoc("Shower file, when no step is connected; relative to the workspace");
    d.add("events", &C::events).atLeast(0).withDoc("Keep at most this many showers (0: all)");
    d.add("energy_min", &C::energyMin).atLeast(0).withUnit("GeV").withDoc("Skip showers below this energy");
    d.add("energy_max", &C::energyMax).atLeast(0).withUnit("GeV").withDoc("Skip showers above this energy");
    return d;
  }();
  return d;
}

class ShowerReader : public tf::Component {
 public:
  explicit ShowerReader(const tf::Params& p) : cfg_(showerReaderParams().parse(p)) {}

  tf::Artifacts run(tf::StepContext& ctx, const tf::Artifacts& in) override {
    std::string file = cfg_.file;
    if (in.count("path")) file = in.at("path").meta.value("path", file);
    if (file.empty()) throw std::runtime_error("no file: set 'file' or connect a step that outputs a Path");
    fs::path path = file;
    path = ctx.resolve(path);
    tf::calo::ReadOptions ro;
    ro.maxEvents = cfg_.events;
    ro.energyMin = cfg_.energyMin;
    ro.energyMax = cfg_.energyMax;
    ro.progress = [&](double f, const std::string& m) { ctx.progress(f, m); };
    ro.checkCancelled = [&] { ctx.checkCancelled(); };
    tf::calo::Showers s = tf::calo::readShowers(path.string(), ro);
    if (s.events() == 0)
      throw std::runtime_error("'" + path.string() + "': none of its " + std::to_string(s.fileEvents) +
                               " showers has a primary energy in [" + std::to_string(ro.energyMin) + ", " +
                               std::to_string(ro.energyMax) + "] GeV");
    tf::Artifact ds;
    ds.type = "Dataset";
    ds.tensors["x"] = s.cells;
    ds.tensors["y"] = at::stack({s.energy, s.theta}, 1);
    ds.meta = {{"source", path.string()}, {"format", s.format}, {"samples", s.events()},
               {"file_events", s.fileEvents}, {"y_columns", {"energy_gev", "theta_rad"}}};
    ctx.log("read " + std::to_string(s.events()) + " of " + std::to_string(s.fileEvents) + " showers (" + s.format +
            ") from " + path.string());
    return {{"dataset", ds}};
  }

 private:
  ShowerReaderConfig cfg_;
};

// `twinforge-run info`: 3DGAN and CaloChallenge files, through the shower-file reader.
bool inspect(const std::string& path, std::ostream& out) {
  if (!tf::h5::isHdf5(path) || tf::data::ShowerFile::detect(path) == tf::data::ShowerFormat::None) return false;
  const tf::data::ShowerFile file(path);
  auto range = [](const std::vector<float>& v, double scale, const char* unit) {
    if (v.empty()) return std::string("(no events)");
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    std::ostringstream s;
    s << *lo * scale << " to " << *hi * scale << " " << unit;
    return s.str();
  };
  const auto& shape = file.eventShape();
  const auto info = file.file().dataset(file.cellsDataset());
  auto attrs = file.file().attributes("/");
  if (file.format() == tf::data::ShowerFormat::CaloChallenge) {
    out << "Format: CaloChallenge showers (plugin calo)\n"
        << "  events: " << file.events() << ", voxels: " << shape[0] << " ("
        << tf::data::describeCaloChallengeVoxels(shape[0]) << ")\n"
        << "  incident energy: " << range(file.energies(), 1, "GeV") << "\n"
        << "  units: the file stores " << file.storedUnit() << " (showers and incident_energies); TwinForge reads them as GeV\n";
    if (attrs.count("geometry")) out << "  geometry: " << attrs["geometry"] << "\n";
    if (attrs.count("generator")) out << "  generator: " << attrs["generator"] << "\n";
  } else {
    const bool fixed = file.format() == tf::data::ShowerFormat::ThreeDGanFixedAngle;
    out << "Format: 3DGAN calorimeter showers" << (fixed ? " (older fixed-angle layout)" : "") << " (plugin calo)\n"
        << "  events: " << file.events() << ", cells: " << shape[0] << " x " << shape[1] << " x " << shape[2]
        << " (x, y, layers), " << info.dtype << "\n"
        << "  primary energy: " << range(file.energies(), 1, "GeV") << (fixed ? " (from target column 1)" : "") << "\n";
    if (file.angleDataset() == "theta")
      out << "  theta: " << range(file.angles(), 180 / M_PI, "degrees") << "\n";
    else if (file.angleDataset() == "eta")
      out << "  eta: " << range(file.angles(), 1, "") << "\n";
    else if (fixed)
      out << "  theta: 90 degrees for every shower (fixed-angle file)\n";
    if (attrs.count("generator"))
      out << "  generator: " << attrs["generator"] << (attrs.count("seed") ? ", seed " + attrs["seed"] : std::string()) << "\n";
  }
  out << "Datasets:\n";
  tf::h5::printDatasets(file.file(), out);
  return true;
}

}  // namespace

void tf::calo::registerData(tf::Registry& reg) {
  tf::ComponentInfo c;
  c.classPath = "calo.ToyMC";
  c.doc = "Toy Monte Carlo of electromagnetic showers in a 51x51x25 calorimeter, written as a 3DGAN file";
  c.category = "Data";
  c.params = toyMcParams().schema();
  c.outputs = {{"path", "Path", "the 3DGAN file written", false}};
  c.factory = [](const tf::Params& p) -> tf::Component* { return new ToyMC(p); };
  reg.add(c);

  tf::ComponentInfo r;
  r.classPath = "calo.ShowerReader";
  r.doc = "Read calorimeter showers (3DGAN or CaloChallenge file) in chunks into a dataset";
  r.category = "Data";
  r.params = showerReaderParams().schema();
  r.inputs = {{"path", "Path", "a shower file", true}};
  r.outputs = {{"dataset", "Dataset", "x: cells (GeV), y: energy (GeV) and angle (rad)", false}};
  r.factory = [](const tf::Params& p) -> tf::Component* { return new ShowerReader(p); };
  r.recomputable = true;  // showers stay in their file, not a second time in every run
  reg.add(r);
  reg.addFileInspector({"calorimeter showers (3DGAN, CaloChallenge)", "", inspect});
}

TWINFORGE_PLUGIN(calo) {
  tf::calo::registerData(reg);
  tf::calo::registerGanTrainer(reg);
  tf::calo::registerGenerate(reg);
  tf::calo::registerValidate(reg);
  tf::calo::registerItwinai3dgan(reg);
}
