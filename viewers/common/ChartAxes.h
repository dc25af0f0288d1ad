// The one way charts set their axes (QtCharts): round 1-2-5 ticks (core's plot/AxisTicks),
// whole numbers for counts, whole labelled decades with unlabelled 2..9 minor lines on log axes.
#pragma once

class QValueAxis;
class QLogValueAxis;

namespace tf::viewers {

// Range [lo, hi] widened to round ticks; `integer` for steps, epochs, layers.
void setNiceRange(QValueAxis* axis, double lo, double hi, bool integer = false, int maxTicks = 6);
// Range [lo, hi] (lo > 0) widened to whole decades, at least two of them.
void setLogRange(QLogValueAxis* axis, double lo, double hi);

}  // namespace tf::viewers
