#include "plot/AxisTicks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tf::plot {

std::string Ticks::label(double v) const {
  if (std::abs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0;  // no "-0"
  char b[48];
  if (std::abs(v) >= 1e6 || (v != 0 && std::abs(v) < 1e-4))
    std::snprintf(b, sizeof b, "%g", v);
  else
    std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

namespace {

// The smallest 1-2-5 step that covers `span` in at most `intervals` intervals.
double roundStep(double span, int intervals, bool integer) {
  const double raw = span / std::max(1, intervals);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag * 10;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw * (1 - 1e-9)) {
      step = m * mag;
      break;
    }
  return integer ? std::max(1.0, std::round(step)) : step;
}

int decimalsFor(double step) {
  return std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 10);
}

}  // namespace

Ticks niceTicks(double lo, double hi, int maxTicks, bool integer) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo <= std::abs(hi) * 1e-12) {  // one value: a unit (or 10 %) around it
    const double pad = integer ? 1 : (hi == 0 ? 1 : std::abs(hi) * 0.1);
    lo -= pad;
    hi += pad;
  }
  maxTicks = std::max(2, maxTicks);
  Ticks t;
  // The step can widen the range by up to two steps: retry with a larger step until it fits.
  for (int intervals = maxTicks - 1; intervals >= 1; --intervals) {
    t.step = roundStep(hi - lo, intervals, integer);
    t.lo = std::floor(lo / t.step + 1e-9) * t.step;
    t.hi = std::ceil(hi / t.step - 1e-9) * t.step;
    // Widening to whole steps may add one tick beyond the data: allowed, a coarser step is worse.
    if (std::lround((t.hi - t.lo) / t.step) + 1 <= maxTicks + 1) break;
  }
  t.decimals = integer ? 0 : decimalsFor(t.step);
  const long n = std::lround((t.hi - t.lo) / t.step);
  for (long i = 0; i <= n; ++i) t.values.push_back(t.lo + static_cast<double>(i) * t.step);
  return t;
}

Ticks ticksWithin(double lo, double hi, int maxTicks, bool integer) {
  if (hi < lo) std::swap(lo, hi);
  Ticks out;
  for (int n = maxTicks + 2; n >= 2 && out.values.size() < 2; --n) {
    out = niceTicks(lo, hi, n, integer);
    std::vector<double> inside;
    for (double v : out.values)
      if (v >= lo - out.step * 1e-9 && v <= hi + out.step * 1e-9) inside.push_back(v);
    out.values = static_cast<int>(inside.size()) > maxTicks ? std::vector<double>{} : inside;
  }
  out.lo = lo;
  out.hi = hi;
  return out;
}

LogTicks logTicks(double lo, double hi) {
  if (!(hi > 0) || !std::isfinite(hi)) hi = 1;
  if (!(lo > 0) || lo > hi) lo = hi / 100;
  LogTicks t;
  int a = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  int b = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (b - a < 2) {  // at least two decades, so three labels
    a -= (2 - (b - a) + 1) / 2;
    b = a + 2;
  }
  t.lo = std::pow(10.0, a);
  t.hi = std::pow(10.0, b);
  for (int e = a; e <= b; ++e) t.decades.push_back(std::pow(10.0, e));
  return t;
}

std::string decadeLabel(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

}  // namespace tf::plot
