#include "ShowerPlots.h"

#include "ChartAxes.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QLabel>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QFileDialog>
#include <QPainter>
#include <QSvgGenerator>
#include <QToolButton>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace tf::viewers {

namespace {

// Blue (low) to red (high) through cyan, green and yellow, as the 3D view's lookup table.
QColor logColour(double t) {
  t = std::clamp(t, 0.0, 1.0);
  return QColor::fromHsvF(static_cast<float>(0.667 * (1 - t)), 1.0f, 1.0f);
}

QChart* makeChart(const QString& title) {
  auto* c = new QChart;
  c->setTitle(title);
  c->legend()->hide();
  c->setMargins(QMargins(4, 4, 4, 4));
  return c;
}

}  // namespace

HeatmapWidget::HeatmapWidget(QString xName, QString yName, QWidget* parent)
    : QWidget(parent), xName_(std::move(xName)), yName_(std::move(yName)) {
  setMinimumSize(200, 160);
}

void HeatmapWidget::setProjection(const Projection& p) {
  p_ = p;
  update();
}

void HeatmapWidget::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  if (p_.rows == 0 || p_.cols == 0) return;
  double lo = INFINITY, hi = 0;
  for (double v : p_.e)
    if (v > 0) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  QImage img(p_.cols, p_.rows, QImage::Format_RGB32);
  img.fill(QColor(28, 30, 36));
  if (hi > 0) {
    const double l0 = std::log10(lo), l1 = std::log10(hi);
    for (int r = 0; r < p_.rows; ++r)
      for (int c = 0; c < p_.cols; ++c)
        if (const double v = p_.at(r, c); v > 0)
          img.setPixelColor(c, p_.rows - 1 - r, logColour(l1 > l0 ? (std::log10(v) - l0) / (l1 - l0) : 1));
  }
  const int margin = 34, bar = 14;
  const QRect area(margin, 8, width() - margin - 16 - bar - 40, height() - margin - 8);
  // Cells stay square.
  const double scale = std::min(area.width() / static_cast<double>(p_.cols), area.height() / static_cast<double>(p_.rows));
  const QRect target(area.left(), area.top(), static_cast<int>(p_.cols * scale), static_cast<int>(p_.rows * scale));
  painter.drawImage(target, img);
  painter.setPen(palette().color(QPalette::WindowText));
  painter.drawRect(target.adjusted(0, 0, -1, -1));
  painter.drawText(QRect(target.left(), target.bottom() + 2, target.width(), 16), Qt::AlignHCenter, xName_);
  painter.drawText(QRect(target.left(), target.bottom() + 2, target.width(), 16), Qt::AlignLeft, "0");
  painter.drawText(QRect(target.left(), target.bottom() + 2, target.width(), 16), Qt::AlignRight,
                   QString::number(p_.cols));
  painter.save();
  painter.translate(target.left() - 18, target.center().y());
  painter.rotate(-90);
  painter.drawText(QRect(-target.height() / 2, -8, target.height(), 16), Qt::AlignHCenter, yName_);
  painter.restore();
  painter.drawText(QRect(0, target.bottom() - 14, target.left() - 2, 16), Qt::AlignRight, "0");
  painter.drawText(QRect(0, target.top(), target.left() - 2, 16), Qt::AlignRight, QString::number(p_.rows));
  // Colour bar with its range in MeV.
  if (hi > 0) {
    const QRect barRect(target.right() + 10, target.top(), bar, target.height());
    for (int y = 0; y < barRect.height(); ++y)
      painter.fillRect(barRect.left(), barRect.bottom() - y, bar, 1, logColour(y / std::max(1.0, barRect.height() - 1.0)));
    painter.drawRect(barRect.adjusted(0, 0, -1, -1));
    painter.drawText(QPoint(barRect.right() + 4, barRect.top() + 10), QString::number(hi * 1e3, 'g', 3));
    painter.drawText(QPoint(barRect.right() + 4, barRect.bottom()), QString::number(lo * 1e3, 'g', 3));
    painter.drawText(QPoint(barRect.right() + 4, barRect.center().y()), QStringLiteral("MeV"));
  }
}

