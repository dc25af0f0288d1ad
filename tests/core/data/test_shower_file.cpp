// The one reader of calorimeter shower files: layouts recognised, energies in GeV whatever
// the file stores (fixed-angle files' target column 1, CaloChallenge's MeV), cells read by
// event, the CaloChallenge geometries, and errors that name the file and dataset.
#include "data/ShowerFile.h"

#include <QTemporaryDir>
#include <QtTest>

#include <hdf5.h>

using namespace tf;
using namespace tf::data;

namespace {

// Writes a float32 dataset of the given shape (HDF5's C API: this test needs no LibTorch).
void write(const h5::File& f, const char* name, std::vector<hsize_t> shape, const std::vector<float>& v) {
  hid_t space = H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
  hid_t ds = H5Dcreate2(f.id(), name, H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Dclose(ds);
  H5Sclose(space);
}

std::vector<float> ramp(std::size_t n, float scale = 1) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i) * scale;
  return v;
}

std::string errorOf(const std::string& path) {
  try {
    ShowerFile f(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

class TestShowerFile : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::string path(const char* name) const { return tmp_.filePath(name).toStdString(); }

 private Q_SLOTS:
  void threeDGanWithAngles() {
    {
      auto f = h5::File::create(path("gan.h5"));
      write(f, "ECAL", {2, 3, 3, 4}, ramp(72));
      write(f, "energy", {2, 1}, {50, 120});
      write(f, "theta", {2}, {1.5f, 1.2f});
    }
    QVERIFY(ShowerFile::detect(path("gan.h5")) == ShowerFormat::ThreeDGan);
    const ShowerFile f(path("gan.h5"));
    QCOMPARE(f.events(), std::int64_t(2));
    QCOMPARE(f.eventShape(), (std::vector<std::int64_t>{3, 3, 4}));
    QCOMPARE(f.cellsPerEvent(), std::int64_t(36));
    QCOMPARE(f.energies(), (std::vector<float>{50, 120}));
    QCOMPARE(f.angleDataset(), std::string("theta"));
    QCOMPARE(f.angles(1, 2), (std::vector<float>{1.2f}));
    std::vector<float> cells(36);
    f.readCells(1, 2, cells.data());
    QCOMPARE(cells.front(), 36.0f);
    QCOMPARE(std::string(f.storedUnit()), std::string("GeV"));
  }

  void fixedAngleEnergyFromTargetColumnOne() {
    {
      auto f = h5::File::create(path("old.h5"));
      write(f, "ECAL", {2, 2, 2, 2}, ramp(16));
      write(f, "target", {2, 2}, {11, 60, 22, 120});
    }
    QVERIFY(ShowerFile::detect(path("old.h5")) == ShowerFormat::ThreeDGanFixedAngle);
    const ShowerFile f(path("old.h5"));
    QCOMPARE(f.energies(), (std::vector<float>{60, 120}));
    QCOMPARE(f.angles().size(), std::size_t(2));
    QCOMPARE(f.angles().front(), static_cast<float>(M_PI / 2));
  }

  void caloChallengeInMeV() {
    {
      auto f = h5::File::create(path("cc.h5"));
      write(f, "showers", {1, 6480}, ramp(6480, 1000));
      write(f, "incident_energies", {1, 1}, {256000});
    }
    QVERIFY(ShowerFile::detect(path("cc.h5")) == ShowerFormat::CaloChallenge);
    const ShowerFile f(path("cc.h5"));
    QCOMPARE(f.energies(), (std::vector<float>{256}));
    QCOMPARE(std::string(f.storedUnit()), std::string("MeV"));
    std::vector<float> cells(6480);
    f.readCells(0, 1, cells.data());
    QCOMPARE(cells[3], 3.0f);  // 3000 MeV
    const CylinderGeometry* g = caloChallengeGeometry(f.cellsPerEvent());
    QVERIFY(g && g->dataset == 2 && g->radialBins == 9 && g->alphaBins == 16 && g->layers == 45);
    QCOMPARE(g->describe(), std::string("dataset 2: 45 layers x 16 angular x 9 radial bins"));
    QVERIFY(caloChallengeGeometry(40500) && caloChallengeGeometry(40500)->dataset == 3);
    QVERIFY(!caloChallengeGeometry(368));
    QCOMPARE(describeCaloChallengeVoxels(533), std::string("dataset 1 (pions): binning from its XML file"));
  }

  // Found by fuzz_shower_file: a 12 KB file declaring dimensions whose product overflowed
  // (undefined behaviour in cellsPerEvent); refused by name instead.
  void damagedDimensionsAreRefused() {
    const std::string damaged = TF_SOURCE_DIR "/tests/fixtures/damaged/shower-cells-overflow.h5";
    try {
      tf::data::ShowerFile f(damaged);
      QFAIL("a shower file with overflowing dimensions was accepted");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains(QString::fromStdString(damaged)) &&
                   QString(e.what()).contains("the file is damaged"),
               e.what());
    }
  }

  void wrongFilesAreNamed() {
    {
      auto f = h5::File::create(path("flat.h5"));
      write(f, "ECAL", {4, 5, 5}, ramp(100));
      write(f, "energy", {4}, ramp(4));
    }
    std::string e = errorOf(path("flat.h5"));
    QVERIFY2(e.find("flat.h5") != std::string::npos && e.find("'ECAL' has shape (4, 5, 5)") != std::string::npos &&
                 e.find("expected (events, x, y, layers)") != std::string::npos,
             e.c_str());
    {
      auto f = h5::File::create(path("rows.h5"));
      write(f, "ECAL", {4, 2, 2, 2}, ramp(32));
      write(f, "energy", {3}, ramp(3));
    }
    e = errorOf(path("rows.h5"));
    QVERIFY2(e.find("'/energy'") != std::string::npos && e.find("4 events") != std::string::npos, e.c_str());
    {
      auto f = h5::File::create(path("target.h5"));
      write(f, "ECAL", {2, 2, 2, 2}, ramp(16));
      write(f, "target", {2}, {1, 2});
    }
    e = errorOf(path("target.h5"));
    QVERIFY2(e.find("'target'") != std::string::npos && e.find("column 1") != std::string::npos, e.c_str());
    {
      auto f = h5::File::create(path("other.h5"));
      write(f, "x", {2}, {1, 2});
    }
    QVERIFY(ShowerFile::detect(path("other.h5")) == ShowerFormat::None);
    e = errorOf(path("other.h5"));
    QVERIFY2(e.find("neither a 3DGAN file") != std::string::npos, e.c_str());
    e = errorOf(path("missing.h5"));
    QVERIFY2(e.find("missing.h5") != std::string::npos, e.c_str());
  }
};

QTEST_GUILESS_MAIN(TestShowerFile)
#include "test_shower_file.moc"
