// A seeded toy electromagnetic shower on a regular calorimeter grid, standing in for Geant4 so
// everything runs offline: a gamma-function longitudinal profile whose maximum grows with
// log(E), an exponential core plus a wider halo laterally (Molière-radius scale, widening
// with depth), the axis shifted with the incidence angle, log-normal cell fluctuations, a 2 %
// sampling fraction, and cells below 10 keV set to zero. Energies in GeV. Torch- and Qt-free:
// calo.ToyMC writes files of these showers, and the viewers draw them in their tests,
// benchmarks and screenshots (a static library both link).
#pragma once

#include <cstdint>
#include <vector>

namespace tf::calo {

// Cell (i, j, k) at [(i * ny + j) * nz + k], k along the shower (layers).
std::vector<float> toyShower(double primaryGeV, double thetaDeg, std::uint64_t seed, int nx = 51, int ny = 51,
                             int nz = 25);

}  // namespace tf::calo
