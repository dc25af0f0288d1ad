// Calorimeter event files as the shower view reads them, one event at a time (a file of
// 10 000 events is never read whole), through core's shower-file reader (data/ShowerFile.h):
// 3DGAN files (including the older fixed-angle ones) as Cartesian grids, and CaloChallenge
// datasets 1 (from its binning file, found beside the data), 2 and 3 as cylinders of
// (radius, angle, layer) voxels.
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
