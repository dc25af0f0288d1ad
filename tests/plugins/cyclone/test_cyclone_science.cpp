// The cyclone twin's science without twinforge-run: distances, the closed-contour and
// warm-core tests of the TempestExtremes recipe on fields made here, StitchNodes, the scores,
// the synthetic generator (seeded, vortices where its tracks say), the patches (targets follow
// the flips), and the VGG_V1 network's size.
#include "Cnn.h"
#include "Cyclones.h"

#include "exec/Component.h"

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace tf::cyclone;
using tf::climate::Field;

namespace {

// A quiet context for functions that report progress.
class QuietContext : public tf::StepContext {
 public:
  explicit QuietContext(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const std::string& stepName() const override { return name_; }
  std::filesystem::path workDir() const override { return dir_; }
  std::filesystem::path workspace() const override { return dir_; }
  int threads() const override { return 1; }
  void progress(double, const std::string&) override {}
  void log(const std::string& line) override { lines.push_back(line); }
  void metric(const std::string&, double, std::int64_t) override {}
  bool cancelled() const override { return false; }
  std::vector<std::string> lines;

 private:
  std::filesystem::path dir_;
  std::string name_ = "test";
};

struct Grid {
  std::vector<double> lat, lon;
};
Grid grid(double lat0, double lat1, double lon0, double lon1, double res) {
  Grid g;
  for (double a = lat0; a <= lat1 + 1e-9; a += res) g.lat.push_back(a);
  for (double o = lon0; o <= lon1 + 1e-9; o += res) g.lon.push_back(o);
  return g;
}
// background + sum of Gaussian bumps (amplitude, lat, lon, radius in degrees)
Field bumps(const Grid& g, double background, std::vector<std::array<double, 4>> b) {
  Field f;
  f.nlat = g.lat.size();
  f.nlon = g.lon.size();
  for (double la : g.lat)
    for (double lo : g.lon) {
      double v = background;
      for (const auto& k : b) v += k[0] * std::exp(-(std::pow(la - k[1], 2) + std::pow(lo - k[2], 2)) / (k[3] * k[3]));
      f.values.push_back(static_cast<float>(v));
    }
  return f;
}

}  // namespace

class TestCycloneScience : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void greatCircle() {
    QVERIFY(std::fabs(greatCircleKm(0, 0, 1, 0) - 111.195) < 0.01);
    QVERIFY(std::fabs(greatCircleKm(0, 0, 0, 180) - M_PI * kEarthRadiusKm) < 1e-6);
    QVERIFY(std::fabs(greatCircleKm(10, 359.5, 10, 0.5) - greatCircleKm(10, 0, 10, 1)) < 1e-9);  // across 0 degrees
  }

  void closedContourAndWarmCore() {
    const Grid g = grid(0, 30, 120, 160, 0.5);
    const GridView v{g.lat, g.lon, false};
    // A 1000 Pa deep low of 2 degrees radius: closed by 200 Pa within 5.5 degrees.
    const Field low = bumps(g, 101000, {{-1000, 15, 140, 2}});
    const std::size_t i = 30, j = 40;  // 15N, 140E
    QVERIFY(closedContour(v, low, i, j, 200, 5.5, +1));
    // The same low on a slope falling 100 Pa per degree westward: the 200 Pa region leaks out.
    Field sloped = low;
    for (std::size_t a = 0; a < g.lat.size(); ++a)
      for (std::size_t b = 0; b < g.lon.size(); ++b) sloped.values[a * g.lon.size() + b] += static_cast<float>(100 * (g.lon[b] - 140));
    std::size_t mi = 0;
    for (std::size_t k = 1; k < sloped.values.size(); ++k)
      if (sloped.values[k] < sloped.values[mi]) mi = k;
    QVERIFY(!closedContour(v, sloped, mi / g.lon.size(), mi % g.lon.size(), 200, 5.5, +1));

    // Two lows: a warm-core one and a cold-core one; only the first passes DetectNodes.
    const Field msl = bumps(g, 101000, {{-1500, 12, 130, 2}, {-1500, 24, 152, 3}});
    const Field warm = bumps(g, 250, {{3, 12, 130, 2.5}, {-3, 24, 152, 4}});
    BaselineConfig cfg;
    auto nodes = detectNodes(v, msl, warm, cfg, 0);
    QCOMPARE(nodes.size(), std::size_t(1));
    QCOMPARE(nodes[0].lat, 12.0);
    QCOMPARE(nodes[0].lon, 130.0);
    // Without the warm-core test both are found; two lows 4 degrees apart merge into one.
    auto both = detectNodes(v, msl, Field{}, cfg, 0);
    QCOMPARE(both.size(), std::size_t(2));
    const Field pair = bumps(g, 101000, {{-1500, 12, 130, 1.5}, {-1400, 12, 134, 1.5}});
    QCOMPARE(detectNodes(v, pair, Field{}, cfg, 0).size(), std::size_t(1));
    // TempestExtremes' merge: a low is dropped when any lower candidate is within 6 degrees,
    // even one dropped itself. A chain 5 degrees apart, deepest first, keeps only the first.
    const Field chain = bumps(g, 101000, {{-1500, 15, 125, 1.2}, {-1400, 15, 130, 1.2}, {-1300, 15, 135, 1.2}});
    const auto kept = detectNodes(v, chain, Field{}, cfg, 0);
    QCOMPARE(kept.size(), std::size_t(1));
    QCOMPARE(kept[0].lon, 125.0);
  }

