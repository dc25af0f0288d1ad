// The calorimeter plugin through twinforge-run: calo.ToyMC writes a 3DGAN file event by event
// (shapes, ranges, the sampling fraction, determinism), `info` recognises 3DGAN and
// CaloChallenge files, and bad parameters fail with the parameter named.
#include "TestSupport.h"
#include "io/Hdf5.h"
#include "io/Hdf5Tensor.h"

#include <ATen/ATen.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

using tftest::runTool;
using Result = tftest::ToolResult;

}  // namespace

class TestCalo : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

  QString toyMC(const QString& name, int events, int seed, const QStringList& extra = {}) {
    QStringList args{tftest::source("resources/pipelines/calo-toymc.yaml"), "-q", "-w", tmp_.path(),
                     "--set", "events=" + QString::number(events), "--set", "seed=" + QString::number(seed),
                     "--set", "toymc_pipeline.steps.showers.file=" + name};
    Result r = runTool(args + extra);
    if (r.code != 0) qWarning("%s", qPrintable(r.err));
    return r.code == 0 ? tmp_.filePath(name) : QString();
  }

 private Q_SLOTS:
  void toyMonteCarloWritesA3DganFile() {
    const QString file = toyMC("a.h5", 30, 5);
    QVERIFY(!file.isEmpty());
    auto f = tf::h5::File::open(file.toStdString());
    QCOMPARE(QString::fromStdString(f.dataset("ECAL").shapeString()), QString("(30, 51, 51, 25)"));
    at::Tensor e = tf::h5::readTensor(f, "energy"), th = tf::h5::readTensor(f, "theta");
    QCOMPARE(e.size(0), 30);
    QVERIFY(e.min().item<double>() >= 10 && e.max().item<double>() <= 200);
    QVERIFY(th.min().item<double>() >= 60 * M_PI / 180 - 1e-6 && th.max().item<double>() <= 120 * M_PI / 180 + 1e-6);
    // About 2 % of the primary energy is deposited (sampling fraction), event by event.
    at::Tensor ecal = tf::h5::readTensor(f, "ECAL", 0, 30);
    at::Tensor ratio = ecal.sum({1, 2, 3}) / e;
    QVERIFY2(ratio.min().item<double>() > 0.015 && ratio.max().item<double>() < 0.025,
             qPrintable(QString("%1 %2").arg(ratio.min().item<double>()).arg(ratio.max().item<double>())));
    // Higher energies shower deeper: the mean layer grows with energy.
    at::Tensor layers = at::arange(25, at::kFloat);
    at::Tensor depth = (ecal.sum({1, 2}) * layers).sum(1) / ecal.sum({1, 2, 3});
    const auto order = e.argsort();
    QVERIFY(depth[order[29]].item<double>() > depth[order[0]].item<double>());
  }

  void sameSeedSameShowers() {
    const QString a = toyMC("s1.h5", 6, 9), b = toyMC("s2.h5", 6, 9), c = toyMC("s3.h5", 6, 10);
    QVERIFY(!a.isEmpty() && !b.isEmpty() && !c.isEmpty());
    auto read = [](const QString& p) { return tf::h5::readTensor(tf::h5::File::open(p.toStdString()), "ECAL"); };
    QVERIFY(read(a).equal(read(b)));
    QVERIFY(!read(a).equal(read(c)));
  }

  void infoRecognisesBothFormats() {
    const QString toy = toyMC("info.h5", 4, 1);
    Result r = runTool({"info", toy});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("3DGAN calorimeter showers") && r.out.contains("events: 4") &&
                 r.out.contains("calo.ToyMC"),
             qPrintable(r.out));
    const QString challenge = tmp_.filePath("challenge.h5");
    {
      auto f = tf::h5::File::create(challenge.toStdString());
      tf::h5::writeTensor(f, "showers", at::rand({2, 6480}));
      tf::h5::writeTensor(f, "incident_energies", at::tensor({1000.0f, 256000.0f}).reshape({2, 1}));
    }
    r = runTool({"info", challenge});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("CaloChallenge") && r.out.contains("dataset 2") && r.out.contains("1 to 256 GeV"),
             qPrintable(r.out));
    QVERIFY2(r.out.contains("the file stores MeV"), qPrintable(r.out));
  }

  void infoReadsTheFixedAngleFilesEnergy() {
    // The older 3DGAN files keep the primary energy in column 1 of `target`.
    const QString old = tmp_.filePath("fixed-angle.h5");
    {
      auto f = tf::h5::File::create(old.toStdString());
      tf::h5::writeTensor(f, "ECAL", at::zeros({2, 25, 25, 25}));
      tf::h5::writeTensor(f, "target", at::tensor({11.0f, 60.0f, 22.0f, 120.0f}).reshape({2, 2}));
    }
    const Result r = runTool({"info", old});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("primary energy: 60 to 120 GeV") && !r.out.contains("(none)"), qPrintable(r.out));
    QVERIFY2(r.out.contains("fixed-angle"), qPrintable(r.out));
  }

  void badRangeIsNamed() {
    Result r = runTool({tftest::source("resources/pipelines/calo-toymc.yaml"), "-q", "-w", tmp_.path(), "--set",
                        "toymc_pipeline.steps.showers.energy_max=5", "--set", "events=2"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("energy_max") && r.err.contains("below energy_min"), qPrintable(r.err));
    r = runTool({tftest::source("resources/pipelines/calo-toymc.yaml"), "-q", "-w", tmp_.path(), "--set",
                 "toymc_pipeline.steps.showers.energy_max=900"});
    QCOMPARE(r.code, 3);  // out of the schema's range: refused before running
    QVERIFY2(r.err.contains("energy_max"), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestCalo)
#include "test_calo.moc"
