// The classifier test of the CaloChallenge evaluation: a small network learns to tell
// generated from Monte Carlo showers on their per-shower observables (energy ratio, layer
// energy fractions, centres and widths, sparsity); its ROC AUC on held-out showers says how
// distinguishable they are (0.5: not at all, 1: always).
#pragma once

#include "Observables.h"

#include <cstdint>

namespace tf::calo {

struct ClassifierResult {
  double auc = 0;
  std::int64_t features = 0, trainEvents = 0, testEvents = 0, epochs = 0;
};

ClassifierResult classifierTest(const std::vector<Observable>& reference, const std::vector<Observable>& generated,
                                std::uint64_t seed, std::int64_t epochs = 300);

}  // namespace tf::calo
