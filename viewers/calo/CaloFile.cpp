#include "CaloFile.h"

#include "data/ShowerFile.h"

#include <cmath>
#include <mutex>
#include <stdexcept>

namespace tf::viewers {

struct CaloFile::Impl {
  explicit Impl(const std::string& path) : file(path) {}
  data::ShowerFile file;  // the one reader of shower files, shared with the calorimeter plugin
  std::mutex mu;
  const data::CylinderGeometry* cylinder = nullptr;  // CaloChallenge datasets 2 and 3
};

bool CaloFile::recognises(const std::string& path) {
  try {
    return data::ShowerFile::detect(path) != data::ShowerFormat::None;
  } catch (const std::exception&) {
    return false;
  }
}

CaloFile::CaloFile(const std::string& path) : path_(path) {
  d_ = std::make_unique<Impl>(path);
  const data::ShowerFile& f = d_->file;
  if (f.format() == data::ShowerFormat::CaloChallenge) {
    d_->cylinder = data::caloChallengeGeometry(f.cellsPerEvent());
    if (!d_->cylinder)
      throw std::runtime_error("'" + path + "': dataset 'showers' has " + std::to_string(f.cellsPerEvent()) +
                               " voxels per event (" + data::describeCaloChallengeVoxels(f.cellsPerEvent()) +
                               "); the viewer draws the regular geometries of CaloChallenge datasets 2 (6480 voxels) "
                               "and 3 (40500)");
  }
  events_ = static_cast<int>(f.events());
}

CaloFile::~CaloFile() = default;

std::pair<CellGrid, QString> CaloFile::event(int i) const {
  if (i < 0 || i >= events_)
    throw std::runtime_error("event " + std::to_string(i) + " is out of range: the file has " +
                             std::to_string(events_) + " events (0.." + std::to_string(events_ - 1) + ")");
  std::lock_guard<std::mutex> lock(d_->mu);
  const data::ShowerFile& f = d_->file;
  std::vector<float> cells(static_cast<std::size_t>(f.cellsPerEvent()));
  f.readCells(i, i + 1, cells.data());
  const double e0 = f.energies(i, i + 1).front();
  double sum = 0;
  for (float x : cells) sum += x;
  CellGrid g;
  if (const data::CylinderGeometry* c = d_->cylinder) {
    // (layer, angle, radius) -> the grid's (radius, angle, layer).
    g.nx = c->radialBins;
    g.ny = c->alphaBins;
    g.nz = c->layers;
    g.cylindrical = true;
    for (int r = 0; r <= c->radialBins; ++r) g.rEdges.push_back(c->rMax * r / c->radialBins);
    g.e.resize(cells.size());
    for (int l = 0; l < g.nz; ++l)
      for (int a = 0; a < g.ny; ++a)
        for (int r = 0; r < g.nx; ++r)
          g.e[static_cast<std::size_t>((r * g.ny + a) * g.nz + l)] = cells[static_cast<std::size_t>((l * g.ny + a) * g.nx + r)];
    return {std::move(g), QStringLiteral("E = %1 GeV, deposited %2 GeV (CaloChallenge)").arg(e0, 0, 'g', 4).arg(sum, 0, 'g', 4)};
  }
  g.nx = static_cast<int>(f.eventShape()[0]);
  g.ny = static_cast<int>(f.eventShape()[1]);
  g.nz = static_cast<int>(f.eventShape()[2]);
  g.e = std::move(cells);
  QString caption = QStringLiteral("E = %1 GeV").arg(e0, 0, 'g', 4);
  if (f.angleDataset() == "theta")
    caption += QStringLiteral(", θ = %1°").arg(f.angles(i, i + 1).front() * 180.0 / M_PI, 0, 'f', 1);
  else if (f.angleDataset() == "eta")
    caption += QStringLiteral(", η = %1").arg(f.angles(i, i + 1).front(), 0, 'f', 3);
  caption += QStringLiteral(", deposited %1 GeV").arg(sum, 0, 'g', 4);
  return {std::move(g), caption};
}

}  // namespace tf::viewers
