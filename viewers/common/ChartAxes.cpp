#include "ChartAxes.h"

#include "plot/AxisTicks.h"

#include <QLogValueAxis>
#include <QValueAxis>

namespace tf::viewers {

void setNiceRange(QValueAxis* axis, double lo, double hi, bool integer, int maxTicks) {
  const plot::Ticks t = plot::niceTicks(lo, hi, maxTicks, integer);
  axis->setTickType(QValueAxis::TicksDynamic);
  axis->setTickAnchor(t.lo);
  axis->setTickInterval(t.step);
  axis->setLabelFormat(QStringLiteral("%.") + QString::number(t.decimals) + QStringLiteral("f"));
  axis->setRange(t.lo, t.hi);
}

void setLogRange(QLogValueAxis* axis, double lo, double hi) {
  const plot::LogTicks t = plot::logTicks(lo, hi);
  axis->setBase(10);
  axis->setLabelFormat(QStringLiteral("%g"));
  axis->setMinorTickCount(8);  // 2..9 in each decade, unlabelled
  axis->setRange(t.lo, t.hi);
}

}  // namespace tf::viewers
