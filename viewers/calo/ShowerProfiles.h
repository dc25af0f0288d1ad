// What physicists compare showers by: energy per layer (longitudinal profile), energy against
// the distance from the shower axis (lateral profile, around the energy-weighted centre of each
// layer), and projections of the cell grid on the x-y, x-z and y-z planes. Cells the view's
// cut hides are left out, so the plots show what the 3D view shows.
#pragma once

#include "ShowerGeometry.h"

#include <vector>

namespace tf::viewers {

struct Projection {
  int rows = 0, cols = 0;       // image: rows along the second axis named, cols along the first
  std::vector<double> e;        // GeV, row-major
  double at(int r, int c) const { return e[static_cast<std::size_t>(r) * cols + c]; }
};

std::vector<double> longitudinalProfile(const CellGrid& g, const ShowerCut& cut);  // GeV per layer
// GeV in rings of one cell width around each layer's energy-weighted centre: ring i holds
// cells with i <= r < i+1.
std::vector<double> lateralProfile(const CellGrid& g, const ShowerCut& cut);
enum class Plane { XY, XZ, YZ };
Projection project(const CellGrid& g, const ShowerCut& cut, Plane plane);

}  // namespace tf::viewers
