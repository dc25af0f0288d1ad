// Distances between two distributions as the CaloChallenge evaluation reports them, torch- and
// Qt-free: histograms on a binning taken from the reference, the separation power
// ½ Σ (p − q)² / (p + q) of two normalised histograms (0: identical, 1: disjoint),
// Jensen–Shannon divergence (base 2, also in [0, 1]) and Wasserstein-1, either between samples
// (empirical distributions) or between histograms over their bin centres.
#pragma once

#include <string>
#include <vector>

namespace tf::calo {

// `bins` equal bins over the reference's central 99.8 % (widened by 5 % each side); equal in
// log10 when `logScale` (values <= 0 are ignored there). Never empty: a constant reference
// gets a unit-wide range around its value.
std::vector<double> binEdges(const std::vector<double>& reference, int bins, bool logScale = false);
// Normalised counts (sum 1; all zero for no samples). Values outside the edges count in the
// first or last bin, so a generator that overshoots is penalised rather than ignored.
std::vector<double> histogram(const std::vector<double>& values, const std::vector<double>& edges,
                              bool logScale = false);
std::vector<double> normalised(std::vector<double> w);  // w / Σ w (zeros stay zeros)

double separationPower(const std::vector<double>& p, const std::vector<double>& q);
double jensenShannon(const std::vector<double>& p, const std::vector<double>& q);
double wasserstein1(std::vector<double> a, std::vector<double> b);  // between samples
// Between two histograms (weights) over the same positions.
double wasserstein1(const std::vector<double>& positions, const std::vector<double>& p, const std::vector<double>& q);

// Area under the ROC curve of scores for the positive class against the negative one
// (Mann–Whitney, ties counted half): 0.5 when the scores cannot tell the classes apart.
double rocAuc(const std::vector<double>& positive, const std::vector<double>& negative);

struct Distances {
  double separation = 0, jensenShannon = 0, wasserstein1 = 0;
};

}  // namespace tf::calo
