// The CaloChallenge 2022 evaluation's histogram test ("hist-chi"), so that a TwinForge model is
// quoted in the numbers the challenge's papers use. Written from the definitions of the
// challenge's evaluation code (CaloChallenge/homepage, code/): what follows is how it defines
// them, and what calo.Validate's `protocol: calochallenge` reproduces.
//   - Voxel energies are in MeV; a voxel below the dataset's readout threshold counts as 0
//     (datasets 1: 1 MeV; 2 and 3: 0.5 keV / 0.033 = 0.01515 MeV), compared in float32.
//   - Features per shower: E_tot (all voxels) / E_inc; per layer with voxels, its energy and
//     its sparsity (fraction of voxels at 0); per layer with angular bins, the centre of energy
//     and width in eta = r cos(alpha) and phi = r sin(alpha) (r: the radial bin's middle, alpha:
//     the angular bin's middle between -pi and pi; width = sqrt(max(<x^2> - <x>^2, 0)), with
//     1e-16 added to the layer energy).
//   - Binnings: E_tot/E_inc 100 bins on [0.5, 1.5]; layer energy 39 logarithmic bins from the
//     threshold to the reference's largest value; centres 100 bins on [-30, 30] mm (datasets 2,
//     3), [-500, 500] for dataset 1's layers 12 and 13, [-100, 100] otherwise; widths the same
//     on [0, 30], [0, 400], [0, 100]; sparsity 20 bins on [0, 1]; voxel energies 49 logarithmic
//     bins from the threshold to the reference's largest voxel; dataset 1 also E_tot/E_inc per
//     incident energy 2^8 .. 2^22 MeV (each [E, 2E)), 20 bins on [0.4, 1.4] (photons above
//     4 GeV: [0.9, 1.1]).
//   - Histograms count as numpy's do: values outside the edges are left out, each bin is
//     [lo, hi) but the last also holds its upper edge, and each histogram is normalised over
//     the values it holds. Separation power = 1/2 sum (p - q)^2 / (p + q), p + q > 0; NaN when one
//     histogram holds nothing (numpy's 0/0), written as null in report.json.
#pragma once

#include "data/CaloBinning.h"

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tf::calo::cc {

struct Dataset {
  std::string name;        // "1-photons", "1-pions", "2", "3" (evaluate.py's --dataset)
  double minEnergy = 0;    // MeV, the readout threshold
  bool one() const { return name.rfind("1-", 0) == 0; }
  bool photons() const { return name == "1-photons"; }
};

// The dataset a binning of `voxels` belongs to; throws naming the count when it is none.
Dataset datasetFor(int voxels);

// numpy.linspace and numpy.logspace, computed as numpy computes them (edges decide counts).
std::vector<double> linspace(double start, double stop, int num);
std::vector<double> logspace(double start, double stop, int num);

// A histogram on fixed edges with numpy's rules (see above); values outside are not counted.
class Histogram {
 public:
  explicit Histogram(std::vector<double> edges);
  void add(double v);
  const std::vector<double>& counts() const { return counts_; }
  double total() const { return total_; }

 private:
  std::vector<double> edges_, counts_;
  double total_ = 0;
};

// 1/2 sum (p - q)^2 / (p + q) of two histograms on the same edges, each normalised
// over what it holds; NaN when either holds nothing.
double separationPower(const Histogram& reference, const Histogram& generated);
double separationPower(const std::vector<double>& reference, const std::vector<double>& generated,
                       const std::vector<double>& edges);

// The high-level features of a set of showers, per layer keyed by the layer's id.
struct Features {
  std::vector<double> etot, einc;  // MeV
  std::map<int, std::vector<double>> layerEnergy, sparsity, ecEta, ecPhi, widthEta, widthPhi;
  double voxelMax = 0;             // largest voxel energy after the threshold, MeV
};

// cells: (N, voxels) and energy: (N), in MeV exactly as the file stores them (float32; read with
// ReadOptions::fileUnits: a round trip through GeV would move values by a rounding step).
Features features(const at::Tensor& cells, const at::Tensor& energy, const data::Binning& binning,
                  const Dataset& ds);

// Voxel energies (MeV, after the threshold) histogrammed on `edges`.
Histogram voxelHistogram(const at::Tensor& cells, const Dataset& ds, const std::vector<double>& edges);

// Every separation power evaluate.py's hist-chi mode prints, in its order and under its names
// ("Etot / Einc", "E layer 0", ..., "voxel distribution"), then "Sparsity layer N".
std::vector<std::pair<std::string, double>> separationPowers(const at::Tensor& refCells, const at::Tensor& refEnergy,
                                                             const at::Tensor& genCells, const at::Tensor& genEnergy,
                                                             const data::Binning& binning, const Dataset& ds);

}  // namespace tf::calo::cc
