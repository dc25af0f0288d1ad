#include "CaloData.h"

#include "io/Hdf5.h"
#include "io/Hdf5Tensor.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>
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
  std::vector<std::int64_t> shape{0};
  for (std::size_t i = 1; i < cells.shape.size(); ++i) {
    rowBytes *= static_cast<std::int64_t>(cells.shape[i]);
    shape.push_back(static_cast<std::int64_t>(cells.shape[i]));
  }
  // Conditions first (small), then the selection, then each selected event read once into
  // its place: contiguous runs straight from HDF5, scattered ones through one chunk buffer.
  const at::Tensor allEnergy = column(f, energyName, 0, s.fileEvents, energyColumn) * energyUnit;
  at::Tensor sel = (allEnergy >= opt.energyMin).logical_and(allEnergy <= opt.energyMax).nonzero().reshape({-1});
  if (opt.maxEvents > 0 && sel.size(0) > opt.maxEvents) sel = sel.slice(0, 0, opt.maxEvents);
  const std::int64_t k = sel.size(0);
  s.energy = allEnergy.index_select(0, sel).contiguous();
  s.theta = thetaName.empty() ? at::full({k}, static_cast<float>(M_PI / 2))
                              : column(f, thetaName, 0, s.fileEvents, 0).index_select(0, sel).contiguous();
  if (!opt.withCells) return s;
  shape[0] = k;
  s.cells = at::empty(shape, at::kFloat);
  const std::int64_t chunk = std::max<std::int64_t>(1, opt.chunkBytes / std::max<std::int64_t>(1, rowBytes));
  const auto* idx = sel.data_ptr<std::int64_t>();
  at::Tensor buffer;
  for (std::int64_t i = 0; i < k;) {
    if (opt.checkCancelled) opt.checkCancelled();
    // The events of this step: at most `chunk` selected ones within `chunk` rows of the file.
    const std::int64_t first = idx[i];
    std::int64_t j = i;
    while (j < k && j - i < chunk && idx[j] < first + chunk) ++j;
    const std::int64_t last = idx[j - 1] + 1;
    at::Tensor dst = s.cells.slice(0, i, j);
    if (last - first == j - i) {
      h5::readRowsInto(f, cellsName, first, last, dst);
    } else {
      shape[0] = last - first;
      if (!buffer.defined() || buffer.size(0) < shape[0]) buffer = at::empty(shape, at::kFloat);
      at::Tensor src = buffer.slice(0, 0, last - first);
      h5::readRowsInto(f, cellsName, first, last, src);
      at::index_select_out(dst, src, 0, sel.slice(0, i, j) - first);
    }
    i = j;
    if (opt.progress)
      opt.progress(static_cast<double>(i) / static_cast<double>(k),
                   "read " + std::to_string(i) + "/" + std::to_string(k) + " events (of " + std::to_string(s.fileEvents) +
                       " in the file)");
  }
  if (energyUnit != 1) s.cells.mul_(energyUnit);
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
