#include "ShowerProfiles.h"

#include <algorithm>
#include <cmath>

namespace tf::viewers {


std::vector<double> longitudinalProfile(const CellGrid& g, const ShowerCut& cut) {
  std::vector<double> out(static_cast<std::size_t>(std::max(0, g.nz)), 0.0);
  forEachDrawnCell(g, cut, [&](int, int, int k, double e) { out[static_cast<std::size_t>(k)] += e; });
  return out;
}

std::vector<double> lateralProfile(const CellGrid& g, const ShowerCut& cut) {
  if (g.cylindrical) {  // the detector's own radial bins, around the particle's axis
    std::vector<double> out(static_cast<std::size_t>(g.nx), 0.0);
    forEachDrawnCell(g, cut, [&](int i, int, int, double e) { out[static_cast<std::size_t>(i)] += e; });
    return out;
  }
  // Energy-weighted centre of each layer (cell centres at i + 0.5).
  std::vector<double> sx(static_cast<std::size_t>(g.nz)), sy(sx), se(sx);
  forEachDrawnCell(g, cut, [&](int i, int j, int k, double e) {
    sx[static_cast<std::size_t>(k)] += e * (i + 0.5);
    sy[static_cast<std::size_t>(k)] += e * (j + 0.5);
    se[static_cast<std::size_t>(k)] += e;
  });
  const int rings = static_cast<int>(std::ceil(std::hypot(g.nx, g.ny))) + 1;
  std::vector<double> out(static_cast<std::size_t>(rings), 0.0);
  forEachDrawnCell(g, cut, [&](int i, int j, int k, double e) {
    const auto kk = static_cast<std::size_t>(k);
    const double r = std::hypot(i + 0.5 - sx[kk] / se[kk], j + 0.5 - sy[kk] / se[kk]);
    out[static_cast<std::size_t>(std::min(rings - 1, static_cast<int>(r)))] += e;
  });
  while (out.size() > 1 && out.back() == 0) out.pop_back();
  return out;
}

Projection project(const CellGrid& g, const ShowerCut& cut, Plane plane) {
  Projection p;
  switch (plane) {
    case Plane::XY: p.cols = g.nx; p.rows = g.ny; break;
    case Plane::XZ: p.cols = g.nz; p.rows = g.nx; break;  // layers across, x up
    case Plane::YZ: p.cols = g.nz; p.rows = g.ny; break;
  }
  p.e.assign(static_cast<std::size_t>(p.rows) * p.cols, 0.0);
  forEachDrawnCell(g, cut, [&](int i, int j, int k, double e) {
    int r = 0, c = 0;
    switch (plane) {
      case Plane::XY: c = i; r = j; break;
      case Plane::XZ: c = k; r = i; break;
      case Plane::YZ: c = k; r = j; break;
    }
    p.e[static_cast<std::size_t>(r) * p.cols + c] += e;
  });
  return p;
}

}  // namespace tf::viewers
