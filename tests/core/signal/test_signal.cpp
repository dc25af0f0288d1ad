// The signal layer against scipy (Debian's python3-scipy: welch, butter + sosfiltfilt, iirnotch +
// filtfilt, resample) and gwpy (TimeSeries.asd, whiten, q_scan, q_transform; from PyPI in the
// virtual environment tests/core/signal/gwpy-venv.sh makes) on the same seeded input: coloured
// Gaussian noise, a 60 Hz line and a sine-Gaussian glitch, 16 s at 4096 Hz.
// The Python that computes the references is TF_REFERENCE_PYTHON (default /usr/bin/python3);
// with TF_REQUIRE_GWPY=1 (the interop run) a missing gwpy fails instead of skipping its cases.
// Tolerances (stated in docs/gw.md): relative 1e-9 for spectra and resampling, 1e-7 of the
// output's largest value for IIR filters and whitening (rounding of different section orders
// and FFT sizes), 1e-4 for the Q-transform's float32 tile energies.
#include "signal/Signal.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

using namespace tf::signal;

namespace {

constexpr double kRate = 4096, kT0 = 1126259446;

std::vector<double> readF64(const QString& path) {
  std::ifstream f(path.toStdString(), std::ios::binary);
  if (!f) return {};
  f.seekg(0, std::ios::end);
  std::vector<double> v(static_cast<std::size_t>(f.tellg()) / 8);
  f.seekg(0);
  f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * 8));
  return v;
}

// Largest |a - b| over the largest |b|.
double relError(const std::vector<double>& a, const std::vector<double>& b, std::size_t skip = 0) {
  double err = 0, scale = 0;
  for (std::size_t i = skip; i + skip < b.size(); ++i) {
    err = std::max(err, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return err / scale;
}
// Largest per-element relative error.
double pointwiseRel(const std::vector<double>& a, const std::vector<double>& b) {
  double err = 0;
  for (std::size_t i = 0; i < b.size(); ++i)
    if (b[i] != 0) err = std::max(err, std::abs(a[i] - b[i]) / std::abs(b[i]));
  return err;
}

TimeSeries makeInput() {
  std::mt19937_64 rng(20150914);
  std::normal_distribution<double> g(0, 1);
  const std::size_t n = static_cast<std::size_t>(16 * kRate);
  std::vector<double> white(n), red(n);
  for (auto& v : white) v = g(rng);
  for (auto& v : red) v = g(rng);
  // Red noise (a 4th-order low-pass at 40 Hz, 30 times louder) over a white floor: a steep
  // low-frequency wall like a detector's seismic one.
  const std::vector<double> wall = sosfilt(butterLowpass(4, 40, kRate), red);
  TimeSeries x;
  x.rate = kRate;
  x.t0 = kT0;
  x.channel = "X1:TEST";
  x.values.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double tg = t - 8.0;
    const double glitch = 6.0 * std::exp(-tg * tg / (2 * 0.01 * 0.01)) * std::sin(2 * M_PI * 150 * tg);
    x.values[i] = 1e-21 * (white[i] + 30 * wall[i] + 0.5 * std::sin(2 * M_PI * 60 * t) + glitch);
  }
  return x;
}

}  // namespace

// QSKIP returns from the function it is written in, so this is a macro, not a helper.
#define NEED_GWPY() \
  if (!gwpy_) QSKIP("gwpy is not importable by the reference Python (the interop run, test_signal_gwpy, has it)")

