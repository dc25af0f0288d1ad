// Tick values a person can read: round steps of 1, 2 or 5 times a power of ten, whole numbers
// for counts (steps, epochs, layers), whole decades on log axes with at least two of them
// labelled. The one tick rule every chart uses: QtCharts axes through viewers/common/ChartAxes,
// the validation report's SVG plots directly. Qt-free.
#pragma once

#include <string>
#include <vector>

namespace tf::plot {

struct Ticks {
  double lo = 0, hi = 1;  // the axis range: the data's, widened to whole steps
  double step = 1;        // 1, 2 or 5 x 10^k
  int decimals = 0;       // for labels: as many as the step needs, no more
  std::vector<double> values;
  std::string label(double v) const;  // "0.25", "10"; never "-0"
};

// Round ticks covering [lo, hi]: about `maxTicks` values (one more where widening the range to
// whole steps needs it). `integer`: a
// step of at least 1 (counts). An empty or reversed range gets a unit around its value.
Ticks niceTicks(double lo, double hi, int maxTicks = 6, bool integer = false);

// The round ticks inside [lo, hi] without widening it (plots whose range is fixed by data):
// lo and hi stay as given, `values` are the ticks inside, step and decimals those they use.
Ticks ticksWithin(double lo, double hi, int maxTicks = 5, bool integer = false);

struct LogTicks {
  double lo = 1, hi = 10;       // whole decades
  std::vector<double> decades;  // every labelled power of ten, at least 3 (two decades)
};
// Whole decades covering [lo, hi] (values <= 0 are ignored: lo falls back to hi / 100).
LogTicks logTicks(double lo, double hi);

// Short text for a number on a log axis: 0.001, 0.01, ..., 1000, 1e+04.
std::string decadeLabel(double v);

}  // namespace tf::plot
