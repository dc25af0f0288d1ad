// The calorimeter shower view: exposed-face geometry counted exactly, the toy shower's physics
// sanity, and the viewer under Xvfb (threshold and layer cuts change what is drawn, the event
// browser, an unreadable event shown as a message, pixels of the picture).
#include "ShowerCompareView.h"
#include "ShowerGeometry.h"
#include "ShowerPlots.h"
#include "ShowerProfiles.h"
#include "ReportView.h"
#include "ShowerView.h"
#include "ToyShower.h"
#include "VtkView.h"
#include "CaloFile.h"
#include "io/Hdf5.h"
#include "io/Hdf5Tensor.h"

#include <ATen/ATen.h>
#include <QProcess>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>

#include <vtkCamera.h>
#include <vtkPolyData.h>
#include <vtkRenderer.h>

#include <QChartView>
#include <QCheckBox>
#include <QLabel>
#include <QLogValueAxis>
#include <QValueAxis>
#include <QPushButton>
#include <QThread>

#include <atomic>
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

// A 3DGAN-style file with three toy showers (20, 100, 300 GeV at 90, 80, 100 degrees).
QString writeCaloFile(const QTemporaryDir& dir, const QString& name) {
  const double energies[3] = {20, 100, 300}, thetas[3] = {90, 80, 100};
  at::Tensor ecal = at::zeros({3, 51, 51, 25}, at::kFloat);
  for (int n = 0; n < 3; ++n) {
    const CellGrid g = toyShower(energies[n], thetas[n], static_cast<std::uint64_t>(n + 1));
    ecal[n].copy_(at::from_blob(const_cast<float*>(g.e.data()), {51, 51, 25}, at::kFloat));
  }
  const QString path = dir.filePath(name);
  auto f = tf::h5::File::create(path.toStdString());
  tf::h5::writeTensor(f, "ECAL", ecal);
  tf::h5::writeTensor(f, "energy", at::tensor({20.0f, 100.0f, 300.0f}).reshape({3, 1}));
  tf::h5::writeTensor(f, "theta", at::tensor({M_PI / 2, 80 * M_PI / 180, 100 * M_PI / 180}, at::kDouble));
  return path;
}

// A CaloChallenge dataset-2 style file: showers (3, 45 x 16 x 9) in MeV, layer-major, then
// angle, then radius; incident_energies (3, 1) in MeV.
QString writeChallengeFile(const QTemporaryDir& dir, const QString& name) {
  at::Tensor sh = at::zeros({3, 45, 16, 9}, at::kFloat);
  auto a = sh.accessor<float, 4>();
  for (int n = 0; n < 3; ++n)
    for (int k = 0; k < 45; ++k)
      for (int al = 0; al < 16; ++al)
        for (int r = 0; r < 9; ++r) {
          const double t = k + 0.5, rmid = 4.65 * (r + 0.5);
          const double e = 1000.0 * (n + 1) * std::pow(t, 3) * std::exp(-t / 3.0) / 2000.0 * std::exp(-rmid / 6.0) *
                           (1 + 0.3 * std::cos(al * 2 * M_PI / 16));
          a[n][k][al][r] = e > 0.01 ? static_cast<float>(e) : 0.0f;
        }
  const QString path = dir.filePath(name);
  auto f = tf::h5::File::create(path.toStdString());
  tf::h5::writeTensor(f, "showers", sh.reshape({3, 6480}));
  tf::h5::writeTensor(f, "incident_energies", at::tensor({1000.0f, 2000.0f, 3000.0f}).reshape({3, 1}) * 10);
  return path;
}

struct Ran {
  int code;
  QString err;
};
Ran runWorkbench(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(TF_BIN_DIR "/twinforge"), args);
  p.waitForFinished(120000);
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardError()};
}

