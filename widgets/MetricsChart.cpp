#include "MetricsChart.h"

#include "ChartAxes.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace tf::ui {

struct MetricsChart::Private {
  struct Curve {
    QVector<QPointF> raw;
    QLineSeries* series = nullptr;
    double ema = 0;
    int n = 0;
  };
  QChart* chart = nullptr;
  QChartView* view = nullptr;
  QValueAxis* x = nullptr;
  QAbstractAxis* y = nullptr;
  QStringList order;
  QHash<QString, bool> shown;  // chosen by the user (legend clicks); else the default
  bool lossesFirst = true;
  bool defaultShown(const QString& name) const {
    if (!lossesFirst) return true;
    for (const auto& o : order)
      if (o.contains(QLatin1String("loss"))) return name.contains(QLatin1String("loss"));
    return true;
  }
  QHash<QString, Curve> curves;
  double weight = 0.6;
  bool log = false;
  double xmin = std::numeric_limits<double>::max(), xmax = -std::numeric_limits<double>::max();
  double ymin = std::numeric_limits<double>::max(), ymax = -std::numeric_limits<double>::max();

  // The smoothed value after adding `v` (debiased EMA, so the first points are not pulled to 0).
  QPointF smooth(Curve& c, QPointF p) const {
    ++c.n;
    c.ema = weight * c.ema + (1 - weight) * p.y();
    const double debias = 1 - std::pow(weight, c.n);
    return QPointF(p.x(), weight > 0 ? c.ema / debias : p.y());
  }
  void grow(QPointF p) {
    xmin = std::min(xmin, p.x());
    xmax = std::max(xmax, p.x());
    if (log && p.y() <= 0) return;
    ymin = std::min(ymin, p.y());
    ymax = std::max(ymax, p.y());
  }
  void applyRanges() {
    if (xmin > xmax) return;
    // Steps and epochs are counts: whole-number ticks.
    viewers::setNiceRange(x, xmin, xmax > xmin ? xmax : xmin + 1, true);
    if (ymin > ymax) return;
    if (log)
      viewers::setLogRange(static_cast<QLogValueAxis*>(y), ymin, ymax);
    else
      viewers::setNiceRange(static_cast<QValueAxis*>(y), ymin, ymax);
  }
};

MetricsChart::MetricsChart(QWidget* parent) : QWidget(parent), d_(new Private) {
  setObjectName(QStringLiteral("metricsChart"));
  d_->chart = new QChart;
  d_->chart->legend()->setAlignment(Qt::AlignRight);  // a column of names stays readable with many metrics
  d_->chart->setMargins(QMargins(4, 4, 4, 4));
  d_->view = new QChartView(d_->chart, this);
  d_->view->setRenderHint(QPainter::Antialiasing);
  smooth_ = new QDoubleSpinBox(this);
  smooth_->setRange(0, 0.99);
  smooth_->setSingleStep(0.1);
  smooth_->setValue(d_->weight);
  smooth_->setToolTip(tr("Exponential smoothing weight (0: raw values)"));
  log_ = new QCheckBox(tr("Log scale"), this);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Smoothing"), this));
  bar->addWidget(smooth_);
  bar->addWidget(log_);
  bar->addStretch();
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(2, 2, 2, 2);
  lay->addLayout(bar);
  lay->addWidget(d_->view);
  connect(smooth_, &QDoubleSpinBox::valueChanged, this, &MetricsChart::setSmoothing);
  connect(log_, &QCheckBox::toggled, this, &MetricsChart::setLogScale);
  rebuild();
}

MetricsChart::~MetricsChart() { delete d_; }

void MetricsChart::setTitle(const QString& title) { d_->chart->setTitle(title); }

void MetricsChart::clear() {
  d_->curves.clear();
  d_->shown.clear();
  d_->order.clear();
  rebuild();
}

