#include "ShowerGeometry.h"

#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkFloatArray.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tf::viewers {

vtkSmartPointer<vtkPolyData> exposedFaces(const CellGrid& g, const ShowerCut& cut, ShowerGeometryStats* stats) {
  const int k0 = std::max(0, cut.firstLayer), k1 = std::min(g.nz - 1, cut.lastLayer);
  auto drawn = [&](int i, int j, int k) {
    return i >= 0 && j >= 0 && k >= k0 && i < g.nx && j < g.ny && k <= k1 && g.at(i, j, k) > cut.threshold;
  };
  auto points = vtkSmartPointer<vtkPoints>::New();
  points->SetDataTypeToFloat();
  auto quads = vtkSmartPointer<vtkCellArray>::New();
  auto logE = vtkSmartPointer<vtkFloatArray>::New();
  logE->SetName("log10_energy_MeV");
  ShowerGeometryStats st;
  st.minEnergy = std::numeric_limits<double>::infinity();
  st.maxEnergy = 0;

  // The six faces: neighbour offset and the face's corners in the cell's unit cube, counter-
  // clockwise seen from outside so lighting is right.
  struct Face {
    int di, dj, dk;
    float c[4][3];
  };
  static const Face faces[6] = {
      {-1, 0, 0, {{0, 0, 0}, {0, 0, 1}, {0, 1, 1}, {0, 1, 0}}},
      {1, 0, 0, {{1, 0, 0}, {1, 1, 0}, {1, 1, 1}, {1, 0, 1}}},
      {0, -1, 0, {{0, 0, 0}, {1, 0, 0}, {1, 0, 1}, {0, 0, 1}}},
      {0, 1, 0, {{0, 1, 0}, {0, 1, 1}, {1, 1, 1}, {1, 1, 0}}},
      {0, 0, -1, {{0, 0, 0}, {0, 1, 0}, {1, 1, 0}, {1, 0, 0}}},
      {0, 0, 1, {{0, 0, 1}, {1, 0, 1}, {1, 1, 1}, {0, 1, 1}}},
  };
  for (int i = 0; i < g.nx; ++i)
    for (int j = 0; j < g.ny; ++j)
      for (int k = k0; k <= k1; ++k) {
        if (!drawn(i, j, k)) continue;
        const double e = g.at(i, j, k);
        ++st.litCells;
        st.totalEnergy += e;
        st.minEnergy = std::min(st.minEnergy, e);
        st.maxEnergy = std::max(st.maxEnergy, e);
        const float value = static_cast<float>(std::log10(e * 1000.0));
        for (const Face& f : faces) {
          if (drawn(i + f.di, j + f.dj, k + f.dk)) continue;  // covered by a drawn neighbour
          vtkIdType ids[4];
          for (int c = 0; c < 4; ++c)
            ids[c] = points->InsertNextPoint(static_cast<float>(i) + f.c[c][0], static_cast<float>(j) + f.c[c][1],
                                             static_cast<float>(k) + f.c[c][2]);
          quads->InsertNextCell(4, ids);
          logE->InsertNextValue(value);
          ++st.faces;
        }
      }
  if (st.litCells == 0) st.minEnergy = 0;
  auto poly = vtkSmartPointer<vtkPolyData>::New();
  poly->SetPoints(points);
  poly->SetPolys(quads);
  poly->GetCellData()->SetScalars(logE);
  if (stats) *stats = st;
  return poly;
}

}  // namespace tf::viewers