ShowerPlots::ShowerPlots(QWidget* parent) : QTabWidget(parent) {
  auto* profiles = new QWidget(this);
  auto* layout = new QVBoxLayout(profiles);
  layout->setContentsMargins(2, 2, 2, 2);
  longChart_ = makeChart(tr("Longitudinal profile"));
  latChart_ = makeChart(tr("Lateral profile"));
  for (QChart* c : {longChart_, latChart_}) {
    auto* view = new QChartView(c, profiles);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(180);
    layout->addWidget(view, 1);
  }
  // Which curve is which, when another event is drawn over this one (the charts are narrow
  // for QtCharts' own legend).
  legend_ = new QLabel(profiles);
  legend_->setObjectName(QStringLiteral("profileLegend"));
  legend_->setVisible(false);
  layout->insertWidget(0, legend_);
  for (auto [chart, axes] : {std::make_pair(longChart_, &longAxes_), std::make_pair(latChart_, &latAxes_)}) {
    axes->x = new QValueAxis(chart);
    axes->yLin = new QValueAxis(chart);
    axes->yLog = new QLogValueAxis(chart);
    axes->yLog->setBase(10);
    axes->yLin->setTitleText(tr("energy [MeV]"));
    axes->yLog->setTitleText(tr("energy [MeV]"));
    chart->addAxis(axes->x, Qt::AlignBottom);
    chart->addAxis(axes->yLog, Qt::AlignLeft);
  }
  logScale_ = new QCheckBox(tr("Logarithmic energy axis"), profiles);
  logScale_->setChecked(true);
  layout->addWidget(logScale_);
  connect(logScale_, &QCheckBox::toggled, this, [this] { redrawCharts(); });
  addTab(profiles, tr("Profiles"));
  xy_ = new HeatmapWidget(tr("x cell"), tr("y cell"), this);
  xz_ = new HeatmapWidget(tr("layer"), tr("x cell"), this);
  yz_ = new HeatmapWidget(tr("layer"), tr("y cell"), this);
  auto* svg = new QToolButton(this);
  svg->setObjectName(QStringLiteral("exportSvg"));
  svg->setText(tr("SVG…"));
  svg->setToolTip(tr("Save the plot shown as SVG"));
  setCornerWidget(svg, Qt::TopRightCorner);
  connect(svg, &QToolButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Save Plot as SVG"), QString(), tr("SVG files (*.svg)"));
    if (!f.isEmpty()) exportSvg(f);
  });
  addTab(xy_, QStringLiteral("x–y"));
  addTab(xz_, QStringLiteral("x–z"));
  addTab(yz_, QStringLiteral("y–z"));
}

HeatmapWidget* ShowerPlots::heatmap(Plane p) const {
  return p == Plane::XY ? xy_ : p == Plane::XZ ? xz_ : yz_;
}

void ShowerPlots::setReference(const std::vector<double>& longitudinal, const std::vector<double>& lateral,
                               const QString& label, const QString& ownLabel) {
  refLong_ = longitudinal;
  refLat_ = lateral;
  refLabel_ = label;
  ownLabel_ = ownLabel;
  redrawCharts();
}

bool ShowerPlots::exportSvg(const QString& file, QString* error) {
  QWidget* w = currentWidget();
  QSvgGenerator gen;
  gen.setFileName(file);
  gen.setSize(w->size());
  gen.setViewBox(QRect(QPoint(0, 0), w->size()));
  gen.setTitle(tabText(currentIndex()));
  gen.setDescription(tr("TwinForge shower view"));
  QPainter painter;
  if (!painter.begin(&gen)) {
    if (error) *error = tr("cannot write %1").arg(file);
    return false;
  }
  w->render(&painter);
  painter.end();
  return true;
}

