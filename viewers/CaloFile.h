// Calorimeter event files as the shower view reads them, one event at a time (a file of
// 10 000 events is never read whole). Recognised today: 3DGAN-style HDF5 files, with
//   ECAL   (N, nx, ny, nz) float  cell energies in GeV, nz layers along the shower
//   energy (N) or (N, 1)          primary energy in GeV (optional)
//   theta or eta (N) or (N, 1)    incidence angle in radians, or pseudorapidity (optional)
//   target (N, >= 2)               the older fixed-angle files (ECAL (N, 25, 25, 25)): energy in column 1
// CaloChallenge files (cylindrical geometry) come with the calorimeter plugin.
#pragma once

#include "ShowerGeometry.h"

#include <QString>

#include <memory>
#include <string>
#include <utility>

namespace tf::viewers {

class CaloFile {
 public:
  // Throws std::runtime_error naming the file and, for a wrong layout, the dataset and what
  // was expected.
  explicit CaloFile(const std::string& path);
  ~CaloFile();
  static bool recognises(const std::string& path);  // an HDF5 file with an ECAL dataset

  int events() const { return events_; }
  const std::string& path() const { return path_; }
  // Event i and a caption ("E = 100 GeV, theta = 90.0 deg"); throws for an index out of range.
  // Safe to call from a worker thread (reads are serialised).
  std::pair<CellGrid, QString> event(int i) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> d_;
  std::string path_;
  int events_ = 0;
};

}  // namespace tf::viewers
