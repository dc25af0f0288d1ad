// The strain viewer's time-series redraw on an hour at 4096 Hz (14.7 M samples): paint time
// after zooms from the whole hour down to a second, through the min/max pyramid (what a user
// waits for when scrolling the wheel). Offscreen: QT_QPA_PLATFORM=offscreen bench/strain_redraw.
#include "StrainView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  const double rate = 4096, seconds = 3600;
  std::vector<double> v(static_cast<std::size_t>(rate * seconds));
  std::mt19937_64 rng(1);
  std::normal_distribution<double> g(0, 1e-21);
  double slow = 0;
  for (auto& x : v) {
    slow = 0.999 * slow + g(rng);
    x = slow + 0.1 * g(rng);
  }
  QElapsedTimer build;
  build.start();
  tf::viewers::Trace t;
  t.name = "strain";
  t.colour = Qt::darkGray;
  t.values = &v;
  t.pyramid.build(v);
  const double buildMs = static_cast<double>(build.nsecsElapsed()) / 1e6;
  tf::viewers::TracePlot plot;
  plot.resize(1400, 400);
  plot.setSeries(0, rate, v.size());
  plot.setTraces({&t}, "strain");
  QImage img(plot.size(), QImage::Format_RGB32);
  std::vector<double> ms;
  // Zoom in by 1.25 per wheel step around the middle, whole hour to about a second, and back.
  double a = 0, b = seconds;
  for (int step = 0; step < 72; ++step) {
    const double f = step < 36 ? 0.8 : 1.25, c = 1800.3;
    a = c - (c - a) * f;
    b = c + (b - c) * f;
    plot.setView(a, b);
    QPainter p(&img);
    plot.render(&p);
    ms.push_back(plot.lastPaintMs());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("redraw after a zoom, %zu samples, %zu zooms: median %.2f ms, worst %.2f ms (pyramid built once in %.0f ms)\n", v.size(),
              ms.size(), ms[ms.size() / 2], ms.back(), buildMs);
  return 0;
}
