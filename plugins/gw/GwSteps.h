// What the GW plugin's steps pass each other: a whitened strain file with its clean
// counterpart and the events table (the meta of a Path artifact from gw.Whiten or gw.Denoise).
#pragma once

#include "exec/Artifact.h"

#include <string>

namespace tf::gw {

struct WhitenedFiles {
  std::string noisy;   // whitened noisy strain (or the denoised one, from gw.Denoise)
  std::string clean;   // the injected signal whitened with the same filter
  std::string events;  // NAME.events.csv
  double settle = 0;   // seconds at each end corrupted by the whitening filter
};

// The files behind input `port`; throws naming the step input and the missing key.
WhitenedFiles whitenedInput(const Artifacts& in, const std::string& port);

}  // namespace tf::gw
