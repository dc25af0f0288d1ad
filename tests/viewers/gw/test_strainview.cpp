// The strain viewer on synthetic GWOSC files this test writes: the min/max pyramid agrees with a
// brute-force scan (NaN gaps included), the clean and denoised counterparts and the events are
// found beside the file, a twin's output opens whitened at its loudest chirp, one selection
// drives the time series, the ASD and the Q-transform (from either view), the Q-transform
// shows the chirp where it is, data-quality shading comes from the file, and non-strain files
// are refused by name.
#include "StrainView.h"
#include "ViewerRegistry.h"

#include "GwScience.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

using namespace tf;

class TestStrainView : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString file_;
  gw::SyntheticStrain s_;

 private Q_SLOTS:
  void initTestCase() {
    gw::SyntheticConfig c;
    c.rate = 2048;
    c.duration = 64;
    c.chirpsPerMinute = 4;
    c.glitchesPerMinute = 3;
    c.seed = 3;
    s_ = gw::makeSyntheticStrain(c);
    // A gap of half a second (NaN, DATA unset), as GWOSC marks missing data.
    for (int i = 0; i < 1024; ++i) s_.noisy.strain.values[static_cast<std::size_t>(40 * 2048 + i)] = NAN;
    s_.noisy.quality.mask[40] &= ~1u;
    file_ = tmp_.filePath("H-H1_GWOSC_2KHZ_R1-1187008000-64.hdf5");
    data::writeStrain(file_.toStdString(), s_.noisy);
    data::StrainData clean = s_.noisy;
    clean.strain = s_.clean;
    data::writeStrain(gw::cleanFileFor(file_.toStdString()), clean);
    gw::writeEvents(gw::eventsFileFor(file_.toStdString()), s_.events);
  }

  void pyramidAgreesWithScan() {
    std::mt19937 rng(4);
    std::vector<double> v(100003);
    std::normal_distribution<double> g(0, 1);
    for (auto& x : v) x = g(rng);
    for (int i = 500; i < 700; ++i) v[static_cast<std::size_t>(i)] = NAN;
    viewers::MinMaxPyramid p;
    p.build(v);
    std::uniform_int_distribution<std::size_t> pos(0, v.size());
    for (int k = 0; k < 2000; ++k) {
      std::size_t a = pos(rng), b = pos(rng);
      if (a > b) std::swap(a, b);
      if (k % 3 == 0) b = std::min(v.size(), a + k % 17);  // short spans too
      double lo = INFINITY, hi = -INFINITY;
      for (std::size_t i = a; i < b; ++i)
        if (std::isfinite(v[i])) {
          lo = std::min(lo, v[i]);
          hi = std::max(hi, v[i]);
        }
      const auto [plo, phi] = p.range(a, b);
      if (lo == INFINITY) {
        QVERIFY(!(phi >= plo));
        continue;
      }
      // the pyramid stores float32: equal to the float of the true extreme
      QCOMPARE(static_cast<float>(plo), static_cast<float>(lo));
      QCOMPARE(static_cast<float>(phi), static_cast<float>(hi));
    }
  }

  void opensWhitenedAtTheLoudestChirp() {
    viewers::StrainView v(file_);
    v.resize(1200, 800);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QVERIFY(v.hasClean());
    QVERIFY(!v.hasDenoised());
    QCOMPARE(v.events(), static_cast<int>(s_.events.size()));
    QCOMPARE(int(v.mode()), int(viewers::StrainView::Mode::Whitened));
    double loudest = 0, best = -1;
    for (const auto& e : s_.events)
      if (e.kind == gw::EventKind::Chirp && e.snr > best) {
        best = e.snr;
        loudest = e.gps;
      }
    const auto [a, b] = v.selection();
    QVERIFY2(std::abs(a - (loudest - 1.5)) < 1e-6 && std::abs(b - (loudest + 0.5)) < 1e-6,
             qPrintable(QString("%1 %2 vs %3").arg(a - s_.noisy.strain.t0).arg(b - s_.noisy.strain.t0).arg(loudest - s_.noisy.strain.t0)));
    QVERIFY(v.trace()->viewBegin() <= a && v.trace()->viewEnd() >= b);
    QVERIFY(v.status().contains("no NAME.denoised.hdf5"));
  }

  void selectionIsShared() {
    viewers::StrainView v(file_);
    v.resize(1200, 800);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    const double t0 = s_.noisy.strain.t0;
    // From the time series ...
    Q_EMIT v.trace()->selectionChanged(t0 + 10, t0 + 14);
    QCOMPARE(v.selection().first, t0 + 10);
    QCOMPARE(v.selection().second, t0 + 14);
    QVERIFY(v.trace()->viewBegin() <= t0 + 10 && v.trace()->viewEnd() >= t0 + 14);
    QVERIFY(v.lastAnalysisMs() > 0);
    // ... and from the image, by dragging across its middle third.
    {
      viewers::TfImage* img = v.image();
      const int y = img->height() / 2;
      const int x0 = 56 + (img->width() - 56 - 78) / 3, x1 = 56 + 2 * (img->width() - 56 - 78) / 3;
      QSignalSpy spy(img, &viewers::TfImage::selectionChanged);
      QTest::mousePress(img, Qt::LeftButton, {}, QPoint(x0, y));
      QTest::mouseMove(img, QPoint(x1, y));
      QTest::mouseRelease(img, Qt::LeftButton, {}, QPoint(x1, y));
      QCOMPARE(spy.count(), 1);
      const double a = spy[0][0].toDouble(), b = spy[0][1].toDouble();
      QVERIFY2(a > t0 + 11 && a < t0 + 11.6 && b > t0 + 12.4 && b < t0 + 13, qPrintable(QString("%1 %2").arg(a - t0).arg(b - t0)));
      QVERIFY(std::abs(v.selection().first - a) < 1e-9);
    }
    // Raw and band-passed views keep the selection.
    v.setMode(viewers::StrainView::Mode::Raw);
    v.setMode(viewers::StrainView::Mode::Bandpassed);
    QVERIFY(v.selection().second - v.selection().first < 2);
  }

  void qTransformShowsTheChirp() {
    viewers::StrainView v(file_);
    v.resize(1200, 800);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    // The image's brightest column lies near the loudest chirp's coalescence (selection -1.5..+0.5 s).
    const QImage g = v.image()->grab().toImage();
    const int left = 56, w = v.image()->width() - 56 - 78, top = 24, h = v.image()->height() - 66;
    int bestX = -1;
    double bestSum = -1;
    for (int x = left; x < left + w; ++x) {
      double sum = 0;
      for (int y = top; y < top + h; ++y) sum += qGray(g.pixel(x, y));
      if (sum > bestSum) {
        bestSum = sum;
        bestX = x;
      }
    }
    const double t = -1.5 + 2.0 * (bestX - left) / w;  // seconds from coalescence
    qInfo("brightest Q-transform column %.3f s from coalescence", t);
    QVERIFY2(t > -0.4 && t < 0.1, qPrintable(QString::number(t)));
  }

  void registryAndErrors() {
    const auto* info = viewers::ViewerRegistry::instance().find(file_);
    QVERIFY(info);
    QCOMPARE(info->name, QString("strain"));
    QFile f(tmp_.filePath("notes.hdf5"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("plain text");
    f.close();
    QVERIFY(!viewers::ViewerRegistry::instance().find(f.fileName(), "strain") ||
            !viewers::ViewerRegistry::instance().find(f.fileName(), "strain")->recognises(f.fileName()));
    try {
      viewers::StrainView bad(f.fileName());
      QFAIL("no error for a text file");
    } catch (const std::exception& e) {
      QVERIFY2(QString(e.what()).contains("notes.hdf5") && QString(e.what()).contains("not an HDF5 file"), e.what());
    }
  }
};

QTEST_MAIN(TestStrainView)
#include "test_strainview.moc"
