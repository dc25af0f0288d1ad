#include "CaloData.h"

#include "io/Hdf5.h"
#include "io/Hdf5Tensor.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace tf::calo {

namespace {

std::string shapeOf(const h5::DatasetInfo& d) { return d.shapeString(); }

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("'" + path + "': " + what);
}

// A per-event scalar dataset: (N) or (N, k) taking column `column`.
at::Tensor column(const h5::File& f, const std::string& name, std::int64_t b, std::int64_t e, std::int64_t col) {
  at::Tensor t = h5::readTensor(f, name, b, e).to(at::kFloat);
  if (t.dim() == 1) return t;
  return t.reshape({t.size(0), -1}).select(1, col).contiguous();
}

void checkRows(const std::string& path, const h5::DatasetInfo& d, std::uint64_t n, const std::string& against) {
  if (d.shape.empty() || d.shape[0] != n)
    fail(path, "dataset '" + d.path + "' has shape " + shapeOf(d) + " but '" + against + "' has " + std::to_string(n) +
                   " events; expected one value per event");
}

void checkNumeric(const std::string& path, const h5::DatasetInfo& d) {
  if (d.dtype == "string" || d.dtype == "compound" || d.dtype == "other")
    fail(path, "dataset '" + d.path + "' holds " + d.dtype + " values; expected numbers");
}

}  // namespace

std::string detectFormat(const std::string& path) {
  h5::silenceErrorStack();
  h5::File f = h5::File::open(path);
  if (f.hasDataset("ECAL")) return f.hasDataset("target") && !f.hasDataset("energy") ? "3dgan-fixed-angle" : "3dgan";
  if (f.hasDataset("showers") && f.hasDataset("incident_energies")) return "calochallenge";
  return "";
}

Showers readShowers(const std::string& path, const ReadOptions& opt) {
  h5::silenceErrorStack();
  h5::File f = h5::File::open(path);
  Showers s;
  std::string cellsName, energyName, thetaName;
  std::int64_t energyColumn = 0;
  double energyUnit = 1;  // to GeV
  if (f.hasDataset("ECAL")) {
    const h5::DatasetInfo ecal = f.dataset("ECAL");
    checkNumeric(path, ecal);
    if (ecal.shape.size() != 4)
      fail(path, "dataset 'ECAL' has shape " + shapeOf(ecal) +
                     "; expected (events, x, y, layers), e.g. (N, 51, 51, 25) or (N, 25, 25, 25)");
    cellsName = "ECAL";
    if (f.hasDataset("energy")) {
      energyName = "energy";
      s.format = "3dgan";
    } else if (f.hasDataset("target")) {
      const h5::DatasetInfo t = f.dataset("target");
      if (t.shape.size() != 2 || t.shape[1] < 2)
        fail(path, "dataset 'target' has shape " + shapeOf(t) + "; expected (events, >= 2) with the energy in column 1");
      energyName = "target";
      energyColumn = 1;
      s.format = "3dgan-fixed-angle";
    } else {
      fail(path, "has 'ECAL' but no 'energy' (3DGAN) or 'target' (fixed-angle 3DGAN) dataset with the primary energies");
    }
    if (f.hasDataset("theta")) thetaName = "theta";
  } else if (f.hasDataset("showers") && f.hasDataset("incident_energies")) {
    const h5::DatasetInfo sh = f.dataset("showers");
    checkNumeric(path, sh);
    if (sh.shape.size() != 2) fail(path, "dataset 'showers' has shape " + shapeOf(sh) + "; expected (events, voxels)");
    cellsName = "showers";
    energyName = "incident_energies";
    energyUnit = 1e-3;  // MeV
    s.format = "calochallenge";
  } else {
    fail(path, "neither a 3DGAN file (dataset 'ECAL') nor a CaloChallenge file (datasets 'showers' and "
               "'incident_energies')");
  }
  const h5::DatasetInfo cells = f.dataset(cellsName);
  const auto n = cells.shape[0];
  const h5::DatasetInfo en = f.dataset(energyName);
  checkNumeric(path, en);
  checkRows(path, en, n, cellsName);
  if (!thetaName.empty()) checkRows(path, f.dataset(thetaName), n, cellsName);
  s.fileEvents = static_cast<std::int64_t>(n);

  std::int64_t rowBytes = 4;
  std::vector<std::int64_t> rowShape;
  for (std::size_t i = 1; i < cells.shape.size(); ++i) {
    rowBytes *= static_cast<std::int64_t>(cells.shape[i]);
    rowShape.push_back(static_cast<std::int64_t>(cells.shape[i]));
  }
  const std::int64_t chunk =
      opt.withCells ? std::max<std::int64_t>(1, opt.chunkBytes / std::max<std::int64_t>(1, rowBytes)) : s.fileEvents + 1;
  const std::int64_t want = opt.maxEvents > 0 ? std::min<std::int64_t>(opt.maxEvents, s.fileEvents) : s.fileEvents;

  std::vector<at::Tensor> cs, es, ts;
  std::int64_t kept = 0;
  for (std::int64_t b = 0; b < s.fileEvents && kept < want; b += chunk) {
    if (opt.checkCancelled) opt.checkCancelled();
    const std::int64_t e = std::min(s.fileEvents, b + chunk);
    at::Tensor energy = column(f, energyName, b, e, energyColumn) * energyUnit;
    at::Tensor sel = (energy >= opt.energyMin).logical_and(energy <= opt.energyMax).nonzero().reshape({-1});
    if (sel.size(0) > want - kept) sel = sel.slice(0, 0, want - kept);
    if (sel.size(0) > 0) {
      if (opt.withCells) {
        at::Tensor c = h5::readTensor(f, cellsName, b, e).to(at::kFloat);
        if (energyUnit != 1) c.mul_(energyUnit);
        cs.push_back(c.index_select(0, sel));
      }
      es.push_back(energy.index_select(0, sel));
      ts.push_back(thetaName.empty() ? at::full({sel.size(0)}, static_cast<float>(M_PI / 2))
                                     : column(f, thetaName, b, e, 0).index_select(0, sel));
      kept += sel.size(0);
    }
    if (opt.progress)
      opt.progress(static_cast<double>(e) / static_cast<double>(s.fileEvents),
                   "read " + std::to_string(e) + "/" + std::to_string(s.fileEvents) + " events, kept " +
                       std::to_string(kept));
  }
  std::vector<std::int64_t> empty{0};
  empty.insert(empty.end(), rowShape.begin(), rowShape.end());
  if (opt.withCells) s.cells = cs.empty() ? at::zeros(empty, at::kFloat) : at::cat(cs);
  s.energy = es.empty() ? at::zeros({0}, at::kFloat) : at::cat(es);
  s.theta = ts.empty() ? at::zeros({0}, at::kFloat) : at::cat(ts);
  return s;
}

