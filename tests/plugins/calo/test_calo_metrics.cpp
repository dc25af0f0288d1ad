// The validation distances and observables of the calorimeter plugin against values worked out
// by hand: separation power 0 for identical and 1 for disjoint histograms, Jensen-Shannon in
// bits, Wasserstein-1 of a shift equal to the shift, and observables of a shower built cell by cell.
#include "data/CaloBinning.h"
#include "Classifier.h"
#include "Metrics.h"
#include "Observables.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <QTemporaryDir>
#include <QtTest>

#include <random>

using namespace tf::calo;

class TestCaloMetrics : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void separationPowerAndJensenShannon() {
    const std::vector<double> p{0.25, 0.25, 0.5, 0}, q{0, 0, 0, 1};
    QCOMPARE(separationPower(p, p), 0.0);
    QCOMPARE(separationPower(p, q), 1.0);  // disjoint
    QVERIFY(std::abs(jensenShannon(p, q) - 1.0) < 1e-12);
    QVERIFY(jensenShannon(p, p) < 1e-12);
    // By hand: p = (0.5, 0.5), q = (1, 0): ½ [(−0.5)²/1.5 + 0.5²/0.5] = 1/3.
    QVERIFY(std::abs(separationPower({0.5, 0.5}, {1, 0}) - 1.0 / 3) < 1e-12);
    QVERIFY_EXCEPTION_THROWN(separationPower({1}, {0.5, 0.5}), std::invalid_argument);
  }

  void rocAucByHand() {
    QCOMPARE(rocAuc({3, 4}, {1, 2}), 1.0);
    QCOMPARE(rocAuc({1, 2}, {3, 4}), 0.0);
    QCOMPARE(rocAuc({1, 3}, {2, 4}), 0.25);  // one of four pairs ranks the positive higher
    QCOMPARE(rocAuc({2}, {2}), 0.5);          // a tie counts half
    QVERIFY(std::isnan(rocAuc({}, {1})));
  }

  void classifierTellsDifferentShowersApartAndNotEqualOnes() {
    // Toy showers on a 6 x 6 x 5 grid: a blob whose depth is set by `depth`, with noise.
    auto showers = [](std::uint64_t seed, double depth, int n) {
      auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
      at::Tensor c = at::zeros({n, 6, 6, 5});
      const at::Tensor z = at::arange(5, at::kFloat);
      const at::Tensor profile = at::exp(-(z - depth).pow(2));
      c.select(1, 2).select(1, 3).copy_(profile.expand({n, 5}) * (1 + 0.3 * at::randn({n, 5}, gen)).abs());
      c.select(1, 3).select(1, 3).copy_(0.3 * profile.expand({n, 5}) * at::rand({n, 5}, gen));
      return computeObservables(c, at::full({n}, 100.0f), 1e-3);
    };
    const ClassifierResult same = classifierTest(showers(1, 2.0, 400), showers(2, 2.0, 400), 7, 100);
    const ClassifierResult other = classifierTest(showers(1, 2.0, 400), showers(3, 2.6, 400), 7, 100);
    qInfo("AUC same distribution %.3f, shifted depth %.3f", same.auc, other.auc);
    QVERIFY2(same.auc > 0.35 && same.auc < 0.65, qPrintable(QString::number(same.auc)));
    QVERIFY2(other.auc > 0.9, qPrintable(QString::number(other.auc)));
    QCOMPARE(same.testEvents, std::int64_t(320));
  }

  void histogramsFoldOutliersIntoTheEdgeBins() {
    const std::vector<double> edges{0, 1, 2};
    const auto h = histogram({-5, 0.5, 1.5, 9, std::nan("")}, edges);
    QCOMPARE(h, (std::vector<double>{0.5, 0.5}));
    // Log binning ignores values <= 0 and spans the reference.
    std::vector<double> ref;
    for (int i = 0; i < 100; ++i) ref.push_back(std::pow(10.0, -3 + 4 * i / 99.0));
    const auto le = binEdges(ref, 10, true);
    QVERIFY(le.front() < 1.1e-3 && le.back() > 9);
    QCOMPARE(le.size(), std::size_t(11));
    // A constant reference still gets a usable range.
    const auto ce = binEdges({2, 2, 2}, 4);
    QVERIFY(ce.front() < 2 && ce.back() > 2);
  }

  void wassersteinOfAShiftIsTheShift() {
    std::mt19937 rng(1);
    std::normal_distribution<double> g(0, 1);
    std::vector<double> a, b;
    for (int i = 0; i < 2000; ++i) {
      const double x = g(rng);
      a.push_back(x);
      b.push_back(x + 0.7);
    }
    QVERIFY(std::abs(wasserstein1(a, b) - 0.7) < 1e-9);
    // Histograms: all weight at 0 against all at 3 is a distance of 3.
    QVERIFY(std::abs(wasserstein1({0, 1, 2, 3}, {1, 0, 0, 0}, {0, 0, 0, 2}) - 3) < 1e-12);
  }

  void observablesOfAKnownShower() {
    // Two events on a 5 x 5 x 4 grid: event 0 puts 1 GeV in (2, 2, 1) and 1 GeV in (2, 2, 3);
    // event 1 puts 4 GeV in (0, 4, 0).
    at::Tensor c = at::zeros({2, 5, 5, 4});
    c[0][2][2][1] = 1;
    c[0][2][2][3] = 1;
    c[1][0][4][0] = 4;
    const auto obs = computeObservables(c, at::tensor({100.0f, 200.0f}), 1e-3);
    auto find = [&](const std::string& name) -> const Observable& {
      for (const auto& o : obs)
        if (o.name == name) return o;
      qFatal("no observable %s", name.c_str());
    };
    QCOMPARE(find("energy_ratio").values, (std::vector<double>{0.02, 0.02}));
    QCOMPARE(find("centre_z").values[0], 2.0);
    QCOMPARE(find("width_z").values[0], 1.0);
    QCOMPARE(find("centre_x").values[1], 0.0);
    QCOMPARE(find("centre_y").values[1], 4.0);
    QCOMPARE(find("width_x").values[1], 0.0);
    QCOMPARE(find("sparsity").values[0], 2.0 / 100);
    QCOMPARE(find("layer_03_energy").values, (std::vector<double>{1, 0}));
    QCOMPARE(find("longitudinal_profile").values, (std::vector<double>{2, 0.5, 0, 0.5}));
    QCOMPARE(find("cell_energy").values.size(), std::size_t(3));
    // Lateral: all energy at radius 0 from each event's own centre.
    QCOMPARE(find("lateral_profile").values[0], 3.0);
    // An empty event has no centre: NaN, left out of the histograms rather than counted at 0.
    const auto withEmpty = computeObservables(at::zeros({1, 5, 5, 4}), at::tensor({10.0f}), 1e-3);
    for (const auto& o : withEmpty)
      if (o.name == "centre_x") QVERIFY(std::isnan(o.values[0]));

    // A set compared with itself scores 0; with a different one, more.
    const Comparison same = compare(obs, obs, 10);
    QCOMPARE(same.score, 0.0);
    at::Tensor d = c.clone();
    d[1][0][4][0] = 0;
    d[1][4][0][2] = 4;
    QVERIFY(compare(obs, computeObservables(d, at::tensor({100.0f, 200.0f}), 1e-3), 10).score > 0.05);
  }

  void binningFilesAndCylindricalObservables() {
    QTemporaryDir dir;
    const QString xml = dir.filePath("binning.xml");
    QFile f(xml);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"(<Bins>
  <Bin pid="22" name="photon">
    <Layer id="0" r_edges="0,5,10" n_bin_alpha="1" />
    <Layer id="1" r_edges="0" n_bin_alpha="1" />
    <Layer id="2" r_edges="0,2,4" n_bin_alpha="4" />
  </Bin>
  <Bin pid="211" name="pion">
    <Layer id="0" r_edges="0,1" n_bin_alpha="1" />
  </Bin>
</Bins>
)");
    f.close();
    const Binning photon = readBinning(xml.toStdString());
    QCOMPARE(photon.particle, std::string("photon"));
    QCOMPARE(photon.layers.size(), std::size_t(3));
    QCOMPARE(photon.voxels(), 2 + 0 + 8);
    QCOMPARE(readBinning(xml.toStdString(), "pion").voxels(), 1);
    QCOMPARE(builtInBinning(6480).voxels(), 6480);
    QCOMPARE(builtInBinning(40500).voxels(), 40500);
    QVERIFY(builtInBinning(368).layers.empty());

    // 1 GeV in voxel 2: layer 2, first angular bin (centred at 45 degrees), radius 1 mm.
    const VoxelGeometry g = VoxelGeometry::cylindrical(photon);
    QCOMPARE(g.layers, std::int64_t(2));  // the empty layer 1 is left out
    at::Tensor c = at::zeros({1, 10});
    c[0][2] = 1;
    const auto obs = computeObservables(c, at::tensor({50.0f}), g, 1e-3);
    auto value = [&](const std::string& name) {
      for (const auto& o : obs)
        if (o.name == name) return o.values;
      qFatal("no observable %s", name.c_str());
    };
    QVERIFY(std::abs(value("centre_x")[0] - std::sqrt(0.5)) < 1e-9);
    QVERIFY(std::abs(value("centre_y")[0] - std::sqrt(0.5)) < 1e-9);
    QCOMPARE(value("layer_02_energy")[0], 1.0);
    QCOMPARE(value("layer_00_energy")[0], 0.0);
    QCOMPARE(value("centre_z")[0], 1.0);  // the second non-empty layer
    QCOMPARE(value("lateral_profile"), (std::vector<double>{1, 0, 0, 0}));  // bins 0-2, 2-4, 4-5, 5-10 mm

    // Errors name the file and the line.
    QFile bad(dir.filePath("bad.xml"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("<Bins>\n <Bin name=\"photon\">\n  <Layer id=\"0\" r_edges=\"0,x\" n_bin_alpha=\"1\"/>\n</Bin></Bins>\n");
    bad.close();
    try {
      readBinning(bad.fileName().toStdString());
      QFAIL("no error");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains("bad.xml', line 3") && QString(e.what()).contains("'x'"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestCaloMetrics)
#include "test_calo_metrics.moc"
