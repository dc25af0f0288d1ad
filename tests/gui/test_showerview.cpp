// The calorimeter shower view: exposed-face geometry counted exactly, the toy shower's physics
// sanity, and the viewer under Xvfb (threshold and layer cuts change what is drawn, the event
// browser, an unreadable event shown as a message, pixels of the picture).
#include "ShowerGeometry.h"
#include "ShowerView.h"
#include "ToyShower.h"
#include "VtkView.h"

#include <vtkPolyData.h>

#include <QPushButton>
#include <QtTest>

#include <numeric>

using namespace tf::viewers;

namespace {

CellGrid empty(int n) {
  CellGrid g;
  g.nx = g.ny = g.nz = n;
  g.e.assign(static_cast<std::size_t>(n * n * n), 0.0f);
  return g;
}
void light(CellGrid& g, int i, int j, int k, float e) { g.e[(static_cast<std::size_t>(i) * g.ny + j) * g.nz + k] = e; }

int colouredPixels(const QImage& img) {
  int n = 0;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      const QColor c = img.pixelColor(x, y);
      if (std::max({c.red(), c.green(), c.blue()}) - std::min({c.red(), c.green(), c.blue()}) > 80) ++n;
    }
  return n;
}

}  // namespace

class TestShowerView : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void exposedFacesAreCountedExactly() {
    CellGrid g = empty(4);
    ShowerGeometryStats st;
    light(g, 1, 1, 1, 0.5f);
    auto poly = exposedFaces(g, {}, &st);
    QCOMPARE(st.litCells, 1);
    QCOMPARE(st.faces, 6);
    QCOMPARE(poly->GetNumberOfCells(), 6);
    light(g, 1, 1, 2, 0.25f);  // a neighbour along z hides one face of each
    exposedFaces(g, {}, &st);
    QCOMPARE(st.faces, 10);
    QCOMPARE(st.totalEnergy, 0.75);
    for (int i = 0; i < 2; ++i)  // a full 2x2x2 block: 24 outer faces
      for (int j = 0; j < 2; ++j)
        for (int k = 0; k < 2; ++k) light(g, 2 + i, 2 + j, 2 + k, 1.0f);
    ShowerCut cut;
    cut.threshold = 0.9;  // only the block
    exposedFaces(g, cut, &st);
    QCOMPARE(st.litCells, 8);
    QCOMPARE(st.faces, 24);
    cut.firstLayer = cut.lastLayer = 2;  // one layer of the block: 4 cells, 4 x 6 - 4 shared = 16 faces
    exposedFaces(g, cut, &st);
    QCOMPARE(st.litCells, 4);
    QCOMPARE(st.faces, 16);
  }

  void toyShowerIsShowerLike() {
    const CellGrid a = toyShower(100, 90, 7), b = toyShower(100, 90, 7), c = toyShower(100, 90, 8);
    QVERIFY(a.e == b.e);  // seeded
    QVERIFY(a.e != c.e);
    const double sum = std::accumulate(a.e.begin(), a.e.end(), 0.0);
    QVERIFY2(sum > 1.6 && sum < 2.4, qPrintable(QString::number(sum)));  // ~2 % of 100 GeV
    // The longitudinal maximum is inside the calorimeter and deeper for higher energies.
    auto peak = [](const CellGrid& g) {
      std::vector<double> layer(static_cast<std::size_t>(g.nz));
      for (int i = 0; i < g.nx; ++i)
        for (int j = 0; j < g.ny; ++j)
          for (int k = 0; k < g.nz; ++k) layer[static_cast<std::size_t>(k)] += g.at(i, j, k);
      return static_cast<int>(std::max_element(layer.begin(), layer.end()) - layer.begin());
    };
    const int p10 = peak(toyShower(10, 90, 1)), p300 = peak(toyShower(300, 90, 1));
    QVERIFY2(p10 > 0 && p300 < 24 && p300 > p10, qPrintable(QString("%1 %2").arg(p10).arg(p300)));
  }

  void viewerCutsAndBrowses() {
    ShowerView v;
    v.resize(900, 650);
    int loads = 0;
    v.setEvents(3, [&loads](int i) -> std::pair<CellGrid, QString> {
      ++loads;
      if (i == 2) throw std::runtime_error("dataset ECAL: row 2 is damaged");
      return {toyShower(i == 0 ? 100 : 20, 90, 1), QStringLiteral("E = %1 GeV").arg(i == 0 ? 100 : 20)};
    });
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QCOMPARE(v.currentEvent(), 0);
    const auto all = v.stats();
    QVERIFY2(all.litCells > 1000, qPrintable(QString::number(all.litCells)));
    QImage img = v.view()->snapshot();
    QVERIFY2(v.view()->glError().isEmpty(), qPrintable(v.view()->glError()));
    const int colouredAll = colouredPixels(img);
    QVERIFY2(colouredAll > 5000, qPrintable(QString::number(colouredAll)));
    if (qEnvironmentVariableIsSet("TF_KEEP_SHOTS")) {
      v.grab().save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/shower.png");
      v.setThreshold(1e-3);
      v.grab().save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/shower-1MeV.png");
      v.setThreshold(1e-4);
    }

    v.setThreshold(1e-3);  // 1 MeV: the halo goes
    QVERIFY(v.stats().litCells < all.litCells);
    QVERIFY(v.stats().minEnergy > 1e-3);
    QVERIFY(colouredPixels(v.view()->snapshot()) < colouredAll);
    v.setLayerRange(5, 10);
    QVERIFY(v.stats().litCells > 0);
    v.setLayerRange(0, 24);
    v.setThreshold(1e-4);

    auto* next = v.findChild<QPushButton*>();  // the first button is "Previous"
    QVERIFY(next);
    const auto buttons = v.findChildren<QPushButton*>();
    QCOMPARE(buttons.size(), 2);
    QVERIFY(!buttons[0]->isEnabled());  // no event before the first
    QTest::mouseClick(buttons[1], Qt::LeftButton);
    QCOMPARE(v.currentEvent(), 1);
    QVERIFY(v.stats().totalEnergy < all.totalEnergy);  // 20 GeV deposits less than 100
    QVERIFY(!v.goToEvent(2));                           // unreadable: a message, the view stays
    QCOMPARE(v.currentEvent(), 1);
    QVERIFY2(v.message().contains("row 2 is damaged"), qPrintable(v.message()));
    QVERIFY(loads >= 3);
  }
};

QTEST_MAIN(TestShowerView)
#include "test_showerview.moc"
