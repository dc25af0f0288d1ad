// GWOSC/LOSC strain files: our writer and reader round-trip both layouts; a file h5py writes the
// way GWOSC publishes them (gzip, fixed-length byte strings, int32 masks, a NaN gap) reads with
// its detector, span, gaps and data-quality bits; gwpy's own GWOSC reader reads our file (in the
// interop run, where the reference Python has gwpy); damaged files are refused by name.
#include "data/StrainFile.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <hdf5.h>

#include <cmath>
#include <map>

using namespace tf::data;

namespace {
QString python() { return qEnvironmentVariable("TF_REFERENCE_PYTHON", "/usr/bin/python3"); }
QString script() { return QStringLiteral(TF_SOURCE_DIR "/tests/core/data/strain_reference.py"); }

StrainData sample(StrainLayout layout) {
  StrainData d;
  d.layout = layout;
  d.detector = "H1";
  d.strain.rate = 4096;
  d.strain.t0 = 1126259446;
  for (int i = 0; i < 4096 * 3; ++i) d.strain.values.push_back(1e-21 * std::sin(0.01 * i) + 3e-22 * (i % 7));
  d.quality = gwoscQualityBits(d.strain.t0, 3);
  d.quality.mask[1] = 0x03;  // second 1: only DATA and CBC_CAT1
  d.injections = gwoscInjectionBits(d.strain.t0, 3);
  return d;
}

template <typename F>
QString errorOf(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}
}  // namespace

