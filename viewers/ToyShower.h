// A seeded, shower-like calorimeter event on the 3DGAN grid (51 x 51 x 25), for the viewer's
// tests, benchmarks and screenshots until the calorimeter plugin's Monte Carlo lands: a gamma-
// function longitudinal profile whose maximum moves with log(E), an exponential lateral profile
// with a wider tail, the axis tilted by the incidence angle, cell-to-cell fluctuations, a 2 %
// sampling fraction and cells below 10 keV set to zero.
#pragma once

#include "ShowerGeometry.h"

#include <cstdint>

namespace tf::viewers {

CellGrid toyShower(double primaryGeV, double thetaDeg, std::uint64_t seed, int nx = 51, int ny = 51, int nz = 25);

}  // namespace tf::viewers
