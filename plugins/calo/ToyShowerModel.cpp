#include "ToyShowerModel.h"

#include <cmath>
#include <random>

namespace tf::calo {

std::vector<float> toyShower(double primaryGeV, double thetaDeg, std::uint64_t seed, int nx, int ny, int nz) {
  std::vector<float> cells(static_cast<std::size_t>(nx) * ny * nz, 0.0f);
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> fluct(0.0, 0.35);
  // Longitudinal: dE/dt ~ t^(a-1) exp(-b t), maximum at (a-1)/b = ln(E/Ec) - 0.5 (in layers,
  // taking about one radiation length per layer pair).
  const double b = 0.5;
  const double tmax = std::max(2.0, 2.0 * (std::log(primaryGeV / 0.02) - 0.5) / 2.2);
  const double a = 1 + b * tmax;
  const double slope = std::tan(thetaDeg * M_PI / 180.0 - M_PI / 2);  // 90 degrees: along z
  const double cx = (nx - 1) / 2.0, cy0 = (ny - 1) / 2.0;
  std::vector<double> longit(static_cast<std::size_t>(nz));
  double lsum = 0;
  for (int k = 0; k < nz; ++k) {
    const double t = k + 0.5;
    longit[static_cast<std::size_t>(k)] = std::pow(t, a - 1) * std::exp(-b * t);
    lsum += longit[static_cast<std::size_t>(k)];
  }
  const double deposited = 0.02 * primaryGeV;  // sampling fraction
  for (int k = 0; k < nz; ++k) {
    const double layerE = deposited * longit[static_cast<std::size_t>(k)] / lsum;
    const double cy = cy0 + slope * (k - nz / 2.0);
    const double rCore = 0.7 + 0.08 * k, rTail = 2.5 + 0.25 * k;  // cells; the shower widens
    // Normalise the lateral shape over this layer, then deposit.
    double norm = 0;
    std::vector<double> w(static_cast<std::size_t>(nx) * ny);
    for (int i = 0; i < nx; ++i)
      for (int j = 0; j < ny; ++j) {
        const double r = std::hypot(i - cx, j - cy);
        const double v = 0.85 * std::exp(-r / rCore) / (rCore * rCore) + 0.15 * std::exp(-r / rTail) / (rTail * rTail);
        w[static_cast<std::size_t>(i) * ny + j] = v;
        norm += v;
      }
    for (int i = 0; i < nx; ++i)
      for (int j = 0; j < ny; ++j) {
        double e = layerE * w[static_cast<std::size_t>(i) * ny + j] / norm * fluct(rng);
        if (e < 1e-5) e = 0;  // 10 keV
        cells[(static_cast<std::size_t>(i) * ny + j) * nz + k] = static_cast<float>(e);
      }
  }
  return cells;
}

}  // namespace tf::calo
