// Calorimeter events as geometry VTK can draw fast: only the faces of lit cells that no other
// lit cell covers. A shower of 5 000 lit cells becomes about 2 000 quads instead of 5 000 cube
// glyphs (30 000 faces), which keeps rotation smooth under software OpenGL.
#pragma once

#include <vtkSmartPointer.h>

#include <cstdint>
#include <vector>

class vtkPolyData;

namespace tf::viewers {

// A regular grid of cell energies: cell (i, j, k) is at e[(i * ny + j) * nz + k],
// the C order of a 3DGAN ECAL array of shape (nx, ny, nz), k along the shower (layers).
struct CellGrid {
  int nx = 0, ny = 0, nz = 0;
  std::vector<float> e;  // GeV
  float at(int i, int j, int k) const { return e[(static_cast<std::size_t>(i) * ny + j) * nz + k]; }
};

struct ShowerCut {
  double threshold = 0;         // GeV: cells at or below are not drawn
  int firstLayer = 0;           // k range drawn, inclusive
  int lastLayer = 1 << 30;
};

struct ShowerGeometryStats {
  std::int64_t litCells = 0, faces = 0;
  double minEnergy = 0, maxEnergy = 0, totalEnergy = 0;  // GeV, of the drawn cells
};

// Quads of the exposed faces of drawn cells, cell (i, j, k) spanning [i, i+1] x [j, j+1] x
// [k, k+1]; cell data "log10_energy_MeV" colours each face by its cell's log energy.
vtkSmartPointer<vtkPolyData> exposedFaces(const CellGrid& grid, const ShowerCut& cut,
                                          ShowerGeometryStats* stats = nullptr);

}  // namespace tf::viewers
