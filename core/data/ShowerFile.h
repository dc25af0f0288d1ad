// The one reader of calorimeter shower files, in the layouts physicists use; the calorimeter
// plugin (training, generation, validation, `twinforge-run info`) and the shower viewer both
// read through it. Qt- and torch-free. Energies come out in GeV and angles in radians,
// whatever the file stores.
//   3DGAN:             ECAL (N, x, y, layers) float cell energies in GeV, energy (N) or (N, 1)
//                      GeV, theta (N) rad or eta (N) (optional; 51 x 51 x 25 cells)
//   3DGAN fixed-angle: ECAL (N, 25, 25, 25) and target (N, >= 2) with the energy in column 1;
//                      the incidence angle is then 90 degrees
//   CaloChallenge:     incident_energies (N, 1) and showers (N, voxels), both in MeV; datasets
//                      2 and 3 have the regular cylindrical geometries below, dataset 1 needs
//                      its binning XML
#pragma once

#include "io/Hdf5.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tf::data {

enum class ShowerFormat { None, ThreeDGan, ThreeDGanFixedAngle, CaloChallenge };
const char* showerFormatName(ShowerFormat f);  // "3dgan", "3dgan-fixed-angle", "calochallenge", ""

// The regular cylindrical geometries of CaloChallenge datasets 2 and 3: layers of (angle,
// radius) voxels, uniform in radius out to 41.85 mm (the challenge's binning_dataset_2/3.xml).
struct CylinderGeometry {
  int dataset;  // 2 or 3
  int layers, alphaBins, radialBins;
  double rMax;  // mm
  std::int64_t voxels() const { return static_cast<std::int64_t>(layers) * alphaBins * radialBins; }
  std::string describe() const;  // "dataset 2: 45 layers x 16 angular x 9 radial bins"
};
const std::vector<CylinderGeometry>& caloChallengeGeometries();
// The geometry with this many voxels per shower, or null.
const CylinderGeometry* caloChallengeGeometry(std::int64_t voxels);
// What a CaloChallenge file with this many voxels is: a geometry, dataset 1's photons or pions
// (368, 533 voxels: binning from its XML file), or "unknown binning".
std::string describeCaloChallengeVoxels(std::int64_t voxels);

class ShowerFile {
 public:
  // The layout of an HDF5 file (None when neither); throws only for an unreadable file.
  static ShowerFormat detect(const std::string& path);
  // Opens and checks the layout: shapes, numeric types, one value per event. Throws
  // std::runtime_error naming the file, the dataset and what was expected.
  explicit ShowerFile(const std::string& path);

  const std::string& path() const { return file_.path(); }
  ShowerFormat format() const { return format_; }
  std::int64_t events() const { return events_; }
  // Shape of one event: (x, y, layers) for 3DGAN, (voxels) for CaloChallenge.
  const std::vector<std::int64_t>& eventShape() const { return eventShape_; }
  std::int64_t cellsPerEvent() const;
  const std::string& cellsDataset() const { return cells_; }  // ECAL or showers
  double cellsToGeV() const { return toGeV_; }                 // 1, or 1e-3 for MeV files
  const char* storedUnit() const { return toGeV_ == 1 ? "GeV" : "MeV"; }
  // The incidence angle's dataset: "theta" (radians), "eta" (pseudorapidity) or "".
  const std::string& angleDataset() const { return angle_; }

  // Primary energies in GeV of events [begin, end) (end -1: to the last).
  // Primary energies in GeV, or as the file stores them (MeV for CaloChallenge) when !inGeV.
  std::vector<float> energies(std::int64_t begin = 0, std::int64_t end = -1, bool inGeV = true) const;
  // The angle dataset's values of events [begin, end); 90 degrees for files without one.
  std::vector<float> angles(std::int64_t begin = 0, std::int64_t end = -1) const;
  // Cell energies in GeV of events [begin, end), event after event, into `out`
  // (cellsPerEvent() * (end - begin) floats).
  void readCells(std::int64_t begin, std::int64_t end, float* out) const;
  const h5::File& file() const { return file_; }

 private:
  std::int64_t clampEnd(std::int64_t end) const { return end < 0 ? events_ : end; }
  h5::File file_;
  ShowerFormat format_ = ShowerFormat::None;
  std::int64_t events_ = 0;
  std::vector<std::int64_t> eventShape_;
  std::string cells_, energy_, angle_;
  std::int64_t energyColumn_ = 0;
  double toGeV_ = 1;
};

}  // namespace tf::data
