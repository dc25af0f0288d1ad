// The CaloChallenge binning files (binning_dataset_*.xml): per layer, the radial bin edges
// (mm) and the number of angular bins. A file's voxels are ordered radial bin fastest, then
// angular bin, then layer, so the binning is what turns (N, voxels) back into a detector.
// Datasets 2 and 3 are regular (45 layers of 16 x 9 and 50 x 18 bins, radii to 41.85 mm) and
// built in; dataset 1 (368 voxels for photons, 533 for pions) differs layer by layer and needs
// its file. Part of the shower-file owner (data/ShowerFile): the plugin's validation and the
// viewer read CaloChallenge geometry through it.
#pragma once

#include <string>
#include <vector>

namespace tf::data {

struct BinningLayer {
  int id = 0;
  std::vector<double> rEdges;  // mm; fewer than 2 edges: the layer has no voxels
  int alphaBins = 1;
  int radialBins() const { return rEdges.size() < 2 ? 0 : static_cast<int>(rEdges.size()) - 1; }
  int voxels() const { return radialBins() * alphaBins; }
};

struct Binning {
  std::string source;    // the file, or "built-in dataset 2"
  std::string particle;  // "photon", "pion", "electron"
  std::vector<BinningLayer> layers;
  int voxels() const;
};

// Throws std::runtime_error naming the file, the line and the attribute that is wrong.
Binning readBinning(const std::string& path, const std::string& particle = {});
// The regular binnings of datasets 2 (6480 voxels) and 3 (40500), with the challenge's edges.
Binning builtInBinning(int voxels);  // empty layers when no dataset has that many voxels

}  // namespace tf::data
