#include "CaloData.h"

#include "data/ShowerFile.h"
#include "io/Hdf5.h"
#include "io/Hdf5Tensor.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <new>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace fs = std::filesystem;

namespace tf::calo {

std::string detectFormat(const std::string& path) { return data::showerFormatName(data::ShowerFile::detect(path)); }

Showers readShowers(const std::string& path, const ReadOptions& opt) {
  const data::ShowerFile file(path);  // checks the layout, names what is wrong
  Showers s;
  s.format = data::showerFormatName(file.format());
  s.fileEvents = file.events();
  const std::vector<float> energies = file.energies();
  const at::Tensor allEnergy = at::from_blob(const_cast<float*>(energies.data()), {s.fileEvents}, at::kFloat).clone();
  // Conditions first (small), then the selection, then each selected event read once into
  // its place: contiguous runs straight from HDF5, scattered ones through one chunk buffer.
  at::Tensor sel = (allEnergy >= opt.energyMin).logical_and(allEnergy <= opt.energyMax).nonzero().reshape({-1});
  if (opt.maxEvents > 0 && sel.size(0) > opt.maxEvents) sel = sel.slice(0, 0, opt.maxEvents);
  const std::int64_t k = sel.size(0);
  s.energy = allEnergy.index_select(0, sel).contiguous();
  const bool keepUnits = opt.fileUnits && file.cellsToGeV() != 1;
  if (keepUnits) {
    const std::vector<float> stored = file.energies(0, -1, false);
    s.energy = at::from_blob(const_cast<float*>(stored.data()), {s.fileEvents}, at::kFloat).index_select(0, sel).contiguous();
    s.toGeV = file.cellsToGeV();
  }
  if (file.angleDataset() == "theta") {
    const std::vector<float> th = file.angles();
    s.theta = at::from_blob(const_cast<float*>(th.data()), {s.fileEvents}, at::kFloat).index_select(0, sel).contiguous();
  } else {
    s.theta = at::full({k}, static_cast<float>(M_PI / 2));
  }
  if (!opt.withCells) return s;
  std::vector<std::int64_t> shape{k};
  for (auto d : file.eventShape()) shape.push_back(d);
  const std::int64_t rowBytes = 4 * file.cellsPerEvent();
  const double gib = static_cast<double>(k) * static_cast<double>(rowBytes) / (1ull << 30);
  // More than the machine's memory is refused up front (with overcommit the allocation itself
  // could succeed and the reading be killed later); what it cannot allocate, too.
  const double physical = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGESIZE));
  try {
    if (physical > 0 && static_cast<double>(k) * static_cast<double>(rowBytes) > physical) throw std::bad_alloc();
    s.cells = at::empty(shape, at::kFloat);
  } catch (const std::exception&) {
    char need[32];
    std::snprintf(need, sizeof need, "%.1f", gib);
    throw std::runtime_error("'" + path + "': the " + std::to_string(k) + " selected showers need " + need +
                             " GiB of memory, more than is available; select fewer with the reader's `events` or "
                             "`energy_min`/`energy_max`");
  }
  const std::string& cellsName = file.cellsDataset();
  const h5::File& f = file.file();
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
  if (file.cellsToGeV() != 1 && !keepUnits) s.cells.mul_(file.cellsToGeV());
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
