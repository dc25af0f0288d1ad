#include "data/ShowerFile.h"

#include <cmath>
#include <stdexcept>

namespace tf::data {

const char* showerFormatName(ShowerFormat f) {
  switch (f) {
    case ShowerFormat::ThreeDGan: return "3dgan";
    case ShowerFormat::ThreeDGanFixedAngle: return "3dgan-fixed-angle";
    case ShowerFormat::CaloChallenge: return "calochallenge";
    case ShowerFormat::None: break;
  }
  return "";
}

std::string CylinderGeometry::describe() const {
  return "dataset " + std::to_string(dataset) + ": " + std::to_string(layers) + " layers x " +
         std::to_string(alphaBins) + " angular x " + std::to_string(radialBins) + " radial bins";
}

const std::vector<CylinderGeometry>& caloChallengeGeometries() {
  static const std::vector<CylinderGeometry> g{{2, 45, 16, 9, 41.85}, {3, 45, 50, 18, 41.85}};
  return g;
}

const CylinderGeometry* caloChallengeGeometry(std::int64_t voxels) {
  for (const auto& g : caloChallengeGeometries())
    if (g.voxels() == voxels) return &g;
  return nullptr;
}

std::string describeCaloChallengeVoxels(std::int64_t voxels) {
  if (const CylinderGeometry* g = caloChallengeGeometry(voxels)) return g->describe();
  if (voxels == 368) return "dataset 1 (photons): binning from its XML file";
  if (voxels == 533) return "dataset 1 (pions): binning from its XML file";
  return "unknown binning";
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("'" + path + "': " + what);
}

void checkNumeric(const std::string& path, const h5::DatasetInfo& d) {
  if (d.dtype == "string" || d.dtype == "compound" || d.dtype == "other")
    fail(path, "dataset '" + d.path + "' holds " + d.dtype + " values; expected numbers");
}

// One value per event: (N) or (N, 1); or, for the fixed-angle files' `target`, (N, >= 2)
// with the energy in column 1.
void checkPerEvent(const std::string& path, const h5::File& f, const std::string& name, std::uint64_t n,
                   const std::string& cells, bool target = false) {
  const h5::DatasetInfo d = f.dataset(name);
  checkNumeric(path, d);
  const bool rows = !d.shape.empty() && d.shape[0] == n;
  const bool cols = target ? d.shape.size() == 2 && d.shape[1] >= 2
                           : d.shape.size() == 1 || (d.shape.size() == 2 && d.shape[1] == 1);
  if (target && !cols)
    fail(path, "dataset 'target' has shape " + d.shapeString() + "; expected (events, >= 2) with the energy in column 1");
  if (!rows || !cols)
    fail(path, "dataset '" + d.path + "' has shape " + d.shapeString() + " but '" + cells + "' has " + std::to_string(n) +
                   " events; expected one value per event: (" + std::to_string(n) + ") or (" + std::to_string(n) + ", 1)");
}

}  // namespace

ShowerFormat ShowerFile::detect(const std::string& path) {
  h5::silenceErrorStack();
  const h5::File f = h5::File::open(path);
  if (f.hasDataset("ECAL"))
    return f.hasDataset("target") && !f.hasDataset("energy") ? ShowerFormat::ThreeDGanFixedAngle : ShowerFormat::ThreeDGan;
  if (f.hasDataset("showers") && f.hasDataset("incident_energies")) return ShowerFormat::CaloChallenge;
  return ShowerFormat::None;
}

namespace {

// A damaged header can declare any size; products of it must not overflow (found by
// fuzz_shower_file: a 12 KB file whose cells per event overflowed a 64-bit integer).
void checkSizes(const std::string& path, const h5::DatasetInfo& cells) {
  constexpr std::uint64_t kMaxCells = std::uint64_t{1} << 31;  // per event; real ones: < 100 000
  std::uint64_t perEvent = 1;
  for (std::size_t i = 1; i < cells.shape.size(); ++i)
    if (__builtin_mul_overflow(perEvent, cells.shape[i], &perEvent) || perEvent > kMaxCells)
      fail(path, "dataset '" + cells.path + "' has shape " + cells.shapeString() +
                     ": more cells per event than a calorimeter has (at most 2^31); the file is damaged");
  if (cells.shape[0] > (std::uint64_t{1} << 48))
    fail(path, "dataset '" + cells.path + "' has shape " + cells.shapeString() +
                   ": more events than any file can hold; the file is damaged");
}

}  // namespace

