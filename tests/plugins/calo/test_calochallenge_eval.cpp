// The CaloChallenge evaluation's histogram test (calo.Validate protocol: calochallenge) against
// values worked out by hand: numpy's histogram rules, the separation power, the per-shower
// features on a small binning built voxel by voxel, and the names and order evaluate.py prints.
#include "CaloChallengeEval.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>

using namespace tf::calo;

namespace {

bool near(double a, double b, double tol = 1e-6) { return std::abs(a - b) <= tol; }

// Three layers: layer 0 with 2 radial (0-2-4 mm) x 2 angular bins, layer 1 without voxels,
// layer 2 with one voxel. Voxels: radial bin fastest, then angle; the angular bins' middles are
// -pi/2 and +pi/2, so voxel 0 sits at (eta, phi) = (0, -1), 1 at (0, -3), 2 at (0, 1), 3 at (0, 3).
tf::data::Binning smallBinning() {
  tf::data::Binning b;
  b.source = "hand-made";
  b.layers = {{0, {0, 2, 4}, 2}, {1, {0}, 1}, {2, {0, 10}, 1}};
  return b;
}

// Showers in MeV, as a CaloChallenge file stores them.
at::Tensor mev(const std::vector<std::vector<float>>& rows) {
  at::Tensor t = at::zeros({static_cast<long>(rows.size()), static_cast<long>(rows[0].size())});
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t k = 0; k < rows[i].size(); ++k) t[i][k] = rows[i][k];
  return t;
}

const cc::Dataset kPhotons{"1-photons", 1.0};

double valueOf(const std::vector<std::pair<std::string, double>>& v, const std::string& name) {
  for (const auto& [n, x] : v)
    if (n == name) return x;
  throw std::runtime_error("no " + name);
}

}  // namespace

