// Calorimeter shower files in the two layouts physicists use, read in chunks of events so a
// file larger than memory streams through (only the events asked for are kept), and written
// back. Energies in GeV and angles in radians in memory, whatever the file's units.
//   3DGAN:        ECAL (N, 51, 51, 25) float cell energies, energy (N) GeV, theta (N) rad;
//                 the older fixed-angle files: ECAL (N, 25, 25, 25) and target (N, >=2), energy
//                 in column 1 (theta is then 90 degrees).
//   CaloChallenge: incident_energies (N, 1) and showers (N, voxels), both in MeV.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tf::calo {

struct Showers {
  at::Tensor cells;   // (N, nx, ny, nz) float32 GeV for 3DGAN; (N, voxels) for CaloChallenge
  at::Tensor energy;  // (N) float32 GeV
  at::Tensor theta;   // (N) float32 radians
  std::string format;  // "3dgan", "3dgan-fixed-angle", "calochallenge"
  std::int64_t fileEvents = 0;  // events in the file, before selection
  double toGeV = 1;  // cells and energy are in GeV, or in the file's units times this (ReadOptions::fileUnits)
  std::int64_t events() const { return energy.defined() ? energy.size(0) : 0; }
};

struct ReadOptions {
  std::int64_t maxEvents = 0;                  // keep at most this many (0: all)
  double energyMin = 0, energyMax = 1e9;       // GeV; events outside are skipped
  std::int64_t chunkBytes = 64ll << 20;        // read this much per HDF5 call
  std::function<void(double, const std::string&)> progress;  // fraction, message
  std::function<void()> checkCancelled;        // throws to stop
  bool withCells = true;                       // false: energies and angles only
  bool fileUnits = false;  // cells and energy as stored (MeV for CaloChallenge), exactly; Showers::toGeV says how
};

// Which layout a file has ("" when neither); throws only for an unreadable file.
std::string detectFormat(const std::string& path);

// Throws std::runtime_error naming the file, the dataset and what was expected.
Showers readShowers(const std::string& path, const ReadOptions& opt = {});

// 3DGAN layout: ECAL, energy, theta. Writes to path + ".tmp" and renames.
void write3dgan(const std::string& path, const Showers& s, const std::string& generator);
// CaloChallenge layout: showers (N, cells) and incident_energies (N, 1) in MeV; the cells of
// a Cartesian grid are flattened layer-slowest and the grid is recorded in attributes.
void writeCaloChallenge(const std::string& path, const Showers& s, const std::string& generator);

}  // namespace tf::calo