void MetricsChart::addPoint(const QString& name, double step, double value) {
  if (!std::isfinite(value)) return;
  auto it = d_->curves.find(name);
  if (it == d_->curves.end()) {
    d_->order << name;
    d_->curves.insert(name, {});
    d_->curves[name].raw.append({step, value});
    rebuild();
    return;
  }
  it->raw.append({step, value});
  const QPointF p = d_->smooth(*it, {step, value});
  if (d_->log && p.y() <= 0) return;
  it->series->append(p);
  if (!isShown(name)) return;
  d_->grow(p);
  d_->applyRanges();
}

void MetricsChart::setSmoothing(double weight) {
  d_->weight = std::clamp(weight, 0.0, 0.99);
  if (std::abs(smooth_->value() - d_->weight) > 1e-9) smooth_->setValue(d_->weight);
  rebuild();
}

void MetricsChart::setLogScale(bool on) {
  d_->log = on;
  if (log_->isChecked() != on) log_->setChecked(on);
  rebuild();
}

void MetricsChart::rebuild() {
  QChart* c = d_->chart;
  c->removeAllSeries();
  for (QAbstractAxis* a : c->axes()) {
    c->removeAxis(a);
    delete a;
  }
  d_->x = new QValueAxis;
  d_->x->setTitleText(tr("step"));
  if (d_->log) {
    auto* ly = new QLogValueAxis;
    ly->setBase(10);
    ly->setTitleText(tr("value (log)"));
    d_->y = ly;
  } else {
    auto* vy = new QValueAxis;
    vy->setTitleText(tr("value"));
    d_->y = vy;
  }
  c->addAxis(d_->x, Qt::AlignBottom);
  c->addAxis(d_->y, Qt::AlignLeft);
  d_->xmin = d_->ymin = std::numeric_limits<double>::max();
  d_->xmax = d_->ymax = -std::numeric_limits<double>::max();
  for (const QString& name : d_->order) {
    auto& curve = d_->curves[name];
    curve.series = new QLineSeries;
    curve.series->setName(name);
    curve.ema = 0;
    curve.n = 0;
    const bool on = d_->shown.value(name, d_->defaultShown(name));
    QList<QPointF> pts;
    for (const QPointF& p : curve.raw) {
      const QPointF s = d_->smooth(curve, p);
      if (d_->log && s.y() <= 0) continue;
      pts << s;
      if (on) d_->grow(s);  // the axes fit the curves shown
    }
    curve.series->replace(pts);
    c->addSeries(curve.series);
    curve.series->attachAxis(d_->x);
    curve.series->attachAxis(d_->y);
    curve.series->setVisible(on);
    for (QLegendMarker* m : c->legend()->markers(curve.series)) {
      m->setVisible(true);  // hiding a series hides its marker; keep it to click on
      QFont f = m->font();
      f.setStrikeOut(!on);
      m->setFont(f);
      m->setLabelBrush(on ? QColor(0x20, 0x20, 0x20) : QColor(0xa0, 0xa0, 0xa0));
      connect(m, &QLegendMarker::clicked, this, [this, name] { setShown(name, !isShown(name)); });
    }
  }
  d_->applyRanges();
}

void MetricsChart::setLossesFirst(bool on) {
  d_->lossesFirst = on;
  rebuild();
}

bool MetricsChart::isShown(const QString& series) const {
  return d_->shown.value(series, d_->defaultShown(series));
}

void MetricsChart::setShown(const QString& series, bool on) {
  d_->shown[series] = on;
  rebuild();
}

QStringList MetricsChart::seriesNames() const { return d_->order; }

int MetricsChart::pointCount(const QString& series) const {
  auto it = d_->curves.find(series);
  return it == d_->curves.end() ? 0 : it->raw.size();
}

double MetricsChart::lastValue(const QString& series) const {
  auto it = d_->curves.find(series);
  return it == d_->curves.end() || it->raw.isEmpty() ? std::nan("") : it->raw.back().y();
}

}  // namespace tf::ui
