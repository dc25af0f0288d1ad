// The calorimeter plugin's toy shower (plugins/calo/ToyShowerModel.h) as a CellGrid, for the
// viewer's tests, benchmarks and screenshots; calo.ToyMC writes files of the same showers.
#pragma once

#include "ShowerGeometry.h"

#include <cstdint>

namespace tf::viewers {

CellGrid toyShower(double primaryGeV, double thetaDeg, std::uint64_t seed, int nx = 51, int ny = 51, int nz = 25);

}  // namespace tf::viewers
