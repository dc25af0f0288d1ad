#include "CaloFile.h"

#include "data/CaloBinning.h"
#include "data/ShowerFile.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <stdexcept>

namespace fs = std::filesystem;

namespace tf::viewers {

namespace {

// Dataset 1's layers differ in radial edges and angular bins. The view draws them on one
// cylinder whose radial edges are all the layers' edges together and whose angular bins divide
// every layer's: each voxel's energy is shared among the cells it covers by area, so the
// drawn density is the voxel's and the energy is conserved.
struct CommonGrid {
  std::vector<double> rEdges;
  int alphaBins = 1;
  struct Share {
    std::size_t cell;  // in the CellGrid's (r, alpha, layer) order
    float fraction;
  };
  std::vector<std::vector<Share>> voxels;  // the file's voxel order: layer, angle, radius

  explicit CommonGrid(const data::Binning& b) {
    for (const auto& l : b.layers) {
      if (l.voxels() == 0) continue;
      rEdges.insert(rEdges.end(), l.rEdges.begin(), l.rEdges.end());
      alphaBins = std::lcm(alphaBins, l.alphaBins);
    }
    std::sort(rEdges.begin(), rEdges.end());
    rEdges.erase(std::unique(rEdges.begin(), rEdges.end()), rEdges.end());
    const int nx = static_cast<int>(rEdges.size()) - 1, nz = static_cast<int>(b.layers.size());
    for (int k = 0; k < nz; ++k) {
      const auto& l = b.layers[static_cast<std::size_t>(k)];
      const int per = alphaBins / std::max(1, l.alphaBins);
      for (int a = 0; a < l.alphaBins; ++a)
        for (int r = 0; r < l.radialBins(); ++r) {
          const double r0 = l.rEdges[static_cast<std::size_t>(r)], r1 = l.rEdges[static_cast<std::size_t>(r) + 1];
          const double area = (r1 * r1 - r0 * r0) / l.alphaBins;
          std::vector<Share> shares;
          for (int i = 0; i < nx; ++i) {
            const double c0 = rEdges[static_cast<std::size_t>(i)], c1 = rEdges[static_cast<std::size_t>(i) + 1];
            if (c0 < r0 || c1 > r1) continue;
            for (int j = a * per; j < (a + 1) * per; ++j)
              shares.push_back({static_cast<std::size_t>((i * alphaBins + j) * nz + k),
                                static_cast<float>((c1 * c1 - c0 * c0) / alphaBins / area)});
          }
          voxels.push_back(std::move(shares));
        }
    }
  }
};

// Dataset 1's binning file: the one named, else binning_dataset_1_<particle>s.xml or another
// binning file whose particle has this many voxels, beside the data file or one folder up.
data::Binning findBinning(const std::string& path, std::int64_t voxels, std::string* looked) {
  const std::string particle = voxels == 368 ? "photon" : "pion";
  std::vector<fs::path> candidates;
  if (const char* named = std::getenv("TWINFORGE_CALO_BINNING")) candidates.emplace_back(named);
  const fs::path dir = fs::absolute(path).parent_path();
  for (const fs::path& d : {dir, dir.parent_path(), dir / "code"}) {
    candidates.push_back(d / ("binning_dataset_1_" + particle + "s.xml"));
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().extension() == ".xml") candidates.push_back(e.path());
  }
  for (const auto& c : candidates) {
    std::error_code ec;
    if (!fs::is_regular_file(c, ec)) continue;
    try {
      data::Binning b = data::readBinning(c.string(), particle);
      if (b.voxels() == voxels) return b;
    } catch (const std::exception&) {
    }
  }
  *looked = "TWINFORGE_CALO_BINNING, " + dir.string() + ", " + dir.parent_path().string() + " and " +
            (dir / "code").string();
  return {};
}

}  // namespace

struct CaloFile::Impl {
  explicit Impl(const std::string& path) : file(path) {}
  data::ShowerFile file;  // the one reader of shower files, shared with the calorimeter plugin
  std::mutex mu;
  const data::CylinderGeometry* cylinder = nullptr;  // CaloChallenge datasets 2 and 3
  std::unique_ptr<CommonGrid> irregular;             // dataset 1, from its binning file
  data::Binning binning;
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
    if (!d_->cylinder && (f.cellsPerEvent() == 368 || f.cellsPerEvent() == 533)) {
      std::string looked;
      d_->binning = findBinning(path, f.cellsPerEvent(), &looked);
      if (d_->binning.layers.empty())
        throw std::runtime_error("'" + path + "': " + std::to_string(f.cellsPerEvent()) + " voxels per event (" +
                                 data::describeCaloChallengeVoxels(f.cellsPerEvent()) +
                                 ") are drawn from the dataset's binning file, which was not found (looked in " +
                                 looked + "): put binning_dataset_1_" + (f.cellsPerEvent() == 368 ? "photons" : "pions") +
                                 ".xml beside the file or set TWINFORGE_CALO_BINNING to it");
      d_->irregular = std::make_unique<CommonGrid>(d_->binning);
    } else if (!d_->cylinder)
      throw std::runtime_error("'" + path + "': dataset 'showers' has " + std::to_string(f.cellsPerEvent()) +
                               " voxels per event (" + data::describeCaloChallengeVoxels(f.cellsPerEvent()) +
                               "); the viewer draws CaloChallenge datasets 1 (368 or 533 voxels, with their binning "
                               "file), 2 (6480) and 3 (40500)");
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
  if (const CommonGrid* c = d_->irregular.get()) {
    g.nx = static_cast<int>(c->rEdges.size()) - 1;
    g.ny = c->alphaBins;
    g.nz = static_cast<int>(d_->binning.layers.size());
    g.cylindrical = true;
    // Radii from 1 mm to 2 m: drawn as ln(1 + r / 1 mm), scaled so that the cylinder is about as
    // wide as it is deep, as the challenge draws dataset 1 (on a logarithmic radius).
    const double scale = g.nz / (2 * std::log1p(c->rEdges.back()));
    for (double r : c->rEdges) g.rEdges.push_back(scale * std::log1p(r));
    g.transverseUnit = "ln(1 + r/mm) scaled";
    g.e.assign(static_cast<std::size_t>(g.nx) * g.ny * g.nz, 0.0f);
    for (std::size_t v = 0; v < cells.size(); ++v)
      for (const auto& share : c->voxels[v]) g.e[share.cell] += cells[v] * share.fraction;
    return {std::move(g), QStringLiteral("E = %1 GeV, deposited %2 GeV (CaloChallenge dataset 1, %3)")
                              .arg(e0, 0, 'g', 4)
                              .arg(sum, 0, 'g', 4)
                              .arg(QString::fromStdString(d_->binning.source))};
  }
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