void ShowerPlots::update(const CellGrid& g, const ShowerCut& cut) {
  if (g.cylindrical != cylindrical_) {
    cylindrical_ = g.cylindrical;
    xy_->setAxisNames(cylindrical_ ? tr("radial bin") : tr("x cell"), cylindrical_ ? tr("angular bin") : tr("y cell"));
    xz_->setAxisNames(tr("layer"), cylindrical_ ? tr("radial bin") : tr("x cell"));
    yz_->setAxisNames(tr("layer"), cylindrical_ ? tr("angular bin") : tr("y cell"));
    setTabText(1, cylindrical_ ? QStringLiteral("r–α") : QStringLiteral("x–y"));
    setTabText(2, cylindrical_ ? QStringLiteral("r–z") : QStringLiteral("x–z"));
    setTabText(3, cylindrical_ ? QStringLiteral("α–z") : QStringLiteral("y–z"));
  }
  longitudinal_ = longitudinalProfile(g, cut);
  lateral_ = lateralProfile(g, cut);
  xy_->setProjection(project(g, cut, Plane::XY));
  xz_->setProjection(project(g, cut, Plane::XZ));
  yz_->setProjection(project(g, cut, Plane::YZ));
  redrawCharts();
}

void ShowerPlots::redrawCharts() {
  auto fill = [this](QChart* chart, Axes& axes, const std::vector<double>& values, const std::vector<double>& ref,
                     const QString& xTitle) {
    chart->removeAllSeries();
    const bool log = logScale_->isChecked();
    double hi = 0, lo = INFINITY;
    const std::size_t n = std::max(values.size(), ref.size());
    std::vector<QLineSeries*> lines;
    auto addLine = [&](const std::vector<double>& v, const QString& name, bool dashed) {
      auto* line = new QLineSeries;
      line->setName(name);
      for (std::size_t i = 0; i < v.size(); ++i) {
        const double mev = v[i] * 1e3;
        if (log && mev <= 0) continue;  // nothing to draw on a log axis
        line->append(static_cast<double>(i) + 0.5, mev);
        hi = std::max(hi, mev);
        if (mev > 0) lo = std::min(lo, mev);
      }
      QPen pen = line->pen();
      pen.setWidthF(2);
      pen.setColor(dashed ? QColor(220, 90, 40) : QColor(30, 110, 200));
      if (dashed) pen.setStyle(Qt::DashLine);
      line->setPen(pen);
      lines.push_back(line);
    };
    addLine(values, ownLabel_.isEmpty() ? tr("this event") : ownLabel_, false);
    if (!ref.empty()) addLine(ref, refLabel_, true);
    chart->legend()->setVisible(false);
    axes.x->setTitleText(xTitle);
    setNiceRange(axes.x, 0, std::max<double>(1, static_cast<double>(n)), true);
    QAbstractAxis* y = log ? static_cast<QAbstractAxis*>(axes.yLog) : axes.yLin;
    QAbstractAxis* other = log ? static_cast<QAbstractAxis*>(axes.yLin) : axes.yLog;
    if (chart->axes(Qt::Vertical).contains(other)) chart->removeAxis(other);
    if (!chart->axes(Qt::Vertical).contains(y)) chart->addAxis(y, Qt::AlignLeft);
    if (log && hi > 0)
      setLogRange(axes.yLog, lo, hi);
    else if (!log)
      setNiceRange(axes.yLin, 0, std::max(1e-9, hi));
    for (auto* line : lines) {
      chart->addSeries(line);
      line->attachAxis(axes.x);
      line->attachAxis(y);
    }
  };
  legend_->setVisible(!refLong_.empty());
  legend_->setText(tr("<span style='color:#1e6ec8'>━━ %1</span> &nbsp; <span style='color:#dc5a28'>╍╍ %2</span>")
                       .arg((ownLabel_.isEmpty() ? tr("this event") : ownLabel_).toHtmlEscaped(),
                            refLabel_.toHtmlEscaped()));
  fill(longChart_, longAxes_, longitudinal_, refLong_, tr("layer"));
  fill(latChart_, latAxes_, lateral_, refLat_, cylindrical_ ? tr("radial bin") : tr("r [cells]"));
}

}  // namespace tf::viewers
