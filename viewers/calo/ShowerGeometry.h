// Calorimeter events as geometry VTK can draw fast: only the faces of lit cells that no other
// lit cell covers. A shower of 5 000 lit cells becomes about 2 000 quads instead of 5 000 cube
// glyphs (30 000 faces), which keeps rotation smooth under software OpenGL.
#pragma once

#include <vtkSmartPointer.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

class vtkPolyData;

namespace tf::viewers {

// A regular grid of cell energies: cell (i, j, k) is at e[(i * ny + j) * nz + k],
// the C order of a 3DGAN ECAL array of shape (nx, ny, nz), k along the shower (layers).
// Cylindrical detectors (CaloChallenge datasets 2 and 3) use the same grid with i the radial
// bin, j the angular bin and k the layer; rEdges (mm) then bound the radial bins and the
// angular bins split [-pi, pi) evenly.
struct CellGrid {
  int nx = 0, ny = 0, nz = 0;
  std::vector<float> e;  // GeV
  bool cylindrical = false;
  std::vector<double> rEdges;  // nx + 1 radii as drawn, cylindrical only: mm, unless transverseUnit says
  std::string transverseUnit = "mm";  // what the drawn x and y measure
  float at(int i, int j, int k) const { return e[(static_cast<std::size_t>(i) * ny + j) * nz + k]; }
};

struct ShowerCut {
  double threshold = 0;         // GeV: cells at or below are not drawn
  int firstLayer = 0;           // k range drawn, inclusive
  int lastLayer = 1 << 30;
};

// Whether cell (i, j, k) is drawn under the cut: inside the grid and the layer range and above
// the threshold; the angle of a cylindrical grid wraps around.
inline bool drawn(const CellGrid& g, const ShowerCut& cut, int i, int j, int k) {
  if (g.cylindrical) j = (j + g.ny) % g.ny;
  return i >= 0 && j >= 0 && i < g.nx && j < g.ny && k >= std::max(0, cut.firstLayer) &&
         k <= std::min(g.nz - 1, cut.lastLayer) && g.at(i, j, k) > cut.threshold;
}

// Calls f(i, j, k, energy) for every drawn cell.
template <typename F>
void forEachDrawnCell(const CellGrid& g, const ShowerCut& cut, F f) {
  const int k0 = std::max(0, cut.firstLayer), k1 = std::min(g.nz - 1, cut.lastLayer);
  for (int i = 0; i < g.nx; ++i)
    for (int j = 0; j < g.ny; ++j)
      for (int k = k0; k <= k1; ++k)
        if (const float e = g.at(i, j, k); e > cut.threshold) f(i, j, k, static_cast<double>(e));
}

struct ShowerGeometryStats {
  std::int64_t litCells = 0, faces = 0;
  double minEnergy = 0, maxEnergy = 0, totalEnergy = 0;  // GeV, of the drawn cells
};

// Quads of the exposed faces of drawn cells, cell (i, j, k) spanning [i, i+1] x [j, j+1] x
// [k, k+1] (cylindrical grids: the annular sector r in rEdges[i..i+1], angle bin j, layer k,
// drawn at x = r cos a, y = r sin a in mm); cell data "log10_energy_MeV" colours each face.
vtkSmartPointer<vtkPolyData> exposedFaces(const CellGrid& grid, const ShowerCut& cut,
                                          ShowerGeometryStats* stats = nullptr);

}  // namespace tf::viewers