  void stitching() {
    std::vector<std::vector<Node>> steps(16);
    std::vector<std::string> times;
    for (std::size_t s = 0; s < 16; ++s) {
      times.push_back("t" + std::to_string(s));
      if (s != 7) steps[s].push_back({s, 10 + 0.5 * static_cast<double>(s), 150 - 1.5 * static_cast<double>(s), 0, 1});  // a gap at 7
      if (s >= 3 && s < 6) steps[s].push_back({s, 30, 120, 0, 1});  // 12 h only
    }
    auto tracks = stitchNodes(steps, times, 6, 8, 54, 24, "T");
    QCOMPARE(tracks.size(), std::size_t(1));
    QCOMPARE(tracks[0].points.size(), std::size_t(15));  // the gap bridged
    QCOMPARE(stitchNodes(steps, times, 6, 8, 0, 24, "T").size(), std::size_t(2));
    QCOMPARE(stitchNodes(steps, times, 6, 8, 0, 0, "T").size(), std::size_t(3));  // no gap allowed: split
  }

  void scores() {
    std::vector<tf::climate::Track> truth = {{"A", {{"t0", 10, 140}, {"t1", 11, 139}, {"t2", 12, 138}, {"t3", 13, 137}}}};
    std::vector<tf::climate::Track> found = {{"x", {{"t0", 10, 141}, {"t1", 11, 139}, {"t2", 20, 120}, {"t3", 13.5, 137}}}};
    DetectionScores s = scoreDetections(truth, found, 300);
    QCOMPARE(s.truePoints, std::int64_t(4));
    QCOMPARE(s.detections, std::int64_t(4));
    QCOMPARE(s.hits, std::int64_t(3));
    QCOMPARE(s.pod, 0.75);
    QCOMPARE(s.far, 0.25);
    QVERIFY(std::fabs(s.medianErrorKm - greatCircleKm(13, 137, 13.5, 137)) < 1e-9);  // errors 0, 55.6, 109
    QCOMPARE(s.tracksFound, std::int64_t(1));
  }

  void syntheticIsSeededAndPutsVorticesOnTheirTracks() {
    SyntheticConfig c;
    c.latMin = 0, c.latMax = 30, c.lonMin = 120, c.lonMax = 170, c.resolution = 0.5;
    c.days = 3;
    c.cyclones = 3;
    c.coldLows = 1;
    c.seed = 7;
    const SyntheticClimate a = makeSyntheticClimate(c), b = makeSyntheticClimate(c);
    QCOMPARE(a.variables[0].values, b.variables[0].values);
    c.seed = 8;
    QVERIFY(makeSyntheticClimate(c).variables[0].values != a.variables[0].values);
    QVERIFY(!a.tracks.empty());
    const std::size_t nlat = a.lat.size(), nlon = a.lon.size();
    int checked = 0;
    for (const auto& t : a.tracks)
      for (const auto& p : t.points) {
        const auto step = static_cast<std::size_t>(std::find(a.times.begin(), a.times.end(), p.time) - a.times.begin());
        QVERIFY(step < a.times.size());
        if (p.lat < 4 || p.lat > 26 || p.lon < 124 || p.lon > 166) continue;
        // The pressure minimum within 3 degrees of the track point is within 1 degree of it.
        float best = 1e9f;
        double bl = 0, bo = 0;
        for (std::size_t i = 0; i < nlat; ++i)
          for (std::size_t j = 0; j < nlon; ++j) {
            if (std::fabs(a.lat[i] - p.lat) > 3 || std::fabs(a.lon[j] - p.lon) > 3) continue;
            const float v = a.variables[0].values[step * nlat * nlon + i * nlon + j];
            if (v < best) best = v, bl = a.lat[i], bo = a.lon[j];
          }
        QVERIFY2(greatCircleDeg(bl, bo, p.lat, p.lon) <= 1.0,
                 qPrintable(QString("%1 at %2: minimum at %3,%4, track %5,%6").arg(QString::fromStdString(t.id), QString::fromStdString(p.time)).arg(bl).arg(bo).arg(p.lat).arg(p.lon)));
        ++checked;
      }
    QVERIFY(checked > 5);
  }