class TestShowerView : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

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

  void profilesAndProjections() {
    CellGrid g = empty(4);
    light(g, 1, 1, 1, 0.5f);
    light(g, 1, 1, 2, 0.25f);
    light(g, 3, 1, 2, 1.0f);
    const auto lon = longitudinalProfile(g, {});
    QCOMPARE(lon, (std::vector<double>{0, 0.5, 1.25, 0}));
    // Layer 2's centre is at x = (0.25 * 1.5 + 1 * 3.5) / 1.25 = 3.1: its cells are 1.6 and 0.4 away.
    const auto lat = lateralProfile(g, {});
    QCOMPARE(lat.size(), std::size_t(2));
    QCOMPARE(lat[0], 1.5);
    QCOMPARE(lat[1], 0.25);
    const Projection xy = project(g, {}, Plane::XY), xz = project(g, {}, Plane::XZ);
    QCOMPARE(xy.at(1, 1), 0.75);  // row y=1, column x=1
    QCOMPARE(xy.at(1, 3), 1.0);
    QCOMPARE(xz.at(1, 1), 0.5);   // row x=1, column layer 1
    QCOMPARE(xz.at(3, 2), 1.0);
    ShowerCut cut;
    cut.threshold = 0.3;
    QCOMPARE(longitudinalProfile(g, cut), (std::vector<double>{0, 0.5, 1.0, 0}));
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

  void readsOneEventOfA3DganFile() {
    const QString path = writeCaloFile(tmp_, "three.h5");
    QVERIFY(CaloFile::recognises(path.toStdString()));
    CaloFile f(path.toStdString());
    QCOMPARE(f.events(), 3);
    auto [g, caption] = f.event(1);
    QCOMPARE(g.nx, 51);
    QCOMPARE(g.nz, 25);
    QVERIFY(g.e == toyShower(100, 80, 2).e);
    QVERIFY2(caption.contains("E = 100 GeV") && caption.contains("80.0°"), qPrintable(caption));
    try {
      f.event(3);
      QFAIL("event 3 should be out of range");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains("0..2"), e.what());
    }
  }

  void caloChallengeCylindricalGeometry() {
    // Faces of single voxels: a sector of 1/16 turn is split into 4 arc segments.
    CellGrid g;
    g.nx = 9;
    g.ny = 16;
    g.nz = 45;
    g.cylindrical = true;
    for (int r = 0; r <= 9; ++r) g.rEdges.push_back(4.65 * r);
    g.e.assign(9 * 16 * 45, 0.0f);
    ShowerGeometryStats st;
    light(g, 2, 3, 5, 1.0f);
    exposedFaces(g, {}, &st);
    QCOMPARE(st.faces, 4 * 4 + 2);  // front, back, outer, inner arcs + two radial sides
    light(g, 2, 4, 5, 1.0f);        // its angular neighbour hides one side each
    exposedFaces(g, {}, &st);
    QCOMPARE(st.faces, 2 * 18 - 2);
    std::fill(g.e.begin(), g.e.end(), 0.0f);
    light(g, 0, 0, 5, 1.0f);  // innermost bin: no inner face; angle bins 0 and 15 touch
    light(g, 0, 15, 5, 1.0f);
    exposedFaces(g, {}, &st);
    QCOMPARE(st.faces, 2 * (3 * 4 + 2) - 2);
    QCOMPARE(lateralProfile(g, {}).size(), std::size_t(9));  // per radial bin

    const QString path = writeChallengeFile(tmp_, "challenge.h5");
    QVERIFY(CaloFile::recognises(path.toStdString()));
    CaloFile f(path.toStdString());
    QCOMPARE(f.events(), 3);
    auto [ev, caption] = f.event(1);
    QVERIFY(ev.cylindrical);
    QCOMPARE(ev.nx, 9);
    QCOMPARE(ev.ny, 16);
    QCOMPARE(ev.nz, 45);
    QCOMPARE(ev.rEdges.back(), 41.85);
    QVERIFY2(caption.contains("E = 20 GeV"), qPrintable(caption));
    // Voxel (layer 6, angle 0, radius 1) of event 1, in GeV, at the grid's (1, 0, 6).
    const double t = 6.5, rmid = 4.65 * 1.5;
    const double expect = 2.0 * std::pow(t, 3) * std::exp(-t / 3.0) / 2000.0 * std::exp(-rmid / 6.0) * 1.3;
    QVERIFY(std::abs(ev.at(1, 0, 6) - expect) < 1e-5 * expect);
    // The longitudinal profile peaks where the generator put it (t^3 e^(-t/3): layer 8 or 9).
    const auto lon = longitudinalProfile(ev, {});
    const int peak = static_cast<int>(std::max_element(lon.begin(), lon.end()) - lon.begin());
    QVERIFY2(peak >= 7 && peak <= 9, qPrintable(QString::number(peak)));

    const QString out = tmp_.filePath("challenge.png");
    Ran r = runWorkbench({"--open", path, "--event", "2", "--screenshot", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(colouredPixels(QImage(out)) > 3000);
    if (qEnvironmentVariableIsSet("TF_KEEP_SHOTS")) QImage(out).save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/challenge.png");
  }

  void datasetOneFromItsBinningFile() {
    // A file of 368 voxels (dataset 1's photon count) on a binning of our own making: layer 0
    // has 8 radial bins, layer 1 16 x 10 angular, layer 2 19 x 10, layer 3 5, layer 4 none,
    // layer 5 5 radial bins out to 2 m.
    QDir(tmp_.path()).mkpath("ds1");
    const QString dir = tmp_.filePath("ds1");
    const char* xml = R"(<Bins><Bin pid="22" name="photon">
  <Layer id="0" r_edges="0,4,8,16,32,64,128,256,512" n_bin_alpha="1"/>
  <Layer id="1" r_edges="0,1,2,3,4,5,6,8,10,15,20,30,40,60,80,100,150" n_bin_alpha="10"/>
  <Layer id="2" r_edges="0,1,2,4,6,8,10,12,15,20,25,30,40,50,60,80,100,150,200,300" n_bin_alpha="10"/>
  <Layer id="3" r_edges="0,10,50,100,300,600" n_bin_alpha="1"/>
  <Layer id="4" r_edges="0" n_bin_alpha="1"/>
  <Layer id="5" r_edges="0,100,200,500,1000,2000" n_bin_alpha="1"/>
</Bin></Bins>
)";
    const QString data = dir + "/photons.h5";
    {
      auto f = tf::h5::File::create(data.toStdString());
      at::Tensor showers = at::zeros({2, 368});
      showers[0][8 + 2 * 16 + 3] = 1000.0f;  // layer 1, angle 2, radius 3 (3-4 mm): 1 GeV
      showers[0][367] = 500.0f;                // layer 5, outermost ring (1-2 m)
      tf::h5::writeTensor(f, "showers", showers);
      tf::h5::writeTensor(f, "incident_energies", at::full({2, 1}, 2048.0f));
    }
    // Without its binning file the message says where it looked and what to do.
    try {
      CaloFile f(data.toStdString());
      QFAIL("a dataset-1 file without its binning opened");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains("binning_dataset_1_photons.xml beside the file"), e.what());
    }
    QFile x(dir + "/binning_dataset_1_photons.xml");
    QVERIFY(x.open(QIODevice::WriteOnly));
    x.write(xml);
    x.close();
    CaloFile f(data.toStdString());
    auto [ev, caption] = f.event(0);
    QVERIFY2(caption.contains("dataset 1"), qPrintable(caption));
    QVERIFY(ev.cylindrical);
    QCOMPARE(ev.nz, 6);
    QCOMPARE(ev.ny, 10);  // every layer's angular bins divide it
    // All the layers' radial edges together, each once: 31 rings from 0 to 2000 mm.
    QCOMPARE(ev.nx, 31);
    // Energy is conserved, and the 1 GeV voxel lies in one cell (3-4 mm is a cell of the union).
    double sum = 0;
    for (float e : ev.e) sum += e;
    QVERIFY(std::abs(sum - 1.5) < 1e-5);
    QVERIFY(std::abs(ev.at(3, 2, 1) - 1.0f) < 1e-6);
    // The outer ring of layer 5 (one angular bin) is shared over the 10 angles of the 1000-2000 cell.
    QVERIFY(std::abs(ev.at(ev.nx - 1, 7, 5) - 0.05f) < 1e-6);
    const QString out = tmp_.filePath("ds1.png");
    Ran r = runWorkbench({"--open", data, "--screenshot", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(colouredPixels(QImage(out)) > 500);
  }

  void reportViewShowsTheChallengesNumbers() {
    // A report as calo.Validate protocol: calochallenge writes it (dataset 1: per-energy entries,
    // layer 0 without angular bins, a histogram that held no shower).
    const QString path = tmp_.filePath("cc-report.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"score": 0.1, "plots": [], "protocol": "calochallenge",
      "calochallenge": {"dataset": "1-photons"},
      "calochallenge_separation_power": {"Etot / Einc": 0.0137, "E layer 0": 0.006, "E layer 1": 0.012,
        "EC Eta layer 1": 0.0087, "EC Phi layer 1": 0.0084, "Width Eta layer 1": 0.25, "Width Phi layer 1": 0.24,
        "Etot / Einc at E = 512.0": 0.02, "Etot / Einc at E = 256.0": null, "voxel distribution": 0.0004,
        "Sparsity layer 0": 0.004, "Sparsity layer 1": 0.005}})");
    f.close();
    ReportView v(path);
    QVERIFY2(v.summary().contains("CaloChallenge evaluation (dataset 1-photons): Etot / Einc 0.0137, 12 histograms"),
             qPrintable(v.summary()));
    auto* tabs = v.findChild<QTabWidget*>();
    QCOMPARE(tabs->tabText(0), QString("CaloChallenge"));
    const auto tables = tabs->widget(0)->findChildren<QTableWidget*>();
    QCOMPARE(tables.size(), 2);
    // Whole-shower histograms in evaluate.py's order: the ratio, per energy (ascending), voxels.
    QTableWidget* whole = tables[0];
    QCOMPARE(whole->rowCount(), 4);
    QCOMPARE(whole->item(0, 0)->text(), QString("Etot / Einc"));
    QCOMPARE(whole->item(1, 0)->text(), QString("Etot / Einc at E = 256.0"));
    QCOMPARE(whole->item(1, 1)->text(), QString("—"));  // null: no shower in range
    QCOMPARE(whole->item(3, 0)->text(), QString("voxel distribution"));
    // Per layer: rows are layers, columns the features; layer 0 has no centre or width.
    QTableWidget* grid = tables[1];
    QCOMPARE(grid->rowCount(), 2);
    QCOMPARE(grid->columnCount(), 7);
    QCOMPARE(grid->item(1, 4)->text(), QString("0.2500"));  // Width Eta layer 1
    QVERIFY(grid->item(0, 2) == nullptr);
    QCOMPARE(grid->item(0, 6)->text(), QString("0.0040"));  // Sparsity layer 0
  }

  void olderFixedAngleFiles() {
    const QString path = tmp_.filePath("old.h5");
    {
      auto f = tf::h5::File::create(path.toStdString());
      const CellGrid g = toyShower(60, 90, 4, 25, 25, 25);
      at::Tensor ecal = at::from_blob(const_cast<float*>(g.e.data()), {1, 25, 25, 25}, at::kFloat).repeat({2, 1, 1, 1});
      tf::h5::writeTensor(f, "ECAL", ecal);
      tf::h5::writeTensor(f, "target", at::tensor({11.0f, 60.0f, 22.0f, 120.0f}).reshape({2, 2}));
    }
    CaloFile f(path.toStdString());
    auto [g, caption] = f.event(1);
    QCOMPARE(g.nx, 25);
    QCOMPARE(g.nz, 25);
    QVERIFY2(caption.startsWith("E = 120 GeV"), qPrintable(caption));
    {
      auto bad = tf::h5::File::create(tmp_.filePath("badtarget.h5").toStdString());
      tf::h5::writeTensor(bad, "ECAL", at::zeros({2, 5, 5, 5}));
      tf::h5::writeTensor(bad, "target", at::zeros({2}));
    }
    try {
      CaloFile b(tmp_.filePath("badtarget.h5").toStdString());
      QFAIL("a one-column target should be refused");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains("'target'") && QString(e.what()).contains("column 1"), e.what());
    }
  }

  void batchRenderingFromTheCommandLine() {
    const QString path = writeCaloFile(tmp_, "batch.h5");
    const QString out = tmp_.filePath("event2.png");
    Ran r = runWorkbench({"--open", path, "--event", "2", "--screenshot", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QImage img(out);
    QVERIFY(!img.isNull());
    QVERIFY2(colouredPixels(img) > 3000, qPrintable(QString::number(colouredPixels(img))));
    if (qEnvironmentVariableIsSet("TF_KEEP_SHOTS")) img.save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/batch.png");

    r = runWorkbench({"--open", path, "--compare", writeCaloFile(tmp_, "other-three.h5"), "--event", "1",
                      "--screenshot", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(QImage(out).width() > 1000);

    r = runWorkbench({"--open", path, "--view", "shower", "--screenshot", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = runWorkbench({"--open", path, "--view", "nosuch", "--screenshot", out});
    QCOMPARE(r.code, 4);
    QVERIFY2(r.err.contains("no viewer named 'nosuch'") && r.err.contains("shower"), qPrintable(r.err));

    r = runWorkbench({"--open", tmp_.filePath("missing.h5"), "--screenshot", out});
    QCOMPARE(r.code, 4);
    QVERIFY2(r.err.contains("missing.h5") && r.err.contains("no such file"), qPrintable(r.err));
    r = runWorkbench({"--open", path, "--event", "7", "--screenshot", out});
    QCOMPARE(r.code, 4);
    QVERIFY2(r.err.contains("out of range"), qPrintable(r.err));
    {
      auto f = tf::h5::File::create(tmp_.filePath("other.h5").toStdString());
      tf::h5::writeTensor(f, "x", at::zeros({4, 2}));
    }
    r = runWorkbench({"--open", tmp_.filePath("other.h5"), "--screenshot", out});
    QCOMPARE(r.code, 4);
    QVERIFY2(r.err.contains("'ECAL'"), qPrintable(r.err));
  }

  void eventsLoadInTheBackground() {
    ShowerView v;
    std::atomic<int> reads{0};
    v.setEvents(4, [&reads](int i) -> std::pair<CellGrid, QString> {
      if (i > 0) QThread::msleep(150);  // a slow file
      ++reads;
      return {toyShower(40.0 + 40 * i, 90, 5), QStringLiteral("event %1").arg(i)};
    });
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QSignalSpy changed(&v, &ShowerView::eventChanged);
    v.requestEvent(1);
    QVERIFY(v.loading());  // returned at once; the UI thread is free
    QCOMPARE(v.currentEvent(), 0);
    QVERIFY(v.findChild<QLabel*>("caption")->text().contains("Loading event 1"));
    v.requestEvent(3);  // supersedes 1
    QTRY_COMPARE_WITH_TIMEOUT(v.currentEvent(), 3, 10000);
    QVERIFY(!v.loading());
    QTest::qWait(300);  // event 1's read finishes too, and is dropped
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toInt(), 3);
    QCOMPARE(v.currentEvent(), 3);
    v.requestEvent(9);  // out of range: a message, nothing loads
    QVERIFY(!v.loading());
    QVERIFY(v.message().contains("out of range"));
  }

  void stateIsRestoredPerFile() {
    QCoreApplication::setOrganizationName("TwinForgeTest");
    QCoreApplication::setApplicationName("test_showerview");
    auto loader = [](int i) -> std::pair<CellGrid, QString> { return {toyShower(50 + 50 * i, 90, 3), "toy"}; };
    QVariantMap saved;
    {
      ShowerView v;
      v.setStateKey("viewers/shower/test.h5");
      v.setEvents(3, loader);
      v.show();
      QVERIFY(QTest::qWaitForWindowExposed(&v));
      QVERIFY(v.goToEvent(2));
      v.setThreshold(2e-3);
      v.setLayerRange(3, 20);
      v.view()->renderer()->GetActiveCamera()->Azimuth(40);
      saved = v.state();
    }  // closing saves
    ShowerView w;
    w.setStateKey("viewers/shower/test.h5");
    w.setEvents(3, loader);
    QVERIFY(w.restoreState());
    QCOMPARE(w.currentEvent(), 2);
    QCOMPARE(w.threshold(), 2e-3);
    QCOMPARE(w.state().value("firstLayer").toInt(), 3);
    QCOMPARE(w.state().value("position"), saved.value("position"));
    ShowerView fresh;
    fresh.setStateKey("viewers/shower/other.h5");
    QVERIFY(!fresh.restoreState());
  }

  void comparisonLinksCamerasCutsAndEvents() {
    ShowerCompareView cmp;
    cmp.resize(1400, 600);
    auto mc = [](int i) -> std::pair<CellGrid, QString> { return {toyShower(50.0 + 50 * i, 90, 11), "MC"}; };
    auto gen = [](int i) -> std::pair<CellGrid, QString> { return {toyShower(50.0 + 50 * i, 90, 99), "generated"}; };
    cmp.setSources(3, mc, "Monte Carlo", gen, "Generated");
    cmp.show();
    QVERIFY(QTest::qWaitForWindowExposed(&cmp));
    auto position = [](ShowerView* v) {
      double p[3];
      v->view()->renderer()->GetActiveCamera()->GetPosition(p);
      return std::vector<double>(p, p + 3);
    };
    QCOMPARE(position(cmp.left()), position(cmp.right()));
    const auto before = position(cmp.right());
    // Turn the left view with the mouse: the right one follows.
    QWidget* lv = cmp.left()->view();
    const QPoint c = lv->rect().center();
    QMouseEvent press(QEvent::MouseButtonPress, c, lv->mapToGlobal(c), Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(lv, &press);
    for (int k = 1; k <= 6; ++k) {
      const QPoint p = c + QPoint(15 * k, 5 * k);
      QMouseEvent move(QEvent::MouseMove, p, lv->mapToGlobal(p), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
      QApplication::sendEvent(lv, &move);
    }
    QMouseEvent release(QEvent::MouseButtonRelease, c + QPoint(90, 30), lv->mapToGlobal(c + QPoint(90, 30)),
                        Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(lv, &release);
    QVERIFY(position(cmp.left()) != before);
    QCOMPARE(position(cmp.right()), position(cmp.left()));
    // Cuts and events follow too.
    cmp.right()->setThreshold(2e-3);
    QCOMPARE(cmp.left()->threshold(), 2e-3);
    cmp.left()->setLayerRange(2, 18);
    QCOMPARE(cmp.right()->firstLayer(), 2);
    QCOMPARE(cmp.right()->lastLayer(), 18);
    QTest::mouseClick(cmp.left()->findChild<QPushButton*>("nextEvent"), Qt::LeftButton);
    QTRY_COMPARE(cmp.right()->currentEvent(), 1);
    // Each side's profile is drawn over the other's.
    QCOMPARE(cmp.left()->plots()->referenceLongitudinal(), cmp.right()->plots()->longitudinal());
    QCOMPARE(cmp.right()->plots()->referenceLongitudinal(), cmp.left()->plots()->longitudinal());
    QVERIFY(cmp.left()->plots()->longitudinal() != cmp.right()->plots()->longitudinal());
    // One colour scale, spanning both events' drawn cells.
    QCOMPARE(cmp.left()->colourRange(), cmp.right()->colourRange());
    for (ShowerView* side : {cmp.left(), cmp.right()}) {
      QVERIFY(cmp.left()->colourRange().second >= std::log10(side->stats().maxEnergy * 1e3) - 1e-9);
      QVERIFY(cmp.left()->colourRange().first <= std::log10(side->stats().minEnergy * 1e3) + 1e-9);
    }
    // A single view follows its own event.
    ShowerView single;
    single.setEvent(toyShower(100, 90, 1), "one");
    QCOMPARE(single.colourRange().second, std::log10(single.stats().maxEnergy * 1e3));
    if (qEnvironmentVariableIsSet("TF_KEEP_SHOTS")) cmp.grab().save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/compare.png");
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
    QCOMPARE(v.threshold(), 5e-4);  // the default hides the halo
    const auto fromStart = v.stats();
    v.setThreshold(1e-4);
    const auto all = v.stats();
    QVERIFY(all.litCells > fromStart.litCells);
    QVERIFY2(all.litCells > 1000, qPrintable(QString::number(all.litCells)));
    QImage img = v.view()->snapshot();
    QVERIFY2(v.view()->glError().isEmpty(), qPrintable(v.view()->glError()));
    const int colouredAll = colouredPixels(img);
    QVERIFY2(colouredAll > 5000, qPrintable(QString::number(colouredAll)));
    if (qEnvironmentVariableIsSet("TF_KEEP_SHOTS")) {
      v.grab().save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/shower.png");
      v.setThreshold(1e-3);
      v.grab().save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/shower-1MeV.png");
      v.plots()->setCurrentIndex(3);
      v.grab().save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/shower-yz.png");
      v.plots()->setCurrentIndex(0);
      v.setThreshold(1e-4);
    }

    v.setThreshold(1e-3);  // 1 MeV: the halo goes
    QVERIFY(v.stats().litCells < all.litCells);
    QVERIFY(v.stats().minEnergy > 1e-3);
    QVERIFY(colouredPixels(v.view()->snapshot()) < colouredAll);
    v.setLayerRange(5, 10);
    QVERIFY(v.stats().litCells > 0);
    {
      const auto& lon = v.plots()->longitudinal();
      QCOMPARE(lon.size(), std::size_t(25));
      QCOMPARE(lon[4], 0.0);
      QCOMPARE(lon[11], 0.0);
      QVERIFY(lon[7] > 0);
      const double sum = std::accumulate(lon.begin(), lon.end(), 0.0);
      QVERIFY(std::abs(sum - v.stats().totalEnergy) < 1e-9 * std::max(1.0, sum));
    }
    v.setLayerRange(0, 24);
    v.setThreshold(1e-4);

    auto* prev = v.findChild<QPushButton*>("previousEvent");
    auto* next = v.findChild<QPushButton*>("nextEvent");
    QVERIFY(prev && next);
    QVERIFY(!prev->isEnabled());  // no event before the first
    QTest::mouseClick(next, Qt::LeftButton);
    QTRY_COMPARE(v.currentEvent(), 1);
    QVERIFY(v.stats().totalEnergy < all.totalEnergy);  // 20 GeV deposits less than 100
    QVERIFY(!v.goToEvent(2));                           // unreadable: a message, the view stays
    QCOMPARE(v.currentEvent(), 1);
    QVERIFY2(v.message().contains("row 2 is damaged"), qPrintable(v.message()));
    QVERIFY(loads >= 3);
    // Linear energy axis and back: the profiles redraw on the other axis type.
    auto* logBox = v.plots()->findChild<QCheckBox*>();
    QVERIFY(logBox && logBox->isChecked());
    auto* chartView = v.plots()->findChild<QChartView*>();
    QVERIFY(chartView);
    logBox->setChecked(false);
    QCOMPARE(chartView->chart()->axes(Qt::Vertical).size(), 1);
    QVERIFY(qobject_cast<QValueAxis*>(chartView->chart()->axes(Qt::Vertical).first()));
    QCOMPARE(chartView->chart()->series().size(), 1);
    logBox->setChecked(true);
    QVERIFY(qobject_cast<QLogValueAxis*>(chartView->chart()->axes(Qt::Vertical).first()));
    QString err;
    for (int tab : {0, 3}) {  // the profiles and the y-z projection as SVG
      v.plots()->setCurrentIndex(tab);
      const QString svg = QDir::temp().filePath("tf-plot.svg");
      QVERIFY(v.plots()->exportSvg(svg, &err));
      QFile f(svg);
      QVERIFY(f.open(QIODevice::ReadOnly));
      const QByteArray text = f.readAll();
      QVERIFY(text.contains("<svg"));
      QVERIFY2(text.contains(tab == 0 ? "Longitudinal profile" : "MeV"), text.left(300).constData());
      f.remove();
    }
    QVERIFY(v.savePicture(QDir::temp().filePath("tf-shower-test.png"), &err));
    QVERIFY(colouredPixels(QImage(QDir::temp().filePath("tf-shower-test.png"))) > 1000);
    QFile::remove(QDir::temp().filePath("tf-shower-test.png"));
  }
};

QTEST_MAIN(TestShowerView)
#include "test_showerview.moc"