ShowerFile::ShowerFile(const std::string& path) {
  h5::silenceErrorStack();
  file_ = h5::File::open(path);
  if (file_.hasDataset("ECAL")) {
    const h5::DatasetInfo ecal = file_.dataset("ECAL");
    checkNumeric(path, ecal);
    if (ecal.shape.size() != 4)
      fail(path, "dataset 'ECAL' has shape " + ecal.shapeString() +
                     "; expected (events, x, y, layers), e.g. (N, 51, 51, 25) or (N, 25, 25, 25)");
    cells_ = "ECAL";
    if (file_.hasDataset("energy")) {
      energy_ = "energy";
      format_ = ShowerFormat::ThreeDGan;
    } else if (file_.hasDataset("target")) {
      energy_ = "target";
      energyColumn_ = 1;
      format_ = ShowerFormat::ThreeDGanFixedAngle;
    } else {
      fail(path, "has 'ECAL' but no 'energy' (3DGAN) or 'target' (fixed-angle 3DGAN) dataset with the primary energies");
    }
    if (file_.hasDataset("theta"))
      angle_ = "theta";
    else if (file_.hasDataset("eta"))
      angle_ = "eta";
  } else if (file_.hasDataset("showers") && file_.hasDataset("incident_energies")) {
    const h5::DatasetInfo sh = file_.dataset("showers");
    checkNumeric(path, sh);
    if (sh.shape.size() != 2) fail(path, "dataset 'showers' has shape " + sh.shapeString() + "; expected (events, voxels)");
    cells_ = "showers";
    energy_ = "incident_energies";
    toGeV_ = 1e-3;  // MeV
    format_ = ShowerFormat::CaloChallenge;
  } else {
    fail(path, "neither a 3DGAN file (dataset 'ECAL') nor a CaloChallenge file (datasets 'showers' and "
               "'incident_energies')");
  }
  const h5::DatasetInfo cells = file_.dataset(cells_);
  checkSizes(path, cells);
  events_ = static_cast<std::int64_t>(cells.shape[0]);
  for (std::size_t i = 1; i < cells.shape.size(); ++i) eventShape_.push_back(static_cast<std::int64_t>(cells.shape[i]));
  checkPerEvent(path, file_, energy_, cells.shape[0], cells_, energyColumn_ == 1);
  if (!angle_.empty()) checkPerEvent(path, file_, angle_, cells.shape[0], cells_);
}

std::int64_t ShowerFile::cellsPerEvent() const {
  std::int64_t n = 1;
  for (auto d : eventShape_) n *= d;
  return n;
}

std::vector<float> ShowerFile::energies(std::int64_t begin, std::int64_t end, bool inGeV) const {
  end = clampEnd(end);
  const std::vector<float> raw = h5::readFloats(file_, energy_, begin, end);
  const std::size_t n = static_cast<std::size_t>(end - begin), cols = n ? raw.size() / n : 1;
  const double scale = inGeV ? toGeV_ : 1.0;
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<float>(raw[i * cols + static_cast<std::size_t>(energyColumn_)] * scale);
  return out;
}

std::vector<float> ShowerFile::angles(std::int64_t begin, std::int64_t end) const {
  end = clampEnd(end);
  if (angle_.empty()) return std::vector<float>(static_cast<std::size_t>(end - begin), static_cast<float>(M_PI / 2));
  return h5::readFloats(file_, angle_, begin, end);
}

void ShowerFile::readCells(std::int64_t begin, std::int64_t end, float* out) const {
  const std::size_t n = static_cast<std::size_t>(cellsPerEvent() * (end - begin));
  h5::readRows(file_, cells_, begin, end, H5T_NATIVE_FLOAT, out, n);
  if (toGeV_ != 1)
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(out[i] * toGeV_);
}

}  // namespace tf::data