class TestCaloChallengeEval : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void edgesAsNumpyMakesThem() {
    const auto e = cc::linspace(0.5, 1.5, 101);
    QCOMPARE(e.size(), std::size_t(101));
    QCOMPARE(e.front(), 0.5);
    QCOMPARE(e.back(), 1.5);
    QVERIFY(near(e[50], 1.0, 1e-15));
    const auto l = cc::logspace(0, 2, 3);
    QVERIFY(near(l[0], 1, 1e-15) && near(l[1], 10, 1e-13) && near(l[2], 100, 1e-12));
  }

  void histogramCountsAsNumpyDoes() {
    cc::Histogram h({0, 1, 2});
    for (double v : {0.0, 1.0, 2.0, 2.5, -0.1, std::nan("")}) h.add(v);
    // 0 in [0, 1); 1 in [1, 2]; the last bin holds its upper edge; outside and NaN not counted.
    QCOMPARE(h.counts(), (std::vector<double>{1, 2}));
    QCOMPARE(h.total(), 3.0);
  }

  void separationPowerByHand() {
    // p = (1/2, 1/2), q = (0, 1): 1/2 [(1/2)^2 / (1/2) + (1/2)^2 / (3/2)] = 1/3.
    QVERIFY(near(cc::separationPower({0.2, 0.7}, {0.9}, {0, 0.5, 1}), 1.0 / 3, 1e-12));
    QCOMPARE(cc::separationPower({0.2, 0.7}, {0.2, 0.7}, {0, 0.5, 1}), 0.0);
    // Normalised over what each histogram holds: a value outside the edges does not count.
    QCOMPARE(cc::separationPower({0.2, 0.7}, {0.2, 0.7, 5.0}, {0, 0.5, 1}), 0.0);
    // Nothing inside the edges: numpy's 0/0, NaN.
    QVERIFY(std::isnan(cc::separationPower({0.2}, {3.0}, {0, 0.5, 1})));
  }

  void featuresOfAShowerBuiltVoxelByVoxel() {
    // Layer 0: 25, 0.5 (below the 1 MeV threshold: 0), 0, 75 MeV; layer 2: 100 MeV.
    const cc::Features f = cc::features(mev({{25, 0.5f, 0, 75, 100}}), at::full({1}, 256.0f), smallBinning(), kPhotons);
    QVERIFY(near(f.etot[0], 200, 1e-4));
    QVERIFY(near(f.einc[0], 256, 1e-4));
    QCOMPARE(f.layerEnergy.size(), std::size_t(2));  // layers 0 and 2: layer 1 has no voxels
    QVERIFY(near(f.layerEnergy.at(0)[0], 100, 1e-4) && near(f.layerEnergy.at(2)[0], 100, 1e-4));
    QVERIFY(near(f.sparsity.at(0)[0], 0.5) && near(f.sparsity.at(2)[0], 0));
    // Only layer 0 has angular bins: phi centre (-1*25 + 3*75) / 100 = 2; <phi^2> = (25 + 9*75) / 100 = 7,
    // width sqrt(7 - 4); eta is 0 everywhere.
    QCOMPARE(f.ecPhi.size(), std::size_t(1));
    QVERIFY(near(f.ecPhi.at(0)[0], 2) && near(f.widthPhi.at(0)[0], std::sqrt(3.0)));
    QVERIFY(near(f.ecEta.at(0)[0], 0) && near(f.widthEta.at(0)[0], 0));
    QVERIFY(near(f.voxelMax, 100, 1e-4));
  }

  void everyPowerUnderEvaluatePysNames() {
    // Reference: shower A twice, E_tot / E_inc = 200 / 256 = 0.78125. Generated: A and B, whose
    // layer 2 holds 200 MeV: 300 / 256 = 1.171875. (Largest values of 100 MeV: their float32
    // logarithm is exact, so they sit on the last edge and count.)
    const std::vector<float> a{25, 0.5f, 0, 75, 100}, b{25, 0.5f, 0, 75, 200};
    const at::Tensor e = at::full({2}, 256.0f);
    const auto powers = cc::separationPowers(mev({a, a}), e, mev({a, b}), e, smallBinning(), kPhotons);
    std::vector<std::string> names;
    for (const auto& [n, v] : powers) names.push_back(n);
    const std::vector<std::string> head{"Etot / Einc",       "E layer 0",         "E layer 2",
                                        "EC Eta layer 0",    "EC Phi layer 0",    "Width Eta layer 0",
                                        "Width Phi layer 0", "Etot / Einc at E = 256.0"};
    QCOMPARE(std::vector<std::string>(names.begin(), names.begin() + 8), head);
    QCOMPARE(names[21], std::string("Etot / Einc at E = 4194304.0"));
    QCOMPARE(names[22], std::string("voxel distribution"));
    QCOMPARE(names[23], std::string("Sparsity layer 0"));
    QCOMPARE(names.size(), std::size_t(25));
    // 0.78125 and 1.171875 in different 0.01 bins: p = (1, 0), q = (1/2, 1/2) gives 1/3.
    QVERIFY(near(valueOf(powers, "Etot / Einc"), 1.0 / 3));
    // Dataset 1 per incident energy: both in [256, 512), bins 0.05 wide: 1/3 again; the other
    // energies hold no shower: NaN (null in report.json).
    QVERIFY(near(valueOf(powers, "Etot / Einc at E = 256.0"), 1.0 / 3));
    QVERIFY(std::isnan(valueOf(powers, "Etot / Einc at E = 512.0")));
    // Layer 2's bins end at the reference's largest value (100): B's 200 lies outside and is
    // left out of the generated histogram, which then equals the reference's.
    QCOMPARE(valueOf(powers, "E layer 2"), 0.0);
    QCOMPARE(valueOf(powers, "E layer 0"), 0.0);
    QCOMPARE(valueOf(powers, "EC Phi layer 0"), 0.0);
    // Voxels up to 100 MeV: reference {25, 75, 100} twice (1/3 each); generated 25 and 75 twice
    // and 100 once (200 outside): 2/5, 2/5, 1/5. 1/2 [2 (1/15)^2 / (11/15) + (2/15)^2 / (8/15)] = 1/44.
    QVERIFY(near(valueOf(powers, "voxel distribution"), 1.0 / 44, 1e-9));
    QCOMPARE(valueOf(powers, "Sparsity layer 0"), 0.0);
  }

  void datasetsByVoxelCount() {
    QCOMPARE(cc::datasetFor(368).name, std::string("1-photons"));
    QCOMPARE(cc::datasetFor(533).name, std::string("1-pions"));
    QCOMPARE(cc::datasetFor(6480).name, std::string("2"));
    QVERIFY(near(cc::datasetFor(40500).minEnergy, 0.5e-3 / 0.033, 1e-15));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, cc::datasetFor(10));
    // Showers that do not match the binning are refused by name.
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, cc::features(at::zeros({1, 4}), at::ones({1}), smallBinning(), kPhotons));
  }
};

QTEST_GUILESS_MAIN(TestCaloChallengeEval)
#include "test_calochallenge_eval.moc"