namespace {

template <typename Fill>
void writeAtomically(const std::string& path, Fill fill) {
  const fs::path p(path);
  if (!p.parent_path().empty()) fs::create_directories(p.parent_path());
  const std::string tmp = path + ".tmp";
  h5::silenceErrorStack();
  {
    h5::File f = h5::File::create(tmp);
    fill(f);
  }
  fs::rename(tmp, path);
}

}  // namespace

void write3dgan(const std::string& path, const Showers& s, const std::string& generator) {
  if (s.cells.dim() != 4) throw std::runtime_error("write3dgan: expected cells (events, x, y, layers)");
  writeAtomically(path, [&](h5::File& f) {
    h5::writeTensor(f, "ECAL", s.cells.to(at::kFloat).contiguous());
    h5::writeTensor(f, "energy", s.energy.to(at::kFloat).contiguous());
    h5::writeTensor(f, "theta", s.theta.to(at::kFloat).contiguous());
    f.setAttribute("/", "generator", generator);
    f.setAttribute("/", "units", "ECAL and energy in GeV, theta in radians");
  });
}

void writeCaloChallenge(const std::string& path, const Showers& s, const std::string& generator) {
  at::Tensor flat = s.cells.to(at::kFloat);
  std::string grid = "cylindrical (CaloChallenge binning)";
  if (flat.dim() == 4) {  // (N, x, y, z) -> layer slowest: (N, z, x, y)
    std::ostringstream g;
    g << "cartesian " << flat.size(1) << " x " << flat.size(2) << " x " << flat.size(3)
      << " (x, y, layers), flattened layer slowest, then x, then y";
    grid = g.str();
    flat = flat.permute({0, 3, 1, 2});
  }
  flat = flat.reshape({flat.size(0), -1}).mul(1e3).contiguous();  // GeV -> MeV
  writeAtomically(path, [&](h5::File& f) {
    h5::writeTensor(f, "showers", flat);
    h5::writeTensor(f, "incident_energies", s.energy.to(at::kFloat).mul(1e3).reshape({-1, 1}).contiguous());
    f.setAttribute("/", "generator", generator);
    f.setAttribute("/", "units", "MeV");
    f.setAttribute("/", "geometry", grid);
  });
}

}  // namespace tf::calo
