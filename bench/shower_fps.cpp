// Frames per second while rotating a calorimeter event in the Qt 6 <-> VTK bridge, 800 x 600,
// no multisampling (run under Xvfb + Mesa to measure software GL, as CI and most laptops
// without a GPU driver do). Two ways to draw the same event, in the same run:
//   faces  - exposed faces of lit cells (viewers/ShowerGeometry), what the viewer uses
//   glyphs - one cube glyph per lit cell (vtkGlyph3D), the obvious way
//   shower_fps [faces|glyphs|both] [FRAMES] [PRIMARY_GEV]
#include "ShowerGeometry.h"
#include "ToyShower.h"
#include "VtkView.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCubeSource.h>
#include <vtkFloatArray.h>
#include <vtkGlyph3D.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderer.h>

#include <QApplication>
#include <QElapsedTimer>

#include <cmath>
#include <cstdio>
#include <string>

using namespace tf::viewers;

namespace {

double run(const std::string& mode, const CellGrid& g, int frames) {
  VtkView view;
  view.resize(800, 600);
  vtkNew<vtkLookupTable> lut;
  lut->SetHueRange(0.66, 0.0);
  lut->Build();
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetLookupTable(lut);
  mapper->SetScalarRange(-2, 3);  // log10 E/MeV
  ShowerGeometryStats st;
  auto faces = exposedFaces(g, ShowerCut{}, &st);
  vtkNew<vtkCubeSource> cube;
  vtkNew<vtkGlyph3D> glyphs;
  if (mode == "faces") {
    mapper->SetInputData(faces);
    mapper->SetScalarModeToUseCellData();
  } else {
    vtkNew<vtkPoints> pts;
    vtkNew<vtkFloatArray> logE;
    for (int i = 0; i < g.nx; ++i)
      for (int j = 0; j < g.ny; ++j)
        for (int k = 0; k < g.nz; ++k)
          if (g.at(i, j, k) > 0) {
            pts->InsertNextPoint(i + 0.5, j + 0.5, k + 0.5);
            logE->InsertNextValue(static_cast<float>(std::log10(g.at(i, j, k) * 1000.0)));
          }
    vtkNew<vtkPolyData> cloud;
    cloud->SetPoints(pts);
    cloud->GetPointData()->SetScalars(logE);
    glyphs->SetSourceConnection(cube->GetOutputPort());
    glyphs->SetInputData(cloud);
    glyphs->SetScaleModeToDataScalingOff();
    glyphs->SetColorModeToColorByScalar();
    mapper->SetInputConnection(glyphs->GetOutputPort());
    mapper->SetScalarModeToUsePointData();
  }
  vtkNew<vtkActor> actor;
  actor->SetMapper(mapper);
  view.renderer()->AddActor(actor);
  view.renderer()->ResetCamera();
  view.show();
  QApplication::processEvents();
  view.repaint();  // first frame: uploads the geometry
  QElapsedTimer t;
  t.start();
  for (int f = 0; f < frames; ++f) {
    view.renderer()->GetActiveCamera()->Azimuth(360.0 / frames);
    view.repaint();
    QApplication::processEvents();
  }
  const double fps = frames / (t.nsecsElapsed() * 1e-9);
  std::printf("%-6s %6lld lit cells, %6lld faces drawn: %6.1f frames/s at 800x600\n", mode.c_str(),
              static_cast<long long>(st.litCells),
              static_cast<long long>(mode == "faces" ? st.faces : st.litCells * 6), fps);
  return fps;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  const std::string mode = argc > 1 ? argv[1] : "both";
  const int frames = argc > 2 ? std::stoi(argv[2]) : 120;
  const double primary = argc > 3 ? std::stod(argv[3]) : 100;
  const CellGrid g = toyShower(primary, 90, 1);
  double a = 0, b = 0;
  if (mode == "faces" || mode == "both") a = run("faces", g, frames);
  if (mode == "glyphs" || mode == "both") b = run("glyphs", g, frames);
  if (a > 0 && b > 0) std::printf("faces / glyphs: %.2fx\n", a / b);
  return 0;
}
