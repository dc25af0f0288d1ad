// The physics observables the CaloChallenge evaluation compares, computed from showers on a
// grid (N, a, b, layers): energy ratio (deposited / incident), energy per layer, centre of
// energy and its width along each axis, the cell-energy spectrum, sparsity (fraction of hit
// cells) overall and per layer, and the longitudinal and lateral profiles. `compare` puts a
// generated set next to a reference on the reference's binning and gives each observable its
// separation power, Jensen–Shannon divergence and Wasserstein-1 distance.
#pragma once

#include "data/CaloBinning.h"
#include "Metrics.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tf::calo {

// The CaloChallenge binning is core's (data/CaloBinning), shared with the viewer.
using data::Binning;
using data::BinningLayer;
using data::builtInBinning;
using data::readBinning;

struct Observable {
  std::string name;   // "energy_ratio", "layer_07_energy", "longitudinal_profile", ...
  std::string label;  // axis title for plots
  std::string group;  // observables of one group share one entry in the score
  bool profile = false;   // a mean shape over positions rather than a per-event distribution
  bool logScale = false;  // histogram in log10 (cell energies)
  std::vector<double> values;     // per event (or per cell); for a profile, its mean weights
  std::vector<double> positions;  // profile positions (layer index, radius in cells)
};

struct Compared {
  Observable ref, gen;  // with the histograms, not the samples
  std::vector<double> edges;
  Distances d;
};

struct Comparison {
  std::vector<Compared> observables;
  double score = 0;  // mean separation power over groups (each group weighs the same)
  std::int64_t refEvents = 0, genEvents = 0;
  nlohmann::json toJson(bool withHistograms) const;
};

// Where each voxel of a flattened shower sits: its transverse centre, its layer, and (for
// cylindrical binnings) its radius from the shower axis.
struct VoxelGeometry {
  at::Tensor x, y;          // (V) double: transverse centre
  at::Tensor layer;         // (V) long
  at::Tensor column;        // (V) long: voxels of one transverse position share a column
  at::Tensor columnX, columnY;  // (C) double
  at::Tensor radius;        // (V) double, cylindrical only: the lateral profile is against it
  std::int64_t layers = 0;
  std::vector<int> layerIds;         // names of the layers (a binning's ids; empty layers are left out)
  std::vector<double> lateralEdges;  // bins of the lateral profile
  std::string unit = "cells";
  std::int64_t gridColumns = 0;  // grids: voxels are (column, layer) row-major; sums by reshaping are faster
  static VoxelGeometry grid(std::int64_t a, std::int64_t b, std::int64_t layers);  // (a, b, layers) flattened
  static VoxelGeometry cylindrical(const Binning& binning);  // CaloChallenge voxel order
};

// cells (N, V) in GeV on `geometry`, energy (N) in GeV. Cells at or below hitThreshold count
// as empty for sparsity. The cell spectrum keeps at most maxCells values (evenly strided).
std::vector<Observable> computeObservables(const at::Tensor& cells, const at::Tensor& energy,
                                           const VoxelGeometry& geometry, double hitThreshold,
                                           std::int64_t maxCells = 2000000);
// The same for showers on a grid (N, a, b, layers).
std::vector<Observable> computeObservables(const at::Tensor& cells, const at::Tensor& energy, double hitThreshold,
                                           std::int64_t maxCells = 2000000);

Comparison compare(const std::vector<Observable>& ref, const std::vector<Observable>& gen, int bins = 40);

}  // namespace tf::calo