class TestStrainFile : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string at(const QString& name) { return dir_.filePath(name).toStdString(); }

 private Q_SLOTS:
  void roundTripBothLayouts() {
    for (StrainLayout layout : {StrainLayout::Gwosc, StrainLayout::Losc}) {
      const StrainData d = sample(layout);
      const std::string name = strainFileName(d);
      QCOMPARE(QString::fromStdString(name), layout == StrainLayout::Gwosc ? QString("H-H1_GWOSC_4KHZ_R1-1126259446-3.hdf5")
                                                                          : QString("H-H1_LOSC_4_V1-1126259446-3.hdf5"));
      const std::string path = at(QString::fromStdString(name));
      writeStrain(path, d);
      QVERIFY(isStrainFile(path));
      const StrainData r = readStrain(path);
      QCOMPARE(int(r.layout), int(layout));
      QCOMPARE(r.detector, std::string("H1"));
      QCOMPARE(r.observatory, std::string("H"));
      QCOMPARE(r.strain.t0, d.strain.t0);
      QCOMPARE(r.strain.rate, 4096.0);
      QVERIFY(r.strain.values == d.strain.values);  // float64, bit for bit
      QCOMPARE(r.strain.channel, layout == StrainLayout::Gwosc ? std::string("H1:GWOSC-4KHZ_R1_STRAIN") : std::string("H1:LOSC-STRAIN"));
      QCOMPARE(r.quality.shortnames.size(), std::size_t(7));
      QVERIFY(r.quality.mask == d.quality.mask);
      QCOMPARE(r.quality.secondsSet(2), 2.0);  // CBC_CAT2 off in second 1
      QCOMPARE(r.quality.segments(2).size(), std::size_t(2));
      QCOMPARE(r.injections.shortnames.front(), std::string("NO_CBC_HW_INJ"));
      const std::string info = describeStrain(r);
      QVERIFY2(info.find("GPS span:    1126259446.000 .. 1126259449.000 (3.000 s)") != std::string::npos, info.c_str());
      QVERIFY2(info.find("bit 2 CBC_CAT2: 2.0 s set") != std::string::npos, info.c_str());
    }
  }

  void readsFileAsGwoscPublishes() {
    const QString path = dir_.filePath("L-L1_GWOSC_4KHZ_R1-1126259446-4.hdf5");
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(python(), {script(), "write", path});
    QVERIFY(p.waitForFinished(120000));
    if (p.exitCode() != 0 && p.readAll().contains("No module named 'h5py'")) QFAIL("h5py is missing (Debian: python3-h5py)");
    QCOMPARE(p.exitCode(), 0);
    const StrainData r = readStrain(path.toStdString());
    QCOMPARE(int(r.layout), int(StrainLayout::Gwosc));
    QCOMPARE(r.detector, std::string("L1"));
    QCOMPARE(r.strain.channel, std::string("L1:GWOSC-4KHZ_R1_STRAIN"));
    QCOMPARE(r.strain.values.size(), std::size_t(4 * 4096));
    QCOMPARE(r.strain.rate, 4096.0);
    QCOMPARE(r.description, std::string("Strain data time series from LIGO"));
    const auto segs = r.dataSegments();
    QCOMPARE(segs.size(), std::size_t(2));
    QCOMPARE(segs[0].second, 1126259446 + (2 * 4096 + 100) / 4096.0);
    QCOMPARE(r.quality.segments(0).size(), std::size_t(2));  // DATA off in second 2
    QCOMPARE(r.quality.secondsSet(1), 3.0);
    QCOMPARE(r.injections.secondsSet(0), 3.0);
    const std::string info = describeStrain(r);
    QVERIFY2(info.find("2 segment(s)") != std::string::npos && info.find("s of gaps (NaN)") != std::string::npos, info.c_str());
  }

  void gwpyReadsOurFile() {
    const StrainData d = sample(StrainLayout::Gwosc);
    const std::string path = at("ours.hdf5");
    writeStrain(path, d);
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(python(), {script(), "gwpy", QString::fromStdString(path)});
    QVERIFY(p.waitForFinished(300000));
    const QString out = QString::fromUtf8(p.readAll());
    if (out.contains("No module named 'gwpy'")) {
      if (qEnvironmentVariableIntValue("TF_REQUIRE_GWPY") == 1) QFAIL("gwpy required but not importable");
      QSKIP("gwpy is not importable by the reference Python (the interop run, test_strain_file_gwpy, has it)");
    }
    QVERIFY2(p.exitCode() == 0, qPrintable(out));
    std::map<QString, QString> kv;
    for (const QString& line : out.split('\n')) {
      const auto sp = line.indexOf(' ');
      if (sp > 0) kv[line.left(sp)] = line.mid(sp + 1);
    }
    QCOMPARE(kv["name"], QString("H1:GWOSC-4KHZ_R1_STRAIN"));
    QCOMPARE(kv["t0"].toDouble(), d.strain.t0);
    QCOMPARE(kv["rate"].toDouble(), 4096.0);
    QCOMPARE(kv["size"].toLongLong(), qint64(d.strain.values.size()));
    double sum = 0;
    for (double v : d.strain.values) sum += v;
    QVERIFY(std::abs(kv["sum"].toDouble() - sum) <= 1e-12 * std::abs(sum) + 1e-30);
    // gwpy names a StateVector's bits by the DQDescriptions dataset.
    QStringList bits;
    for (const auto& s : d.quality.descriptions) bits << QString::fromStdString(s);
    QCOMPARE(kv["bits"], bits.join(','));
    QCOMPARE(kv["dqsum"].toInt(), 127 + 3 + 127);
  }

  void damagedFilesAreNamed() {
    const std::string text = at("notes.hdf5");
    QFile f(QString::fromStdString(text));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not hdf5");
    f.close();
    QVERIFY(!isStrainFile(text));
    QVERIFY(errorOf([&] { readStrain(text); }).contains("not an HDF5 file"));
    QVERIFY(errorOf([&] { readStrain(at("missing.hdf5")); }).contains("no such file"));

    // An HDF5 file without strain, one with a 2-D strain, one without Xspacing, one whose
    // Npoints disagrees.
    auto make = [&](const char* name, int rank, bool spacing, long npoints) {
      const std::string path = at(name);
      hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
      hid_t g = H5Gcreate2(file, "strain", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      hsize_t dims[2] = {64, 2};
      hid_t sp = H5Screate_simple(rank, dims, nullptr);
      hid_t ds = H5Dcreate2(g, "Strain", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      std::vector<double> zeros(128, 0.0);
      H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
      hid_t scalar = H5Screate(H5S_SCALAR);
      double v = 1126259446;
      hid_t a = H5Acreate2(ds, "Xstart", H5T_IEEE_F64LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
      H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
      H5Aclose(a);
      if (spacing) {
        v = 1.0 / 4096;
        a = H5Acreate2(ds, "Xspacing", H5T_IEEE_F64LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
        H5Aclose(a);
      }
      if (npoints >= 0) {
        a = H5Acreate2(ds, "Npoints", H5T_STD_I64LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_LONG, &npoints);
        H5Aclose(a);
      }
      H5Sclose(scalar);
      H5Dclose(ds);
      H5Sclose(sp);
      H5Gclose(g);
      H5Fclose(file);
      return path;
    };
    QString e = errorOf([&] { readStrain(make("twod.hdf5", 2, true, -1)); });
    QVERIFY2(e.contains("twod.hdf5") && e.contains("strain/Strain") && e.contains("one-dimensional"), qPrintable(e));
    e = errorOf([&] { readStrain(make("nospacing.hdf5", 1, false, -1)); });
    QVERIFY2(e.contains("Xspacing") && e.contains("missing"), qPrintable(e));
    e = errorOf([&] { readStrain(make("npoints.hdf5", 1, true, 65)); });
    QVERIFY2(e.contains("Npoints says 65") && e.contains("holds 64"), qPrintable(e));
    hid_t empty = H5Fcreate(at("empty.hdf5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(empty);
    QVERIFY(!isStrainFile(at("empty.hdf5")));
    e = errorOf([&] { readStrain(at("empty.hdf5")); });
    QVERIFY2(e.contains("not a strain file") && e.contains("/strain/Strain"), qPrintable(e));
  }
};

QTEST_GUILESS_MAIN(TestStrainFile)
#include "test_strain_file.moc"
