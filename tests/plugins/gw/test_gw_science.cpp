// The GW twin's science and network, in process: the synthetic noise follows the design curve,
// chirps sweep as the leading-order post-Newtonian law says, injected signals have the SNR
// asked for, the generator is deterministic, the events table round-trips and names bad lines,
// and the U-Net has the advertised size and keeps the window's length.
#include "Denoiser.h"
#include "GwScience.h"

#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace tf::gw;

class TestGwScience : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private Q_SLOTS:
  void designCurve() {
    // Ajith's fit at 215 Hz: 1e-49 (1 - 5 + 111 * 0.5 / 1.5) = 3.3e-48 /Hz.
    QVERIFY(std::abs(designPsd(215) / 3.3e-48 - 1) < 1e-12);
    QVERIFY(designPsd(20) > 10 * designPsd(215));   // the low-frequency wall
    QVERIFY(designPsd(2000) > 5 * designPsd(215));  // shot noise rising
    QCOMPARE(designPsd(3), designPsd(10));          // held below 10 Hz
  }

  void noiseFollowsDesignCurve() {
    const double rate = 4096;
    tf::signal::TimeSeries x;
    x.rate = rate;
    x.values = colouredNoise(rate, static_cast<std::size_t>(64 * rate), 7);
    tf::signal::WelchOptions o;
    o.fftLength = 4;
    o.average = tf::signal::Average::Mean;
    const auto p = tf::signal::psd(x, o);
    // Mean of the ratio in 20..1500 Hz within 3 %; in every 50 Hz band within 10 % (31
    // averaged segments leave ~18 % scatter per bin, ~2.5 % per band).
    double sum = 0;
    int n = 0;
    double worstBand = 0;
    for (double f0 = 20; f0 < 1500; f0 += 50) {
      double bs = 0;
      int bn = 0;
      for (std::size_t k = 0; k < p.values.size(); ++k) {
        const double f = p.frequency(k);
        if (f < f0 || f >= f0 + 50) continue;
        const double r = p.values[k] / designPsd(f);
        bs += r;
        ++bn;
        sum += r;
        ++n;
      }
      worstBand = std::max(worstBand, std::abs(bs / bn - 1));
    }
    qInfo("PSD over design curve, 20-1500 Hz: mean %.4f, worst 50 Hz band off by %.1f %%", sum / n, 100 * worstBand);
    QVERIFY(std::abs(sum / n - 1) < 0.03);
    QVERIFY(worstBand < 0.10);
    // Same seed, same noise; another seed, other noise.
    QVERIFY(colouredNoise(rate, 4096, 7) == colouredNoise(rate, 4096, 7));
    QVERIFY(colouredNoise(rate, 4096, 7) != colouredNoise(rate, 4096, 8));
  }

  void chirpSweepsAsPostNewtonian() {
    const double rate = 4096, mc = 20;
    std::size_t tc = 0;
    double fEnd = 0;
    const auto h = chirp(mc, rate, 20, 0, &tc, &fEnd);
    // Frequency from zero crossings half a second before coalescence vs the leading-order law.
    const double tBefore = 0.5;
    const long centre = static_cast<long>(tc) - static_cast<long>(tBefore * rate);
    int crossings = 0;
    const long span = static_cast<long>(0.05 * rate);
    for (long i = centre - span; i < centre + span; ++i) crossings += (h[i] > 0) != (h[i + 1] > 0);
    const double fMeasured = crossings / 2.0 / (2.0 * span / rate);
    const double mcs = mc * 4.925491025543576e-6;
    const double fLaw = std::pow(5.0 / (256.0 * tBefore), 3.0 / 8.0) * std::pow(mcs, -5.0 / 8.0) / M_PI;
    qInfo("chirp mass %.0f: %.1f Hz measured 0.5 s before coalescence, %.1f Hz by the law; ends at %.0f Hz", mc, fMeasured, fLaw, fEnd);
    QVERIFY(std::abs(fMeasured / fLaw - 1) < 0.05);
    // Louder towards coalescence, ending near the innermost stable orbit of 2^1.2 Mc.
    QVERIFY(std::abs(fEnd - 4397.0 / (mc * std::pow(2.0, 1.2))) < 0.01 * fEnd);
    double early = 0, late = 0;
    // amplitude ~ f^(2/3): 20 -> 96 Hz is a factor 2.8
    for (long i = 0; i < 1024; ++i) early = std::max(early, std::abs(h[i]));
    for (long i = static_cast<long>(tc) - 600; i < static_cast<long>(h.size()); ++i) late = std::max(late, std::abs(h[i]));
    QVERIFY2(late > 2 * early, qPrintable(QString("%1 vs %2").arg(late).arg(early)));
  }

  void injectedSnrIsAsAsked() {
    SyntheticConfig c;
    c.rate = 2048;
    c.duration = 64;
    c.glitchesPerMinute = 0;
    c.chirpsPerMinute = 3;
    c.snrMin = c.snrMax = 20;
    const SyntheticStrain s = makeSyntheticStrain(c);
    QCOMPARE(s.events.size(), std::size_t(3));
    // The clean series' optimal SNR: three chirps of SNR 20, barely overlapping.
    const double total = optimalSnr(s.clean.values, c.rate);
    QVERIFY2(std::abs(total - 20 * std::sqrt(3.0)) < 1.0, qPrintable(QString::number(total)));
    // Deterministic: the same config, the same strain.
    QVERIFY(makeSyntheticStrain(c).noisy.strain.values == s.noisy.strain.values);
  }

  void glitchesAreWhereTheTableSays() {
    SyntheticConfig c;
    c.rate = 2048;
    c.duration = 60;
    c.chirpsPerMinute = 0;
    c.glitchesPerMinute = 6;
    c.glitchSnrMin = c.glitchSnrMax = 200;  // far above the noise
    const SyntheticStrain s = makeSyntheticStrain(c);
    QCOMPARE(s.events.size(), std::size_t(6));
    tf::signal::TimeSeries w = tf::signal::whiten(s.noisy.strain);
    for (const Event& e : s.events) {
      const long at = std::lround((e.gps - c.gpsStart) * c.rate);
      const long half = std::max<long>(std::lround(e.duration * c.rate / 2), 64);
      double peak = 0;
      for (long i = std::max(0L, at - half); i < std::min<long>(w.values.size(), at + half); ++i) peak = std::max(peak, std::abs(w.values[i]));
      QVERIFY2(peak > 5, qPrintable(QString("%1 at %2: whitened peak %3").arg(eventKindName(e.kind)).arg(e.gps - c.gpsStart).arg(peak)));
    }
  }

  void eventsTableRoundTripsAndNamesBadLines() {
    const std::string path = dir_.filePath("x.events.csv").toStdString();
    std::vector<Event> ev = {{EventKind::Chirp, 1187008009.955634, 12.5, 3.2, 190, 18.5}, {EventKind::Whistle, 1187008020.25, 40, 0.2, 400, 0}};
    writeEvents(path, ev);
    const auto back = readEvents(path);
    QCOMPARE(back.size(), std::size_t(2));
    QVERIFY(std::abs(back[0].gps - 1187008009.955634) < 1e-6);  // GPS kept to the microsecond
    QCOMPARE(int(back[1].kind), int(EventKind::Whistle));
    std::ofstream(path, std::ios::app) << "tornado,1,2,3,4,5\n";
    try {
      readEvents(path);
      QFAIL("no error for an unknown kind");
    } catch (const std::exception& e) {
      QVERIFY2(QString(e.what()).contains("line 4") && QString(e.what()).contains("tornado"), e.what());
    }
    QCOMPARE(QString::fromStdString(cleanFileFor("/d/H-H1_GWOSC_4KHZ_R1-1-64.hdf5")), QString("/d/H-H1_GWOSC_4KHZ_R1-1-64.clean.hdf5"));
    QCOMPARE(QString::fromStdString(eventsFileFor("/d/x.hdf5")), QString("/d/x.events.csv"));
  }

  void unetSizeAndShape() {
    UNetSpec s;  // the default: width 32, 4 levels, kernel 11
    UNet1d net(s);
    const std::int64_t n = parameterCount(*net);
    qInfo("default U-Net: %lld parameters", static_cast<long long>(n));
    QVERIFY(n > 2'000'000 && n < 3'000'000);
    UNetSpec small;
    small.width = 4;
    UNet1d tiny(small);
    const at::Tensor y = tiny->forward(torch::randn({3, 1, 512}));
    QCOMPARE(y.size(0), 3);
    QCOMPARE(y.size(1), 1);
    QCOMPARE(y.size(2), 512);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, UNet1d(UNetSpec{4, 3, 4, 1}));  // even kernel
  }
};

QTEST_GUILESS_MAIN(TestGwScience)
#include "test_gw_science.moc"