class TestSignal : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  TimeSeries x_;
  std::map<std::string, std::vector<double>> ref_;
  std::vector<std::string> info_;
  bool gwpy_ = false;

  const std::vector<double>& ref(const std::string& name) {
    auto it = ref_.find(name);
    if (it == ref_.end() || it->second.empty()) qFatal("reference %s missing", name.c_str());
    return it->second;
  }
  std::string infoLine(const std::string& key) {
    for (const auto& l : info_)
      if (l.rfind(key + " ", 0) == 0) return l.substr(key.size() + 1);
    return {};
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    x_ = makeInput();
    {
      std::ofstream f((dir_.path() + "/input.f64").toStdString(), std::ios::binary);
      f.write(reinterpret_cast<const char*>(x_.values.data()), static_cast<std::streamsize>(x_.values.size() * 8));
      std::ofstream p((dir_.path() + "/params.txt").toStdString());
      p.precision(17);
      p << kRate << " " << kT0 << "\n";
    }
    const QString py = qEnvironmentVariable("TF_REFERENCE_PYTHON", "/usr/bin/python3");
    QProcess proc;
    proc.setProcessChannelMode(QProcess::MergedChannels);
    proc.start(py, {QStringLiteral(TF_SOURCE_DIR "/tests/core/signal/reference.py"), dir_.path()});
    QVERIFY2(proc.waitForFinished(600000), "reference.py did not finish");
    QVERIFY2(proc.exitCode() == 0, proc.readAll().constData());
    for (const char* name : {"welch_median", "welch_mean", "bandpass", "highpass", "lowpass", "notch", "resample_down",
                             "resample_up", "gwpy_asd", "gwpy_asd_full", "gwpy_whiten", "gwpy_whiten_hp", "gwpy_q_rows", "gwpy_q_image"})
      ref_[name] = readF64(dir_.path() + "/" + name + ".f64");
    std::ifstream info((dir_.path() + "/info.txt").toStdString());
    for (std::string l; std::getline(info, l);) info_.push_back(l);
    gwpy_ = infoLine("gwpy") != "no" && !infoLine("gwpy").empty();
    if (qEnvironmentVariableIntValue("TF_REQUIRE_GWPY") == 1) QVERIFY2(gwpy_, "TF_REQUIRE_GWPY=1 but gwpy is not importable");
    qInfo("reference: %s, gwpy %s", qPrintable(py), gwpy_ ? infoLine("gwpy").c_str() : "absent");
  }

  void windows() {
    // scipy.signal.get_window('hann', 8) (periodic) and hann(8, sym=True).
    const auto p = window(Window::Hann, 8);
    QCOMPARE(p[0], 0.0);
    QVERIFY(std::abs(p[4] - 1.0) < 1e-15);
    QVERIFY(std::abs(p[2] - 0.5) < 1e-15);
    const auto s = window(Window::Hann, 8, true);
    QVERIFY(std::abs(s[7]) < 1e-15);
    QVERIFY(std::abs(s[3] - 0.9504844339512095) < 1e-12);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, windowFromName("kaiser"));
  }

  void welchMatchesScipy() {
    for (auto [avg, name] : {std::pair{Average::Median, "welch_median"}, std::pair{Average::Mean, "welch_mean"}}) {
      WelchOptions o;
      o.fftLength = 4;
      o.overlap = 2;
      o.average = avg;
      const Spectrum s = psd(x_, o);
      QCOMPARE(s.values.size(), ref(name).size());
      QCOMPARE(s.df, 0.25);
      const double e = pointwiseRel(s.values, ref(name));
      qInfo("%s: largest relative difference %.2e", name, e);
      QVERIFY2(e < 1e-9, name);
    }
    // The median and the mean differ on these data (the glitch sits in a few segments).
    WelchOptions o;
    o.fftLength = 4;
    o.overlap = 2;
    QVERIFY(pointwiseRel(ref("welch_median"), ref("welch_mean")) > 1e-3);
  }

  void iirMatchesScipy() {
    const std::vector<std::pair<const char*, std::vector<double>>> cases = {
        {"bandpass", sosfiltfilt(butterBandpass(8, 30, 400, kRate), x_.values)},
        {"highpass", sosfiltfilt(butterHighpass(5, 15, kRate), x_.values)},
        {"lowpass", sosfiltfilt(butterLowpass(4, 200, kRate), x_.values)},
        {"notch", notch(x_, 60, 30).values},
    };
    for (const auto& [name, ours] : cases) {
      QCOMPARE(ours.size(), ref(name).size());
      const double e = relError(ours, ref(name));
      qInfo("%s: largest difference %.2e of the largest value", name, e);
      QVERIFY2(e < 1e-7, name);
    }
    // Gains where the designs say: pass band ~1, -3 dB at the Butterworth edges, 0 at the notch.
    const Sos bp = butterBandpass(8, 30, 400, kRate);
    QVERIFY(std::abs(sosGain(bp, 110, kRate) - 1) < 1e-6);
    QVERIFY(std::abs(sosGain(bp, 30, kRate) - M_SQRT1_2) < 1e-6);
    QVERIFY(std::abs(sosGain(bp, 400, kRate) - M_SQRT1_2) < 1e-6);
    QVERIFY(sosGain(iirNotch(60, 30, kRate), 60, kRate) < 1e-9);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, butterBandpass(8, 30, 3000, kRate));
  }

  void resampleMatchesScipy() {
    const TimeSeries down = resample(x_, 1024);
    QCOMPARE(down.values.size(), ref("resample_down").size());
    QCOMPARE(down.rate, 1024.0);
    QVERIFY(relError(down.values, ref("resample_down")) < 1e-9);
    TimeSeries head = x_;
    head.values.resize(4096);
    const TimeSeries up = resample(head, 3 * kRate);
    QCOMPARE(up.values.size(), ref("resample_up").size());
    QVERIFY(relError(up.values, ref("resample_up")) < 1e-9);
  }

  void asdMatchesGwpy() {
    NEED_GWPY();
    WelchOptions o;
    o.fftLength = 4;  // overlap: Hann's recommended half, as gwpy
    const Spectrum a = asd(x_, o);
    QCOMPARE(a.values.size(), ref("gwpy_asd").size());
    const double e = pointwiseRel(a.values, ref("gwpy_asd"));
    qInfo("asd vs gwpy: %.2e", e);
    QVERIFY(e < 1e-9);
    const Spectrum full = asd(x_);
    QCOMPARE(full.values.size(), ref("gwpy_asd_full").size());
    QVERIFY(pointwiseRel(full.values, ref("gwpy_asd_full")) < 1e-9);
  }

  void whitenMatchesGwpy() {
    NEED_GWPY();
    const TimeSeries w = whiten(x_);
    QCOMPARE(w.values.size(), ref("gwpy_whiten").size());
    const double e = relError(w.values, ref("gwpy_whiten"));
    qInfo("whiten vs gwpy: %.2e", e);
    QVERIFY(e < 1e-7);
    WhitenOptions o;
    o.fftLength = 4;
    o.overlap = 2;
    o.fduration = 1;
    o.highpass = 20;
    const TimeSeries wh = whiten(x_, o);
    const double eh = relError(wh.values, ref("gwpy_whiten_hp"));
    qInfo("whiten (4 s, 2 s overlap, 1 s filter, 20 Hz high-pass) vs gwpy: %.2e", eh);
    QVERIFY(eh < 1e-7);
    // Whitened noise has about unit variance away from the edges and the glitch.
    double s2 = 0;
    std::size_t n = 0;
    for (std::size_t i = 4096; i < 4096 * 6; ++i, ++n) s2 += w.values[i] * w.values[i];
    QVERIFY2(std::abs(std::sqrt(s2 / n) - 1) < 0.1, qPrintable(QString::number(std::sqrt(s2 / n))));
  }

  void qScanMatchesGwpy() {
    NEED_GWPY();
    const TimeSeries w = whiten(x_);
    QOptions o;
    o.whiten = false;  // the same whitened input as gwpy's q_scan got
    const QPlane p = qScan(w, o);
    const double q = std::stod(infoLine("q"));
    QVERIFY2(std::abs(p.q - q) < 1e-12 * q, qPrintable(QString("Q %1 vs gwpy %2").arg(p.q).arg(q)));
    QCOMPARE(static_cast<int>(p.rows.size()), std::stoi(infoLine("rows")));
    std::vector<double> ours;
    for (std::size_t i = 0; i < p.rows.size(); ++i) {
      std::istringstream row(infoLine("row " + std::to_string(i)));
      double f;
      std::size_t tiles;
      row >> f >> tiles;
      QVERIFY(std::abs(p.rows[i].frequency - f) < 1e-9 * f);
      QCOMPARE(p.rows[i].energy.size(), tiles);
      ours.insert(ours.end(), p.rows[i].energy.begin(), p.rows[i].energy.end());
    }
    const double e = relError(ours, ref("gwpy_q_rows"));
    qInfo("Q-plane %.3f: %zu rows, tile energies vs gwpy %.2e", p.q, p.rows.size(), e);
    QVERIFY(e < 1e-4);
    std::istringstream peak(infoLine("peak"));
    double pe, pt, pf;
    peak >> pe >> pt >> pf;
    QVERIFY(std::abs(p.peakEnergy - pe) < 1e-4 * pe);
    QVERIFY(std::abs(p.peakTime - pt) < 1e-9);
    QCOMPARE(p.peakFrequency, pf);
    // The glitch: 150 Hz at 8 s.
    QVERIFY(std::abs(p.peakTime - (kT0 + 8)) < 0.02);
    QVERIFY(std::abs(p.peakFrequency - 150) < 25);
  }

  void qImageMatchesGwpy() {
    NEED_GWPY();
    // The loudest plane on a regular grid, as gwpy's QGram.interpolate makes it (splines in time
    // per row, then across rows in frequency): the same pixels, to float32 precision. (gwpy's
    // run starts the series at GPS 0; see reference.py.)
    QOptions o;
    o.whiten = false;
    const QPlane p = qScan(whiten(x_), o);
    std::istringstream shape(infoLine("q_image"));
    std::size_t rows = 0, cols = 0;
    double f0 = 0, f1 = 0, dt = 0;
    shape >> rows >> cols >> f0 >> f1 >> dt;
    QVERIFY(std::abs(f0 - p.fMin) < 1e-9 * f0 && std::abs(f1 - p.fMax) < 1e-9 * f1);
    QVERIFY(std::abs(dt - 1.0 / 400) < 1e-12);
    QCOMPARE(rows, std::size_t(400));
    QCOMPARE(cols, std::size_t(100));
    const Spectrogram img = qImage(p, rows, cols, kT0 + 7.5, kT0 + 8.5);
    const std::vector<double> ours(img.values.begin(), img.values.end());
    const double e = relError(ours, ref("gwpy_q_image"));
    qInfo("Q image 400 x 100 vs gwpy's QGram.interpolate: largest difference %.2e of the largest pixel", e);
    QVERIFY(e < 1e-4);
  }

  void qTransformAgreesWithGwpy() {
    NEED_GWPY();
    // gwpy's q_transform whitens inside and interpolates with splines onto 1000 x 0.5 Hz; ours
    // whitens the same way and picks the same plane. Its loudest pixel is then compared: time
    // within one output bin, frequency within 5 %, energy within 15 % (spline vs tile values).
    const QPlane p = qScan(x_);
    std::istringstream peak(infoLine("qt_peak"));
    double pe, pt, pf;
    peak >> pe >> pt >> pf;
    qInfo("q_transform peak: gwpy %.1f at %.4f s, %.1f Hz; ours %.1f at %.4f s, %.1f Hz", pe, pt - kT0, pf,
          p.peakEnergy, p.peakTime - kT0, p.peakFrequency);
    QVERIFY(std::abs(p.peakTime - pt) <= 16.0 / 1000 + 1e-9);
    QVERIFY(std::abs(p.peakFrequency - pf) < 0.05 * pf);
    QVERIFY(std::abs(p.peakEnergy - pe) < 0.15 * pe);
    const Spectrogram img = qImage(p, 400, 100, kT0 + 7.5, kT0 + 8.5);
    QCOMPARE(img.rows, std::size_t(400));
    QCOMPARE(img.cols, std::size_t(100));
    float mx = 0;
    for (float v : img.values) mx = std::max(mx, v);
    QVERIFY(mx > 0.5f * p.peakEnergy);
  }

  void qImageReproducesCubics() {
    // The image's splines are cubic with not-a-knot ends: data that is a cubic in time along
    // every row and a cubic in frequency across rows comes back exactly, whatever each row's tile
    // count (straight lines between tiles would not); beyond the first and last rows, the edge.
    auto p = [](double tau) { return 1 + 0.5 * tau - 0.1 * tau * tau + 0.01 * tau * tau * tau; };
    auto q = [](double f) { return 2 + 0.01 * f - 1e-4 * f * f + 3e-7 * f * f * f; };
    QPlane plane;
    plane.t0 = 1000;
    plane.duration = 8;
    plane.fMin = 15;
    plane.fMax = 200;
    const std::vector<std::pair<double, std::size_t>> rows = {{20, 16}, {30, 32}, {45, 64}, {70, 16}, {100, 128}, {150, 8}};
    for (const auto& [f, n] : rows) {
      QRow row{f, {}};
      for (std::size_t i = 0; i < n; ++i) row.energy.push_back(static_cast<float>(p(8.0 * i / n) * q(f)));
      plane.rows.push_back(row);
    }
    const Spectrogram img = qImage(plane, 50, 40, 1001, 1007);
    QCOMPARE(img.frequencies.front(), 15.0);
    double worst = 0;
    for (std::size_t t = 0; t < img.rows; ++t)
      for (std::size_t c = 0; c < img.cols; ++c) {
        const double want = p(1 + 6.0 * t / 50) * q(std::clamp(img.frequencies[c], 20.0, 150.0));
        worst = std::max(worst, std::abs(img.at(t, c) - want) / want);
      }
    qInfo("largest relative difference from the cubic: %.2e", worst);
    QVERIFY(worst < 1e-5);
  }

  void spectrogramRows() {
    const Spectrogram sg = spectrogram(x_, 1.5, {}, /*amplitude=*/false);
    QCOMPARE(sg.rows, std::size_t(10));
    QCOMPARE(sg.df, 1 / 1.5);
    QCOMPARE(sg.t0, kT0);
    // The glitch (8 s, 150 Hz) is in row 5 (7.5-9 s); rows without it hold the noise floor.
    double glitchRow = 0, quiet = 0;
    for (std::size_t c = 218; c < 232; ++c) {
      glitchRow += sg.at(5, c);
      quiet += 0.5 * (sg.at(1, c) + sg.at(2, c));
    }
    qInfo("PSD at 145-155 Hz, glitch rows over quiet rows: %.1f", glitchRow / quiet);
    QVERIFY(glitchRow > 3 * quiet);
  }

  void matchMetric() {
    std::vector<double> a(1000), b(1000), c(1000);
    for (std::size_t i = 0; i < a.size(); ++i) {
      a[i] = std::sin(0.05 * i);
      b[i] = 3 * a[i];
      c[i] = std::cos(0.05 * i);
    }
    QVERIFY(std::abs(match(a, b) - 1) < 1e-12);
    QVERIFY(std::abs(match(a, c)) < 0.05);
  }

  void badInputIsNamed() {
    TimeSeries empty;
    empty.rate = 4096;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, psd(empty));
    WelchOptions o;
    o.fftLength = 100;
    try {
      psd(x_, o);
      QFAIL("no error for an FFT longer than the series");
    } catch (const std::invalid_argument& e) {
      QVERIFY(std::string(e.what()).find("does not fit") != std::string::npos);
    }
    TimeSeries shortSeries = x_.crop(kT0, kT0 + 1);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, whiten(shortSeries));
  }
};

QTEST_GUILESS_MAIN(TestSignal)
#include "test_signal.moc"
