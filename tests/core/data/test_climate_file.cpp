// The netCDF reader on small files this test writes: every format ERA5/CMIP6 files come in,
// ERA5's packing (int16 + scale/offset + _FillValue), descending latitude, longitude stored as
// -180..180, CF calendars, and the track tables (ours and IBTrACS-style). A file written by
// netCDF4-python (Debian's python3-netcdf4) the way ERA5 is published is read as well.
#include "data/ClimateFile.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace tf::climate;

namespace {

struct Grid {
  std::vector<double> lat, lon;
};
Grid smallGrid() {
  Grid g;
  for (int i = 0; i < 5; ++i) g.lat.push_back(-10 + 5.0 * i);  // -10..10
  for (int j = 0; j < 8; ++j) g.lon.push_back(45.0 * j);       // 0..315
  return g;
}
// A value that tells row and column apart: 1000 + 10 * lat + lon / 45 + 0.5 * t.
float truth(double lat, double lon, int t) { return static_cast<float>(1000 + 10 * lat + lon / 45 + 0.5 * t); }

}  // namespace

class TestClimateFile : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  std::string at(const char* name) { return (dir_.path() + "/" + name).toStdString(); }

  void writeSample(const std::string& path, WriteOptions opt) {
    Grid g = smallGrid();
    opt.timeOffsets = {876576, 876582, 876588};  // hours since 1900-01-01 (cftime: 2000-01-01 00:00), 6 h steps
    WriteVariable msl{"msl", "Pa", "Mean sea level pressure", {}};
    for (int t = 0; t < 3; ++t)
      for (double la : g.lat)
        for (double lo : g.lon) msl.values.push_back(truth(la, lo, t));
    msl.values[1 * 40 + 2 * 8 + 3] = NAN;  // t=1, lat=0, lon=135: missing
    writeClimateFile(path, g.lat, g.lon, {msl}, opt);
  }

  void checkSample(const std::string& path, float tolerance) {
    ClimateFile f(path);
    Grid g = smallGrid();
    QCOMPARE(f.lat().size(), g.lat.size());
    QCOMPARE(f.lon().size(), g.lon.size());
    for (std::size_t i = 0; i < g.lat.size(); ++i) QCOMPARE(f.lat()[i], g.lat[i]);
    for (std::size_t j = 0; j < g.lon.size(); ++j) QCOMPARE(f.lon()[j], g.lon[j]);
    QCOMPARE(f.timeSteps(), std::size_t(3));
    QCOMPARE(QString::fromStdString(f.time().iso[0]), QString("2000-01-01 00:00"));
    QCOMPARE(QString::fromStdString(f.time().iso[2]), QString("2000-01-01 12:00"));
    for (int t = 0; t < 3; ++t) {
      Field fl = f.read("msl", static_cast<std::size_t>(t));
      for (std::size_t i = 0; i < fl.nlat; ++i)
        for (std::size_t j = 0; j < fl.nlon; ++j) {
          const float v = fl.at(i, j);
          if (t == 1 && i == 2 && j == 3) {
            QVERIFY2(std::isnan(v), "the missing value reads as NaN");
            continue;
          }
          const float want = truth(g.lat[i], g.lon[j], t);
          QVERIFY2(std::fabs(v - want) <= tolerance,
                   qPrintable(QString("t=%1 lat=%2 lon=%3: %4, expected %5").arg(t).arg(g.lat[i]).arg(g.lon[j]).arg(v).arg(want)));
        }
    }
  }

 private Q_SLOTS:
  void everyFormatRoundTrips_data() {
    QTest::addColumn<int>("format");
    QTest::addColumn<bool>("packed");
    QTest::addColumn<QString>("name");
    QTest::newRow("netCDF-3 classic, packed") << int(WriteOptions::Format::Classic) << true << "netCDF-3 classic";
    QTest::newRow("netCDF-3 64-bit offset, float") << int(WriteOptions::Format::Offset64) << false << "netCDF-3 64-bit offset";
    QTest::newRow("netCDF-4, packed") << int(WriteOptions::Format::NetCdf4) << true << "netCDF-4";
    QTest::newRow("netCDF-4, float") << int(WriteOptions::Format::NetCdf4) << false << "netCDF-4";
  }
  void everyFormatRoundTrips() {
    QFETCH(int, format);
    QFETCH(bool, packed);
    QFETCH(QString, name);
    WriteOptions opt;
    opt.format = static_cast<WriteOptions::Format>(format);
    opt.packInt16 = packed;
    const std::string path = at("rt.nc");
    writeSample(path, opt);
    ClimateFile f(path);
    QCOMPARE(QString::fromStdString(f.formatName()), name);
    QVERIFY(f.latDescendingInFile());
    QCOMPARE(f.variable("msl").packed, packed);
    QCOMPARE(QString::fromStdString(f.variable("msl").storedType), QString(packed ? "short" : "float"));
    QCOMPARE(QString::fromStdString(f.variable("msl").units), QString("Pa"));
    // Packing into 65532 steps over the range (1000-100 .. 1000+100+7+1): half a step.
    checkSample(path, packed ? 0.5f * (208.0f / 65532.0f) + 1e-4f : 1e-4f);
  }

  void signedLongitudesAndAscendingLatitude() {
    WriteOptions opt;
    opt.lonSigned = true;        // stored as 0, 45, 90, 135, -180, -135, -90, -45 rotated: -180..135
    opt.latDescending = false;   // CMIP6 style
    opt.packInt16 = false;
    const std::string path = at("signed.nc");
    writeSample(path, opt);
    ClimateFile f(path);
    QVERIFY(!f.latDescendingInFile());
    QCOMPARE(f.lon().front(), 0.0);
    QCOMPARE(f.lon().back(), 315.0);
    checkSample(path, 1e-4f);
  }

  // A regional crop across 0 degrees (ERA5 over the Mediterranean or West Africa): stored as
  // -20..20 or as 340..355, 0..20, read in one piece as 340..380 with every value in place.
  void regionalGridAcrossZeroStaysInOnePiece_data() {
    QTest::addColumn<bool>("signedLon");
    QTest::newRow("stored -20..20") << true;
    QTest::newRow("stored 340..355, 0..20") << false;
  }
  void regionalGridAcrossZeroStaysInOnePiece() {
    QFETCH(bool, signedLon);
    std::vector<double> lat = {30, 35, 40}, lon;
    for (int j = 0; j <= 8; ++j) lon.push_back(-20.0 + 5 * j);
    WriteVariable v{"msl", "Pa", "", {}};
    for (double la : lat)
      for (double lo : lon) v.values.push_back(static_cast<float>(1000 * la + lo));
    WriteOptions opt;
    opt.packInt16 = false;
    opt.lonSigned = signedLon;
    writeClimateFile(at("crop.nc"), lat, lon, {v}, opt);
    ClimateFile f(at("crop.nc"));
    QCOMPARE(f.lon().size(), lon.size());
    for (std::size_t j = 0; j < lon.size(); ++j) QCOMPARE(f.lon()[j], lon[j] + 360);
    Field fl = f.read("msl");
    for (std::size_t i = 0; i < lat.size(); ++i)
      for (std::size_t j = 0; j < lon.size(); ++j) QCOMPARE(fl.at(i, j), static_cast<float>(1000 * lat[i] + lon[j]));
  }

  void calendars() {
    QCOMPARE(QString::fromStdString(isoFromHours("noleap", hoursFromIso("noleap", "2001-03-01 06:00"))), QString("2001-03-01 06:00"));
    // 365 days after 2000-02-28 in noleap is 2001-02-28 (no 29th); in the Gregorian calendar 2001-02-27.
    QCOMPARE(QString::fromStdString(isoFromHours("noleap", hoursFromIso("noleap", "2000-02-28") + 365 * 24)), QString("2001-02-28 00:00"));
    QCOMPARE(QString::fromStdString(isoFromHours("standard", hoursFromIso("standard", "2000-02-28") + 365 * 24)), QString("2001-02-27 00:00"));
    QCOMPARE(QString::fromStdString(isoFromHours("360_day", hoursFromIso("360_day", "1999-12-30") + 24)), QString("2000-01-01 00:00"));
    QCOMPARE(QString::fromStdString(isoFromHours("julian", hoursFromIso("julian", "1900-02-28") + 24)), QString("1900-02-29 00:00"));
    QCOMPARE(QString::fromStdString(isoFromHours("proleptic_gregorian", hoursFromIso("gregorian", "1900-02-28") + 24)), QString("1900-03-01 00:00"));
    // A file in CMIP6's noleap calendar, days since 1850-01-01.
    WriteOptions opt;
    opt.timeUnits = "days since 1850-01-01";
    opt.calendar = "noleap";
    opt.packInt16 = false;
    Grid g = smallGrid();
    opt.timeOffsets = {365.0 * 150 + 59.25};  // 2000-03-01 06:00 (no Feb 29th in noleap)
    WriteVariable tas{"tas", "K", "", std::vector<float>(40, 290.0f)};
    writeClimateFile(at("noleap.nc"), g.lat, g.lon, {tas}, opt);
    ClimateFile f(at("noleap.nc"));
    QCOMPARE(QString::fromStdString(f.time().calendar), QString("noleap"));
    QCOMPARE(QString::fromStdString(f.time().iso[0]), QString("2000-03-01 06:00"));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, isoFromHours("martian", 0));
  }

  void clearErrors() {
    WriteOptions opt;
    writeSample(at("ok.nc"), opt);
    ClimateFile f(at("ok.nc"));
    try {
      f.read("t_500");
      QFAIL("a missing variable must throw");
    } catch (const std::runtime_error& e) {
      const QString m = e.what();
      QVERIFY2(m.contains("ok.nc") && m.contains("'t_500'") && m.contains("msl"), qPrintable(m));
    }
    try {
      f.read("msl", 7);
      QFAIL("a time step out of range must throw");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains("0..2"), e.what());
    }
    try {
      f.read("latitude");
      QFAIL("a coordinate is not a field");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains("not a field"), e.what());
    }
    std::ofstream(at("text.nc")) << "this is not netCDF\n";
    try {
      ClimateFile bad(at("text.nc"));
      QFAIL("a text file must be refused");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains("text.nc") && QString(e.what()).contains("not a netCDF file"), e.what());
    }
    try {
      ClimateFile missing(at("nope.nc"));
      QFAIL("a missing file must be refused");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains("no such file"), e.what());
    }
  }

  void tracksOursAndIbtracs() {
    std::vector<Track> tracks = {{"TC 1", {{"2000-09-01 00:00", 15.25, 140.5, 98000, 30.5, 1}, {"2000-09-01 06:00", 15.5, -139.5, 97500, 33, 1}}}};
    writeTracks(at("tracks.csv"), tracks);
    auto back = readTracks(at("tracks.csv"));
    QCOMPARE(back.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(back[0].id), QString("TC 1"));
    QCOMPARE(back[0].points.size(), std::size_t(2));
    QCOMPARE(back[0].points[1].lon, 220.5);  // -139.5 wrapped to 0..360
    QCOMPARE(back[0].points[0].msl, 98000.0);

    std::ofstream(at("ibtracs.csv")) << "SID,SEASON,NAME,ISO_TIME,LAT,LON,WMO_WIND,WMO_PRES\n"
                                     << " ,Year, ,,degrees_north,degrees_east,kts,mb\n"
                                     << "2000245N15140,2000,SAOMAI,2000-09-01 00:00:00,15.3,140.2,35,994\n"
                                     << "2000245N15140,2000,SAOMAI,2000-09-01 06:00:00,15.6,139.8, ,990\n";
    auto ib = readTracks(at("ibtracs.csv"));
    QCOMPARE(ib.size(), std::size_t(1));
    QCOMPARE(ib[0].points.size(), std::size_t(2));
    QCOMPARE(QString::fromStdString(ib[0].points[0].time), QString("2000-09-01 00:00"));
    QCOMPARE(ib[0].points[0].msl, 99400.0);                   // hPa to Pa
    QVERIFY(std::fabs(ib[0].points[0].wind - 18.0055) < 1e-3);  // knots to m/s
    QCOMPARE(ib[0].points[1].wind, 0.0);                      // blank: unknown

    std::ofstream(at("bad.csv")) << "track_id,time,lat,lon\n1,2000-01-01 00:00,10,20\n1,2000-01-01 06:00,north,20\n";
    try {
      readTracks(at("bad.csv"));
      QFAIL("a bad latitude must throw");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains("bad.csv") && QString(e.what()).contains("line 3") && QString(e.what()).contains("'lat'"), e.what());
    }
  }

  // ERA5 as the Copernicus service publishes it, written by netCDF4-python: int16 with
  // scale_factor/add_offset, _FillValue and missing_value -32767, latitude 90..-90, longitude
  // 0..359.75, time int32 "hours since 1900-01-01 00:00:00.0" in the gregorian calendar.
  void era5FileWrittenByNetcdf4Python() {
    QProcess probe;
    probe.start("/usr/bin/python3", {"-c", "import netCDF4"});
    probe.waitForFinished(30000);
    if (probe.exitCode() != 0) QSKIP("Debian's python3-netcdf4 is not installed (scripts/install-deps.sh installs it)");
    const QString path = dir_.path() + "/era5.nc";
    const QString script = QString(R"(
import netCDF4, numpy as np
d = netCDF4.Dataset('%1', 'w', format='NETCDF3_64BIT_OFFSET')
d.createDimension('longitude', 8); d.createDimension('latitude', 5); d.createDimension('time', None)
lo = d.createVariable('longitude', 'f4', ('longitude',)); lo.units = 'degrees_east'; lo[:] = np.arange(8) * 45.0
la = d.createVariable('latitude', 'f4', ('latitude',)); la.units = 'degrees_north'; la[:] = [10, 5, 0, -5, -10]
t = d.createVariable('time', 'i4', ('time',)); t.units = 'hours since 1900-01-01 00:00:00.0'; t.calendar = 'gregorian'
t[:] = [876576, 876582]
v = d.createVariable('msl', 'i2', ('time', 'latitude', 'longitude'), fill_value=-32767)
v.scale_factor = 0.5; v.add_offset = 100000.0; v.missing_value = np.int16(-32767); v.units = 'Pa'
v.set_auto_maskandscale(True)
lat = np.array([10, 5, 0, -5, -10.0])[:, None]; lon = (np.arange(8) * 45.0)[None, :]
vals = np.stack([100000 + 10 * lat + lon / 45 + 0.5 * k + 0 * lon for k in range(2)])
vals = np.ma.masked_array(vals, mask=False); vals.mask[1, 2, 3] = True
v[:] = vals
d.close()
)").arg(path);
    QProcess py;
    py.start("/usr/bin/python3", {"-c", script});
    py.waitForFinished(60000);
    QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
    ClimateFile f(path.toStdString());
    QCOMPARE(QString::fromStdString(f.formatName()), QString("netCDF-3 64-bit offset"));
    QVERIFY(f.latDescendingInFile());
    QCOMPARE(f.lat().front(), -10.0);
    QCOMPARE(QString::fromStdString(f.time().iso[1]), QString("2000-01-01 06:00"));
    Field fl = f.read("msl", 1);
    for (std::size_t i = 0; i < 5; ++i)
      for (std::size_t j = 0; j < 8; ++j) {
        if (i == 2 && j == 3) {
          QVERIFY(std::isnan(fl.at(i, j)));
          continue;
        }
        const double want = 100000 + 10 * f.lat()[i] + f.lon()[j] / 45 + 0.5;
        QVERIFY2(std::fabs(fl.at(i, j) - want) <= 0.25 + 1e-3, qPrintable(QString("%1 vs %2").arg(fl.at(i, j)).arg(want)));
      }
  }
};

QTEST_GUILESS_MAIN(TestClimateFile)
#include "test_climate_file.moc"
