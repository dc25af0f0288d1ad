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

namespace {

// Cylindrical grid: each drawn voxel is an annular sector; its faces toward undrawn
// neighbours (inner and outer arcs, the two radial sides, front and back) are emitted as quads,
// arcs split so that each quad spans at most 1/64 of a turn.
vtkSmartPointer<vtkPolyData> cylindricalFaces(const CellGrid& g, const ShowerCut& cut, ShowerGeometryStats* stats) {
  const int k0 = std::max(0, cut.firstLayer), k1 = std::min(g.nz - 1, cut.lastLayer);
  auto drawn = [&](int i, int j, int k) {
    if (i < 0 || i >= g.nx || k < k0 || k > k1) return false;
    j = (j + g.ny) % g.ny;  // the angle wraps around
    return g.at(i, j, k) > cut.threshold;
  };
  auto points = vtkSmartPointer<vtkPoints>::New();
  points->SetDataTypeToFloat();
  auto quads = vtkSmartPointer<vtkCellArray>::New();
  auto logE = vtkSmartPointer<vtkFloatArray>::New();
  logE->SetName("log10_energy_MeV");
  ShowerGeometryStats st;
  st.minEnergy = std::numeric_limits<double>::infinity();
  const int seg = std::max(1, 64 / std::max(1, g.ny));
  const double da = 2 * M_PI / g.ny;
  auto P = [&](double r, double a, double z) {
    return points->InsertNextPoint(static_cast<float>(r * std::cos(a)), static_cast<float>(r * std::sin(a)),
                                   static_cast<float>(z));
  };
  auto quad = [&](vtkIdType a, vtkIdType b, vtkIdType c, vtkIdType d, float v) {
    const vtkIdType ids[4] = {a, b, c, d};
    quads->InsertNextCell(4, ids);
    logE->InsertNextValue(v);
    ++st.faces;
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
        const float v = static_cast<float>(std::log10(e * 1000.0));
        const double r0 = g.rEdges[static_cast<std::size_t>(i)], r1 = g.rEdges[static_cast<std::size_t>(i) + 1];
        const double a0 = -M_PI + j * da;
        for (int s = 0; s < seg; ++s) {
          const double b0 = a0 + da * s / seg, b1 = a0 + da * (s + 1) / seg;
          if (!drawn(i, j, k - 1)) quad(P(r0, b0, k), P(r0, b1, k), P(r1, b1, k), P(r1, b0, k), v);
          if (!drawn(i, j, k + 1)) quad(P(r0, b0, k + 1), P(r1, b0, k + 1), P(r1, b1, k + 1), P(r0, b1, k + 1), v);
          if (!drawn(i + 1, j, k)) quad(P(r1, b0, k), P(r1, b1, k), P(r1, b1, k + 1), P(r1, b0, k + 1), v);
          if (r0 > 0 && !drawn(i - 1, j, k)) quad(P(r0, b0, k), P(r0, b0, k + 1), P(r0, b1, k + 1), P(r0, b1, k), v);
        }
        if (!drawn(i, j - 1, k)) quad(P(r0, a0, k), P(r1, a0, k), P(r1, a0, k + 1), P(r0, a0, k + 1), v);
        if (!drawn(i, j + 1, k)) quad(P(r0, a0 + da, k), P(r0, a0 + da, k + 1), P(r1, a0 + da, k + 1), P(r1, a0 + da, k), v);
      }
  if (st.litCells == 0) st.minEnergy = 0;
  auto poly = vtkSmartPointer<vtkPolyData>::New();
  poly->SetPoints(points);
  poly->SetPolys(quads);
  poly->GetCellData()->SetScalars(logE);
  if (stats) *stats = st;
  return poly;
}

}  // namespace

vtkSmartPointer<vtkPolyData> exposedFaces(const CellGrid& g, const ShowerCut& cut, ShowerGeometryStats* stats) {
  if (g.cylindrical) return cylindricalFaces(g, cut, stats);
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