  void patchTargetsFollowTheFlips() {
    SyntheticConfig c;
    c.latMin = 0, c.latMax = 30, c.lonMin = 120, c.lonMax = 170, c.resolution = 0.5;
    c.days = 2;
    c.cyclones = 3;
    c.coldLows = 0;
    c.seed = 3;
    const SyntheticClimate sc = makeSyntheticClimate(c);
    tf::climate::WriteOptions wo;
    wo.timeOffsets = sc.timeOffsets;
    const std::string nc = tmp_.filePath("p.nc").toStdString();
    tf::climate::writeClimateFile(nc, sc.lat, sc.lon, sc.variables, wo);
    tf::climate::writeTracks(tmp_.filePath("p.tracks.csv").toStdString(), sc.tracks);
    QuietContext ctx(tmp_.path().toStdString());
    PatchOptions o;
    o.variables = {"msl"};
    o.patch = 24;
    o.cyclonePatches = 2;
    o.randomPatches = 2;
    o.augment = true;
    const tf::Artifact a = makePatches(ctx, nc, tmp_.filePath("p.tracks.csv").toStdString(), o);
    const at::Tensor x = a.tensor("x"), y = a.tensor("y");
    QCOMPARE(x.size(1), 1);
    QCOMPARE(x.size(2), 24);
    int checked = 0;
    for (long k = 0; k < x.size(0); ++k) {
      if (y[k][2].item<float>() < 0.5) {
        QCOMPARE(y[k][0].item<float>(), -1.0f);
        continue;
      }
      const float r = y[k][0].item<float>(), col = y[k][1].item<float>();
      if (r < 3 || r > 20 || col < 3 || col > 20) continue;  // near an edge a neighbour's low may be deeper
      // Where the target says, the patch has a pressure low: the deepest point of the 9 x 9
      // cells around the target is within 2 cells of it and well below the patch's median
      // (a target not moved with its flipped patch lands on ordinary background).
      const long r0 = std::lround(r), c0 = std::lround(col);
      const at::Tensor win = x[k][0].slice(0, std::max(0L, r0 - 4), std::min(24L, r0 + 5)).slice(1, std::max(0L, c0 - 4), std::min(24L, c0 + 5));
      const long idx = win.argmin().item<long>();
      const double mr = static_cast<double>(std::max(0L, r0 - 4) + idx / win.size(1)), mc = static_cast<double>(std::max(0L, c0 - 4) + idx % win.size(1));
      const double depth = x[k][0].median().item<double>() - win.min().item<double>();
      QVERIFY2(std::hypot(mr - r, mc - col) <= 2.0 && depth > 0.03,
               qPrintable(QString("patch %1: low at %2,%3 (%4 below the median), target %5,%6").arg(k).arg(mr).arg(mc).arg(depth).arg(r).arg(col)));
      ++checked;
    }
    QVERIFY2(checked >= 8, qPrintable(QString::number(checked)));
    // Min-max normalised to 0..1, the range kept for the model.
    QVERIFY(x.min().item<float>() >= 0 && x.max().item<float>() <= 1);
    QVERIFY(a.meta["normalisation"].contains("msl"));
  }

  void vggV1HasCmccsSize() {
    VggSpec s;  // width 64, 4 stages, 40 x 40 x 4
    VggNet net(s);
    std::int64_t n = 0;
    for (const auto& p : net->parameters()) n += p.numel();
    // Keras' VGG_V1 layers (convolutions 3x64, 2x128, 2x256, 3x512; dense 512, 256, 128, 64) and
    // three outputs: 3 749 699 parameters.
    QCOMPARE(n, std::int64_t(3749699));
    QCOMPARE(net->forward(at::zeros({2, 4, 40, 40})).sizes(), (at::IntArrayRef{2, 3}));
  }
};

QTEST_GUILESS_MAIN(TestCycloneScience)
#include "test_cyclone_science.moc"
