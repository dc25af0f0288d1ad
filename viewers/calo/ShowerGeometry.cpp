#include "ShowerGeometry.h"

#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkFloatArray.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>

#include <cmath>
#include <limits>

namespace tf::viewers {

namespace {

// Collects quads with their cell's log energy, and the statistics of the drawn cells.
struct FaceBuilder {
  vtkSmartPointer<vtkPoints> points = vtkSmartPointer<vtkPoints>::New();
  vtkSmartPointer<vtkCellArray> quads = vtkSmartPointer<vtkCellArray>::New();
  vtkSmartPointer<vtkFloatArray> logE = vtkSmartPointer<vtkFloatArray>::New();
  ShowerGeometryStats st;
  float value = 0;  // log10(E/MeV) of the current cell

  FaceBuilder() {
    points->SetDataTypeToFloat();
    logE->SetName("log10_energy_MeV");
    st.minEnergy = std::numeric_limits<double>::infinity();
  }
  void cell(double e) {
    ++st.litCells;
    st.totalEnergy += e;
    st.minEnergy = std::min(st.minEnergy, e);
    st.maxEnergy = std::max(st.maxEnergy, e);
    value = static_cast<float>(std::log10(e * 1000.0));
  }
  vtkIdType point(double x, double y, double z) {
    return points->InsertNextPoint(static_cast<float>(x), static_cast<float>(y), static_cast<float>(z));
  }
  void quad(vtkIdType a, vtkIdType b, vtkIdType c, vtkIdType d) {
    const vtkIdType ids[4] = {a, b, c, d};
    quads->InsertNextCell(4, ids);
    logE->InsertNextValue(value);
    ++st.faces;
  }
  vtkSmartPointer<vtkPolyData> finish(ShowerGeometryStats* stats) {
    if (st.litCells == 0) st.minEnergy = 0;
    auto poly = vtkSmartPointer<vtkPolyData>::New();
    poly->SetPoints(points);
    poly->SetPolys(quads);
    poly->GetCellData()->SetScalars(logE);
    if (stats) *stats = st;
    return poly;
  }
};

// Regular grid: a face of a unit cube is drawn when no drawn neighbour covers it. Corners are
// counter-clockwise seen from outside, so lighting is right.
void cartesianFaces(const CellGrid& g, const ShowerCut& cut, FaceBuilder& b) {
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
  forEachDrawnCell(g, cut, [&](int i, int j, int k, double e) {
    b.cell(e);
    for (const Face& f : faces) {
      if (drawn(g, cut, i + f.di, j + f.dj, k + f.dk)) continue;
      vtkIdType ids[4];
      for (int c = 0; c < 4; ++c) ids[c] = b.point(i + f.c[c][0], j + f.c[c][1], k + f.c[c][2]);
      b.quad(ids[0], ids[1], ids[2], ids[3]);
    }
  });
}

// Cylindrical grid: each drawn voxel is an annular sector; its faces toward undrawn
// neighbours (front and back, outer and inner arcs, the two radial sides) are quads, arcs
// split so that each quad spans at most 1/64 of a turn.
void cylindricalFaces(const CellGrid& g, const ShowerCut& cut, FaceBuilder& b) {
  const int seg = std::max(1, 64 / std::max(1, g.ny));
  const double da = 2 * M_PI / g.ny;
  auto P = [&](double r, double a, double z) { return b.point(r * std::cos(a), r * std::sin(a), z); };
  forEachDrawnCell(g, cut, [&](int i, int j, int k, double e) {
    b.cell(e);
    auto open = [&](int di, int dj, int dk) { return !drawn(g, cut, i + di, j + dj, k + dk); };
    const double r0 = g.rEdges[static_cast<std::size_t>(i)], r1 = g.rEdges[static_cast<std::size_t>(i) + 1];
    const double a0 = -M_PI + j * da, a1 = a0 + da;
    for (int s = 0; s < seg; ++s) {
      const double b0 = a0 + da * s / seg, b1 = a0 + da * (s + 1) / seg;
      if (open(0, 0, -1)) b.quad(P(r0, b0, k), P(r0, b1, k), P(r1, b1, k), P(r1, b0, k));
      if (open(0, 0, 1)) b.quad(P(r0, b0, k + 1), P(r1, b0, k + 1), P(r1, b1, k + 1), P(r0, b1, k + 1));
      if (open(1, 0, 0)) b.quad(P(r1, b0, k), P(r1, b1, k), P(r1, b1, k + 1), P(r1, b0, k + 1));
      if (r0 > 0 && open(-1, 0, 0)) b.quad(P(r0, b0, k), P(r0, b0, k + 1), P(r0, b1, k + 1), P(r0, b1, k));
    }
    if (open(0, -1, 0)) b.quad(P(r0, a0, k), P(r1, a0, k), P(r1, a0, k + 1), P(r0, a0, k + 1));
    if (open(0, 1, 0)) b.quad(P(r0, a1, k), P(r0, a1, k + 1), P(r1, a1, k + 1), P(r1, a1, k));
  });
}

}  // namespace

vtkSmartPointer<vtkPolyData> exposedFaces(const CellGrid& g, const ShowerCut& cut, ShowerGeometryStats* stats) {
  FaceBuilder b;
  if (g.cylindrical)
    cylindricalFaces(g, cut, b);
  else
    cartesianFaces(g, cut, b);
  return b.finish(stats);
}

}  // namespace tf::viewers
