// The cyclone field viewer on a synthetic file this test writes: variables and time steps,
// tracks and detections found beside the file, the hover read-out in the display units, the
// picture at a cyclone's centre, the registry recognising netCDF, and clear errors.
#include "FieldView.h"
#include "ViewerRegistry.h"

#include "Cyclones.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace tf;

class TestFieldView : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString file_;
  cyclone::SyntheticClimate sc_;

 private Q_SLOTS:
  void initTestCase() {
    cyclone::SyntheticConfig c;
    c.latMin = 0, c.latMax = 30, c.lonMin = 120, c.lonMax = 170, c.resolution = 0.5;
    c.days = 2;
    c.cyclones = 3;
    c.seed = 5;
    sc_ = cyclone::makeSyntheticClimate(c);
    QVERIFY(!sc_.tracks.empty());
    climate::WriteOptions o;
    o.timeOffsets = sc_.timeOffsets;
    file_ = tmp_.filePath("fields.nc");
    climate::writeClimateFile(file_.toStdString(), sc_.lat, sc_.lon, sc_.variables, o);
    climate::writeTracks(tmp_.filePath("fields.tracks.csv").toStdString(), sc_.tracks);
    // A detector's tracks: the truth moved half a degree east.
    auto found = sc_.tracks;
    for (auto& t : found)
      for (auto& p : t.points) p.lon += 0.5;
    climate::writeTracks(tmp_.filePath("fields.cnn.tracks.csv").toStdString(), found);
  }

  void showsVariablesTimesAndTracks() {
    viewers::FieldView v(file_, 2);
    v.resize(1100, 700);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QCOMPARE(v.variables(), (QStringList{"msl", "fg10", "t_500", "t_300"}));
    QCOMPARE(v.variable(), QString("msl"));
    QCOMPARE(v.timeStep(), 2);
    QCOMPARE(v.timeSteps(), 8);
    QVERIFY2(v.timeText().startsWith(QString::fromStdString(sc_.times[2])), qPrintable(v.timeText()));
    QCOMPARE(v.overlays().size(), std::size_t(2));
    QVERIFY(v.overlays()[0].truth);
    QCOMPARE(v.overlays()[1].label, QString("CNN"));

    // At a cyclone's centre the read-out shows a low pressure in hPa, and the colour is the
    // low end of the map; far from it, the background.
    const auto& p = sc_.tracks[0].points[0];
    const int step = static_cast<int>(std::find(sc_.times.begin(), sc_.times.end(), p.time) - sc_.times.begin());
    v.setTimeStep(step);
    const QPoint at = v.map()->toScreen(p.lat, p.lon).toPoint();
    const QString text = v.map()->readoutAt(at);
    QVERIFY2(text.contains("hPa") && text.contains("msl"), qPrintable(text));
    const double hpa = text.section(' ', -2, -2).toDouble();
    QVERIFY2(hpa > 900 && hpa < 1005, qPrintable(text));
    const QImage shot = v.map()->grab().toImage();
    const QColor centre = shot.pixelColor(at + QPoint(1, 1));
    QVERIFY2(centre.lightness() < 140, qPrintable(centre.name()));  // viridis' dark end
    const QString far = v.map()->readoutAt(v.map()->toScreen(29, 121).toPoint());
    QVERIFY2(far.section(' ', -2, -2).toDouble() > hpa + 5, qPrintable(far));
    if (qEnvironmentVariableIsSet("TF_KEEP_SHOTS")) v.grab().save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/field.png");

    // Another step draws another picture; another variable reads in its own units.
    v.setTimeStep((step + 4) % v.timeSteps());
    QVERIFY(v.map()->grab().toImage() != shot);
    v.setVariable("t_500");
    QVERIFY2(v.map()->readoutAt(at).contains(" K"), qPrintable(v.map()->readoutAt(at)));
    QVERIFY(v.map()->readoutAt(QPoint(2, 2)).isEmpty());  // outside the map
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, v.setVariable("vo_850"));
  }

  void registryRecognisesNetcdfAndRefusesJunk() {
    const auto* info = viewers::ViewerRegistry::instance().find(file_);
    QVERIFY(info);
    QCOMPARE(info->name, QString("field"));
    std::ofstream(tmp_.filePath("junk.nc").toStdString()) << "CDF but not really";
    try {
      viewers::FieldView bad(tmp_.filePath("junk.nc"));
      QFAIL("a damaged file must be refused");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains("junk.nc") && QString(e.what()).contains("not a netCDF file"), e.what());
    }
  }
};

QTEST_MAIN(TestFieldView)
#include "test_fieldview.moc"
