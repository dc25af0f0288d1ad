#include "StrainView.h"

#include "ColourMaps.h"
#include "GwScience.h"
#include "ViewerRegistry.h"
#include "plot/AxisTicks.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QSplitter>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <limits>

namespace tf::viewers {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
const QColor kAxis(60, 60, 60);
const QColor kGrid(225, 225, 225);

QString num(double v, int decimals) { return QString::number(v, 'f', decimals); }

// "1e-21" style exponent for strain axes: values are shown divided by 10^e.
int exponentFor(double maxAbs) { return maxAbs > 0 ? static_cast<int>(std::floor(std::log10(maxAbs))) : 0; }

void drawFrame(QPainter& p, const QRectF& r) {
  p.setPen(QPen(kAxis, 1));
  p.setBrush(Qt::NoBrush);
  p.drawRect(r);
}
}  // namespace

// ---- MinMaxPyramid -------------------------------------------------------------------------

void MinMaxPyramid::build(const std::vector<double>& v) {
  v_ = &v;
  n_ = v.size();
  mins_.clear();
  maxs_.clear();
  std::size_t len = n_;
  const std::vector<float>* pmin = nullptr;
  const std::vector<float>* pmax = nullptr;
  while (len >= 2) {
    const std::size_t m = len / 2;
    std::vector<float> mn(m), mx(m);
    for (std::size_t i = 0; i < m; ++i) {
      float a, b, c, d;
      if (!pmin) {
        const double x = v[2 * i], y = v[2 * i + 1];
        a = std::isfinite(x) ? static_cast<float>(x) : INFINITY;
        b = std::isfinite(y) ? static_cast<float>(y) : INFINITY;
        c = std::isfinite(x) ? static_cast<float>(x) : -INFINITY;
        d = std::isfinite(y) ? static_cast<float>(y) : -INFINITY;
      } else {
        a = (*pmin)[2 * i];
        b = (*pmin)[2 * i + 1];
        c = (*pmax)[2 * i];
        d = (*pmax)[2 * i + 1];
      }
      mn[i] = std::min(a, b);
      mx[i] = std::max(c, d);
    }
    mins_.push_back(std::move(mn));
    maxs_.push_back(std::move(mx));
    pmin = &mins_.back();
    pmax = &maxs_.back();
    len = m;
  }
}

std::pair<double, double> MinMaxPyramid::range(std::size_t a, std::size_t b) const {
  double lo = kInf, hi = -kInf;
  b = std::min(b, n_);
  while (a < b) {
    // The largest aligned bucket starting at a that fits in [a, b).
    int level = -1;
    for (int k = static_cast<int>(mins_.size()) - 1; k >= 0; --k) {
      const std::size_t B = std::size_t{2} << k;
      if (a % B == 0 && a + B <= b && (a / B) < mins_[static_cast<std::size_t>(k)].size()) {
        level = k;
        break;
      }
    }
    if (level < 0) {
      const double x = (*v_)[a];
      if (std::isfinite(x)) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
      ++a;
      continue;
    }
    const std::size_t B = std::size_t{2} << level;
    lo = std::min(lo, static_cast<double>(mins_[static_cast<std::size_t>(level)][a / B]));
    hi = std::max(hi, static_cast<double>(maxs_[static_cast<std::size_t>(level)][a / B]));
    a += B;
  }
  return {lo, hi};
}

// ---- TracePlot -----------------------------------------------------------------------------

TracePlot::TracePlot(QWidget* parent) : QWidget(parent) {
  setMouseTracking(false);
  setMinimumHeight(180);
  setFocusPolicy(Qt::WheelFocus);
}

void TracePlot::setSeries(double t0, double rate, std::size_t n) {
  t0_ = t0;
  rate_ = rate;
  n_ = n;
  v0_ = t0;
  v1_ = t0 + static_cast<double>(n) / rate;
  origin_ = t0;
  update();
}

void TracePlot::setTraces(std::vector<Trace*> traces, const QString& yLabel) {
  traces_ = std::move(traces);
  yLabel_ = yLabel;
  update();
}

void TracePlot::setShading(std::vector<std::pair<double, double>> bad, std::vector<std::pair<double, double>> vetoed) {
  bad_ = std::move(bad);
  vetoed_ = std::move(vetoed);
  update();
}

void TracePlot::setOrigin(double gps, const QString& label) {
  origin_ = gps;
  originLabel_ = label;
  update();
}

void TracePlot::setView(double a, double b) {
  const double end = t0_ + static_cast<double>(n_) / rate_;
  const double minSpan = 32 / rate_;
  if (b - a < minSpan) {
    const double c = 0.5 * (a + b);
    a = c - minSpan / 2;
    b = c + minSpan / 2;
  }
  const double span = std::min(b - a, end - t0_);
  if (a < t0_) a = t0_;
  if (a + span > end) a = end - span;
  v0_ = a;
  v1_ = a + span;
  update();
  Q_EMIT viewChanged(v0_, v1_);
}

void TracePlot::setSelection(double a, double b) {
  s0_ = std::min(a, b);
  s1_ = std::max(a, b);
  update();
}

QRectF TracePlot::plotRect() const { return QRectF(78, 8, std::max(10, width() - 90), std::max(10, height() - 48)); }
double TracePlot::timeAt(double x) const {
  const QRectF r = plotRect();
  return v0_ + (x - r.left()) / r.width() * (v1_ - v0_);
}
double TracePlot::xAt(double gps) const {
  const QRectF r = plotRect();
  return r.left() + (gps - v0_) / (v1_ - v0_) * r.width();
}

void TracePlot::paintEvent(QPaintEvent*) {
  QElapsedTimer clock;
  clock.start();
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  const QRectF r = plotRect();
  if (n_ == 0 || traces_.empty()) return;
  const int W = static_cast<int>(r.width());
  auto idx = [&](double t) {
    return static_cast<std::size_t>(std::clamp((t - t0_) * rate_, 0.0, static_cast<double>(n_)));
  };
  // y range over the visible samples of every trace
  double lo = kInf, hi = -kInf;
  for (const Trace* tr : traces_) {
    auto [a, b] = tr->pyramid.range(idx(v0_), idx(v1_) + 1);
    lo = std::min(lo, a);
    hi = std::max(hi, b);
  }
  if (!(hi > lo)) {
    lo = -1;
    hi = 1;
  }
  const double pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const int e = exponentFor(std::max(std::abs(lo), std::abs(hi)));
  const double scale = std::pow(10.0, -e);
  auto yAt = [&](double v) { return r.bottom() - (v - lo) / (hi - lo) * r.height(); };

  p.save();
  p.setClipRect(r);
  // Data quality: no data (DATA unset) grey, vetoed by a category flag pale orange.
  for (const auto& [a, b] : vetoed_) p.fillRect(QRectF(QPointF(xAt(a), r.top()), QPointF(xAt(b), r.bottom())), QColor(255, 220, 170, 140));
  for (const auto& [a, b] : bad_) p.fillRect(QRectF(QPointF(xAt(a), r.top()), QPointF(xAt(b), r.bottom())), QColor(160, 160, 160, 110));
  // grid
  const plot::Ticks xt = plot::ticksWithin(v0_ - origin_, v1_ - origin_, 8);
  const plot::Ticks yt = plot::ticksWithin(lo * scale, hi * scale, 5);
  p.setPen(QPen(kGrid, 1));
  for (double v : xt.values) p.drawLine(QPointF(xAt(v + origin_), r.top()), QPointF(xAt(v + origin_), r.bottom()));
  for (double v : yt.values) p.drawLine(QPointF(r.left(), yAt(v / scale)), QPointF(r.right(), yAt(v / scale)));
  // traces: per pixel column the min-max bar, or the samples when fewer than two per pixel
  const double samplesPerPixel = (v1_ - v0_) * rate_ / std::max(1, W);
  for (const Trace* tr : traces_) {
    p.setPen(QPen(tr->colour, 1));
    if (samplesPerPixel < 2) {
      QPainterPath path;
      bool started = false;
      for (std::size_t i = idx(v0_) > 0 ? idx(v0_) - 1 : 0; i < std::min(n_, idx(v1_) + 2); ++i) {
        const double v = (*tr->values)[i];
        if (!std::isfinite(v)) {
          started = false;
          continue;
        }
        const QPointF pt(xAt(t0_ + static_cast<double>(i) / rate_), yAt(v));
        if (!started) path.moveTo(pt);
        else path.lineTo(pt);
        started = true;
      }
      p.setRenderHint(QPainter::Antialiasing, true);
      p.drawPath(path);
      p.setRenderHint(QPainter::Antialiasing, false);
    } else {
      std::vector<QLineF> bars;
      bars.reserve(static_cast<std::size_t>(W));
      for (int x = 0; x < W; ++x) {
        const std::size_t a = idx(v0_ + (v1_ - v0_) * x / W), b = std::max(a + 1, idx(v0_ + (v1_ - v0_) * (x + 1) / W));
        auto [mn, mx] = tr->pyramid.range(a, b);
        if (!(mx >= mn)) continue;
        bars.emplace_back(r.left() + x + 0.5, yAt(mn), r.left() + x + 0.5, yAt(mx) - 0.5);
      }
      p.drawLines(bars.data(), static_cast<int>(bars.size()));
    }
  }
  if (s1_ > s0_) p.fillRect(QRectF(QPointF(xAt(s0_), r.top()), QPointF(xAt(s1_), r.bottom())), QColor(60, 120, 220, 45));
  p.restore();
  drawFrame(p, r);
  p.setPen(kAxis);
  const QFontMetrics fm(font());
  for (double v : xt.values)
    p.drawText(QRectF(xAt(v + origin_) - 40, r.bottom() + 3, 80, 16), Qt::AlignHCenter | Qt::AlignTop, QString::fromStdString(xt.label(v)));
  for (double v : yt.values)
    p.drawText(QRectF(0, yAt(v / scale) - 8, r.left() - 6, 16), Qt::AlignRight | Qt::AlignVCenter, QString::fromStdString(yt.label(v)));
  const QString xl = originLabel_.isEmpty() ? tr("Time [s] from GPS %1").arg(num(origin_, 3)) : originLabel_;
  p.drawText(QRectF(r.left(), height() - 18, r.width(), 16), Qt::AlignHCenter, xl);
  p.save();
  p.translate(12, r.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-r.height() / 2, -8, r.height(), 16), Qt::AlignCenter, e != 0 ? yLabel_ + QString(" [1e%1]").arg(e) : yLabel_);
  p.restore();
  // legend
  int ly = static_cast<int>(r.top()) + 4;
  for (const Trace* tr : traces_) {
    const int w = fm.horizontalAdvance(tr->name) + 24;
    p.fillRect(QRectF(r.right() - w - 6, ly, w, 16), QColor(255, 255, 255, 210));
    p.fillRect(QRectF(r.right() - w - 2, ly + 7, 14, 3), tr->colour);
    p.drawText(QRectF(r.right() - w + 16, ly, w, 16), Qt::AlignLeft | Qt::AlignVCenter, tr->name);
    ly += 17;
  }
  lastPaintMs_ = static_cast<double>(clock.nsecsElapsed()) / 1e6;
}

void TracePlot::wheelEvent(QWheelEvent* e) {
  const double t = timeAt(e->position().x());
  const double f = e->angleDelta().y() > 0 ? 0.8 : 1.25;
  setView(t - (t - v0_) * f, t + (v1_ - t) * f);
}

void TracePlot::mousePressEvent(QMouseEvent* e) {
  pressX_ = e->position().x();
  if (e->button() == Qt::RightButton || (e->button() == Qt::LeftButton && (e->modifiers() & Qt::ShiftModifier))) {
    selecting_ = true;
    s0_ = s1_ = timeAt(pressX_);
  } else if (e->button() == Qt::LeftButton) {
    panning_ = true;
    pressV0_ = v0_;
    pressV1_ = v1_;
  }
}

void TracePlot::mouseMoveEvent(QMouseEvent* e) {
  if (panning_) {
    const double dt = (e->position().x() - pressX_) / plotRect().width() * (pressV1_ - pressV0_);
    setView(pressV0_ - dt, pressV1_ - dt);
  } else if (selecting_) {
    setSelection(timeAt(pressX_), timeAt(e->position().x()));
  }
}

void TracePlot::mouseReleaseEvent(QMouseEvent*) {
  if (selecting_ && (s1_ - s0_) * rate_ > 16) Q_EMIT selectionChanged(s0_, s1_);
  selecting_ = panning_ = false;
}

// ---- AsdPlot -------------------------------------------------------------------------------

AsdPlot::AsdPlot(QWidget* parent) : QWidget(parent) { setMinimumSize(300, 200); }

void AsdPlot::setCurves(std::vector<Curve> curves, const QString& yLabel, const QString& title) {
  curves_ = std::move(curves);
  yLabel_ = yLabel;
  title_ = title;
  update();
}

void AsdPlot::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  const QRectF r(70, 24, std::max(10, width() - 82), std::max(10, height() - 66));
  double f0 = kInf, f1 = 0, a0 = kInf, a1 = 0;
  for (const Curve& c : curves_)
    for (std::size_t i = 0; i < c.f.size(); ++i)
      if (c.f[i] > 0 && c.a[i] > 0 && std::isfinite(c.a[i])) {
        f0 = std::min(f0, c.f[i]);
        f1 = std::max(f1, c.f[i]);
        if (!c.dashed) {
          a0 = std::min(a0, c.a[i]);
          a1 = std::max(a1, c.a[i]);
        }
      }
  if (!(f1 > f0) || !(a1 > a0)) return;
  const plot::LogTicks fx = plot::logTicks(f0, f1), ay = plot::logTicks(a0, a1);
  const double lf0 = std::log10(fx.lo), lf1 = std::log10(fx.hi), la0 = std::log10(ay.lo), la1 = std::log10(ay.hi);
  auto X = [&](double f) { return r.left() + (std::log10(f) - lf0) / (lf1 - lf0) * r.width(); };
  auto Y = [&](double a) { return r.bottom() - (std::log10(a) - la0) / (la1 - la0) * r.height(); };
  p.setPen(QPen(kGrid, 1));
  for (double d : fx.decades) p.drawLine(QPointF(X(d), r.top()), QPointF(X(d), r.bottom()));
  for (double d : ay.decades) p.drawLine(QPointF(r.left(), Y(d)), QPointF(r.right(), Y(d)));
  p.save();
  p.setClipRect(r);
  p.setRenderHint(QPainter::Antialiasing, true);
  for (const Curve& c : curves_) {
    QPainterPath path;
    bool started = false;
    for (std::size_t i = 0; i < c.f.size(); ++i) {
      if (!(c.f[i] > 0 && c.a[i] > 0 && std::isfinite(c.a[i]))) continue;
      const QPointF pt(X(c.f[i]), Y(c.a[i]));
      if (!started) path.moveTo(pt);
      else path.lineTo(pt);
      started = true;
    }
    p.setPen(QPen(c.colour, c.dashed ? 1.5 : 1.2, c.dashed ? Qt::DashLine : Qt::SolidLine));
    p.drawPath(path);
  }
  p.restore();
  drawFrame(p, r);
  p.setPen(kAxis);
  for (double d : fx.decades)
    p.drawText(QRectF(X(d) - 30, r.bottom() + 3, 60, 16), Qt::AlignHCenter | Qt::AlignTop, QString::fromStdString(plot::decadeLabel(d)));
  for (double d : ay.decades)
    p.drawText(QRectF(0, Y(d) - 8, r.left() - 6, 16), Qt::AlignRight | Qt::AlignVCenter, QString::fromStdString(plot::decadeLabel(d)));
  p.drawText(QRectF(r.left(), height() - 18, r.width(), 16), Qt::AlignHCenter, tr("Frequency [Hz]"));
  p.drawText(QRectF(r.left(), 2, r.width(), 18), Qt::AlignHCenter, title_);
  p.save();
  p.translate(12, r.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-r.height() / 2, -8, r.height(), 16), Qt::AlignCenter, yLabel_);
  p.restore();
  int ly = static_cast<int>(r.top()) + 4;
  const QFontMetrics fm(font());
  for (const Curve& c : curves_) {
    const int w = fm.horizontalAdvance(c.name) + 24;
    p.fillRect(QRectF(r.right() - w - 6, ly, w, 16), QColor(255, 255, 255, 210));
    p.setPen(QPen(c.colour, 2, c.dashed ? Qt::DashLine : Qt::SolidLine));
    p.drawLine(QPointF(r.right() - w - 2, ly + 8), QPointF(r.right() - w + 12, ly + 8));
    p.setPen(kAxis);
    p.drawText(QRectF(r.right() - w + 16, ly, w, 16), Qt::AlignLeft | Qt::AlignVCenter, c.name);
    ly += 17;
  }
}

// ---- TfImage -------------------------------------------------------------------------------

TfImage::TfImage(QWidget* parent) : QWidget(parent) { setMinimumSize(320, 200); }

void TfImage::setImage(const signal::Spectrogram& s, double origin, bool logFrequency, double vmax, const QString& title,
                       const QString& barLabel, bool logValues) {
  origin_ = origin;
  logF_ = logFrequency;
  logV_ = logValues;
  title_ = title;
  barLabel_ = barLabel;
  t0_ = s.t0;
  t1_ = s.t0 + s.dt * static_cast<double>(s.rows);
  f0_ = std::max(s.frequency(s.frequencies.empty() ? 1 : 0), 1e-3);
  f1_ = s.frequency(s.cols - 1);
  vmax_ = vmax;
  const int H = 256;
  image_ = QImage(static_cast<int>(s.rows), H, QImage::Format_RGB32);
  // Each image row a frequency (log-spaced), looked up in the spectrogram's columns.
  std::vector<std::size_t> col(H);
  for (int y = 0; y < H; ++y) {
    const double u = 1.0 - (y + 0.5) / H;
    const double f = logF_ ? std::exp(std::log(f0_) + u * (std::log(f1_) - std::log(f0_))) : f0_ + u * (f1_ - f0_);
    std::size_t c = 0;
    if (!s.frequencies.empty()) {
      c = static_cast<std::size_t>(std::lower_bound(s.frequencies.begin(), s.frequencies.end(), f) - s.frequencies.begin());
      if (c > 0 && (c == s.cols || std::abs(s.frequencies[c - 1] - f) < std::abs(s.frequencies[c] - f))) --c;
    } else {
      c = static_cast<std::size_t>(std::clamp(std::lround((f - s.f0) / s.df), 0L, static_cast<long>(s.cols - 1)));
    }
    col[static_cast<std::size_t>(y)] = std::min(c, s.cols - 1);
  }
  const double lmax = std::log10(std::max(vmax_, 1e-300));
  for (int y = 0; y < H; ++y) {
    QRgb* line = reinterpret_cast<QRgb*>(image_.scanLine(y));
    for (std::size_t t = 0; t < s.rows; ++t) {
      const double v = s.at(t, col[static_cast<std::size_t>(y)]);
      const double u = logV_ ? (std::log10(std::max(v, 1e-300)) - (lmax - 4)) / 4 : v / vmax_;
      line[t] = colourAt(ColourMap::Viridis, std::clamp(u, 0.0, 1.0));
    }
  }
  update();
}

QRectF TfImage::plotRect() const { return QRectF(56, 24, std::max(10, width() - 56 - 78), std::max(10, height() - 66)); }

void TfImage::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  const QRectF r = plotRect();
  if (image_.isNull()) {
    p.setPen(kAxis);
    p.drawText(r, Qt::AlignCenter, tr("Select a time range (right-drag in the time series)"));
    return;
  }
  p.setRenderHint(QPainter::SmoothPixmapTransform, true);
  p.drawImage(r, image_);
  if (selecting_) {
    auto X = [&](double t) { return r.left() + (t - t0_) / (t1_ - t0_) * r.width(); };
    p.fillRect(QRectF(QPointF(X(std::min(selA_, selB_)), r.top()), QPointF(X(std::max(selA_, selB_)), r.bottom())), QColor(255, 255, 255, 70));
  }
  drawFrame(p, r);
  p.setPen(kAxis);
  const plot::Ticks xt = plot::ticksWithin(t0_ - origin_, t1_ - origin_, 6);
  for (double v : xt.values) {
    const double x = r.left() + (v + origin_ - t0_) / (t1_ - t0_) * r.width();
    p.drawLine(QPointF(x, r.bottom()), QPointF(x, r.bottom() + 4));
    p.drawText(QRectF(x - 40, r.bottom() + 4, 80, 16), Qt::AlignHCenter | Qt::AlignTop, QString::fromStdString(xt.label(v)));
  }
  // frequency ticks 1-2-5 per decade on the log axis
  auto Y = [&](double f) {
    const double u = logF_ ? (std::log(f) - std::log(f0_)) / (std::log(f1_) - std::log(f0_)) : (f - f0_) / (f1_ - f0_);
    return r.bottom() - u * r.height();
  };
  for (double d = std::pow(10.0, std::floor(std::log10(f0_))); d <= f1_; d *= 10)
    for (double m : {1.0, 2.0, 5.0}) {
      const double f = d * m;
      if (f < f0_ || f > f1_) continue;
      p.drawLine(QPointF(r.left() - 4, Y(f)), QPointF(r.left(), Y(f)));
      p.drawText(QRectF(0, Y(f) - 8, r.left() - 6, 16), Qt::AlignRight | Qt::AlignVCenter, QString::number(f));
    }
  p.drawText(QRectF(r.left(), height() - 18, r.width(), 16), Qt::AlignHCenter, tr("Time [s] from GPS %1").arg(num(origin_, 3)));
  p.drawText(QRectF(r.left(), 2, r.width(), 18), Qt::AlignHCenter, title_);
  p.save();
  p.translate(12, r.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-r.height() / 2, -8, r.height(), 16), Qt::AlignCenter, tr("Frequency [Hz]"));
  p.restore();
  // colour bar
  const QRectF bar(r.right() + 12, r.top(), 14, r.height());
  for (int y = 0; y < static_cast<int>(bar.height()); ++y)
    p.fillRect(QRectF(bar.left(), bar.bottom() - y - 1, bar.width(), 1), QColor(colourAt(ColourMap::Viridis, y / bar.height())));
  drawFrame(p, bar);
  p.setPen(kAxis);
  if (logV_) {
    const double lmax = std::log10(std::max(vmax_, 1e-300));
    for (int k = 0; k <= 4; ++k) {
      const double yy = bar.bottom() - k / 4.0 * bar.height();
      p.drawText(QRectF(bar.right() + 3, yy - 8, 60, 16), Qt::AlignLeft | Qt::AlignVCenter, QString("1e%1").arg(std::lround(lmax - 4 + k)));
    }
  } else {
    const plot::Ticks bt = plot::ticksWithin(0, vmax_, 5);
    for (double v : bt.values) {
      const double yy = bar.bottom() - v / vmax_ * bar.height();
      p.drawText(QRectF(bar.right() + 3, yy - 8, 40, 16), Qt::AlignLeft | Qt::AlignVCenter, QString::fromStdString(bt.label(v)));
    }
  }
  p.save();
  p.translate(width() - 8, bar.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-bar.height() / 2, -8, bar.height(), 16), Qt::AlignCenter, barLabel_);
  p.restore();
}

void TfImage::mousePressEvent(QMouseEvent* e) {
  if (image_.isNull()) return;
  const QRectF r = plotRect();
  selecting_ = true;
  selA_ = selB_ = t0_ + (e->position().x() - r.left()) / r.width() * (t1_ - t0_);
}
void TfImage::mouseMoveEvent(QMouseEvent* e) {
  if (!selecting_) return;
  const QRectF r = plotRect();
  selB_ = t0_ + (e->position().x() - r.left()) / r.width() * (t1_ - t0_);
  update();
}
void TfImage::mouseReleaseEvent(QMouseEvent*) {
  if (!selecting_) return;
  selecting_ = false;
  update();
  if (std::abs(selB_ - selA_) > 0.01) Q_EMIT selectionChanged(std::min(selA_, selB_), std::max(selA_, selB_));
}

// ---- StrainView ----------------------------------------------------------------------------

namespace {
std::unique_ptr<signal::TimeSeries> besideFile(const QString& path, const char* suffix) {
  QString base = path;
  for (const char* ext : {".hdf5", ".h5"})
    if (base.endsWith(QLatin1String(ext))) base.chop(static_cast<int>(std::strlen(ext)));
  const QString f = base + suffix;
  if (!QFile::exists(f)) return nullptr;
  try {
    return std::make_unique<signal::TimeSeries>(data::readStrain(f.toStdString()).strain);
  } catch (const std::exception&) {
    return nullptr;
  }
}
}  // namespace

StrainView::StrainView(const QString& path, int eventIndex, QWidget* parent) : QWidget(parent), path_(path) {
  strain_ = data::readStrain(path.toStdString());
  const auto& x = strain_.strain;
  whitening_ = gw::TwinWhitening{}.fitted(x.duration());
  // The clean and denoised counterparts, when they are beside the file and match its samples.
  clean_ = besideFile(path, ".clean.hdf5");
  denoised_ = besideFile(path, ".denoised.hdf5");
  for (auto* s : {&clean_, &denoised_})
    if (*s && ((*s)->values.size() != x.values.size() || std::abs((*s)->t0 - x.t0) > 1e-6)) s->reset();
  try {
    for (const gw::Event& e : gw::readEvents(gw::eventsFileFor(path.toStdString())))
      events_.push_back({QString::fromLatin1(gw::eventKindName(e.kind)), e.gps, e.snr});
  } catch (const std::exception&) {
  }

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Show:")));
  modeBox_ = new QComboBox;
  modeBox_->addItems({tr("Raw strain"), tr("Whitened"), tr("Band-passed")});
  top->addWidget(modeBox_);
  bandLow_ = new QDoubleSpinBox;
  bandHigh_ = new QDoubleSpinBox;
  for (auto* b : {bandLow_, bandHigh_}) {
    b->setRange(1, x.rate / 2 - 1);
    b->setSuffix(" Hz");
    b->setDecimals(0);
  }
  bandLow_->setValue(35);
  bandHigh_->setValue(std::min(350.0, x.rate / 2 - 10));
  top->addWidget(bandLow_);
  top->addWidget(new QLabel(QString::fromUtf8("–")));
  top->addWidget(bandHigh_);
  showClean_ = new QCheckBox(tr("Injected (clean)"));
  showClean_->setEnabled(static_cast<bool>(clean_));
  showClean_->setChecked(static_cast<bool>(clean_));
  showDenoised_ = new QCheckBox(tr("Denoised"));
  showDenoised_->setEnabled(static_cast<bool>(denoised_));
  showDenoised_->setChecked(static_cast<bool>(denoised_));
  top->addWidget(showClean_);
  top->addWidget(showDenoised_);
  top->addSpacing(12);
  top->addWidget(new QLabel(tr("Event:")));
  eventBox_ = new QComboBox;
  eventBox_->addItem(tr("whole file"));
  for (const Ev& e : events_)
    eventBox_->addItem(tr("%1, SNR %2, at %3 s").arg(e.kind).arg(e.snr, 0, 'f', 0).arg(e.gps - x.t0, 0, 'f', 2));
  top->addWidget(eventBox_, 1);
  top->addWidget(new QLabel(tr("Time-frequency:")));
  tfBox_ = new QComboBox;
  tfBox_->addItems({tr("Q-transform"), tr("Spectrogram")});
  top->addWidget(tfBox_);

  trace_ = new TracePlot;
  trace_->setSeries(x.t0, x.rate, x.values.size());
  // Data quality: DATA unset, or any category flag unset.
  std::vector<std::pair<double, double>> bad, vetoed;
  if (!strain_.quality.mask.empty()) {
    const auto& q = strain_.quality;
    for (std::size_t i = 0; i < q.mask.size(); ++i) {
      const double a = q.t0 + q.dt * static_cast<double>(i), b = a + q.dt;
      const std::uint32_t all = q.shortnames.size() >= 32 ? 0xffffffffu : ((1u << q.shortnames.size()) - 1);
      if (!(q.mask[i] & 1u)) bad.emplace_back(a, b);
      else if ((q.mask[i] & all) != all) vetoed.emplace_back(a, b);
    }
  }
  for (const auto& [a, b] : [&] {
         std::vector<std::pair<double, double>> gaps;
         double prev = x.t0;
         for (const auto& [s, e] : strain_.dataSegments()) {
           if (s > prev) gaps.emplace_back(prev, s);
           prev = e;
         }
         if (prev < x.end()) gaps.emplace_back(prev, x.end());
         return gaps;
       }())
    bad.emplace_back(a, b);
  trace_->setShading(bad, vetoed);
  asdPlot_ = new AsdPlot;
  image_ = new TfImage;
  status_ = new QLabel;
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(asdPlot_);
  bottom->addWidget(image_);
  bottom->setStretchFactor(0, 2);
  bottom->setStretchFactor(1, 3);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(trace_);
  split->addWidget(bottom);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  auto* title = new QLabel(tr("<b>%1</b> &nbsp; %2 &nbsp; GPS %3 + %4 s at %5 Hz (%6)")
                               .arg(QFileInfo(path).fileName(), QString::fromStdString(x.channel), num(x.t0, 3), num(x.duration(), 1),
                                    num(x.rate, 0), QString::fromLatin1(data::strainLayoutName(strain_.layout))));
  auto* lay = new QVBoxLayout(this);
  lay->addWidget(title);
  lay->addLayout(top);
  lay->addWidget(split, 1);
  lay->addWidget(status_);

  connect(modeBox_, &QComboBox::currentIndexChanged, this, [this](int i) { setMode(static_cast<Mode>(i)); });
  for (auto* b : {bandLow_, bandHigh_})
    connect(b, &QDoubleSpinBox::editingFinished, this, [this] {
      band_.reset();
      if (mode_ == Mode::Bandpassed) rebuildTraces();
    });
  for (auto* c : {showClean_, showDenoised_}) connect(c, &QCheckBox::toggled, this, [this] { rebuildTraces(); });
  connect(tfBox_, &QComboBox::currentIndexChanged, this, [this] { analyse(); });
  connect(trace_, &TracePlot::selectionChanged, this, [this](double a, double b) { setSelection(a, b); });
  connect(image_, &TfImage::selectionChanged, this, [this](double a, double b) { setSelection(a, b); });
  connect(eventBox_, &QComboBox::currentIndexChanged, this, [this](int i) {
    const auto& s = strain_.strain;
    if (i <= 0) {
      trace_->setOrigin(s.t0, {});
      setSelection(s.t0, std::min(s.end(), s.t0 + 8));
      trace_->setView(s.t0, s.end());
      return;
    }
    const Ev& e = events_[static_cast<std::size_t>(i - 1)];
    trace_->setOrigin(e.gps, tr("Time [s] from the %1 at GPS %2").arg(e.kind, num(e.gps, 3)));
    if (e.kind == QLatin1String("chirp")) setSelection(e.gps - 1.5, e.gps + 0.5);
    else setSelection(e.gps - 1.0, e.gps + 1.0);
  });

  // A twin's output (the injected or denoised signal beside it) opens whitened, where they
  // can be compared; plain strain opens raw.
  if (denoised_ || clean_) {
    mode_ = Mode::Whitened;
    modeBox_->setCurrentIndex(static_cast<int>(Mode::Whitened));
  }
  rebuildTraces();
  // Start at the event asked for, or the loudest chirp, or the first seconds.
  int start = eventIndex >= 0 && eventIndex < static_cast<int>(events_.size()) ? eventIndex : -1;
  if (start < 0) {
    double best = -1;
    for (std::size_t i = 0; i < events_.size(); ++i)
      if (events_[i].kind == QLatin1String("chirp") && events_[i].snr > best) {
        best = events_[i].snr;
        start = static_cast<int>(i);
      }
  }
  if (start >= 0) eventBox_->setCurrentIndex(start + 1);
  else setSelection(x.t0, std::min(x.end(), x.t0 + 8));
}

StrainView::~StrainView() = default;

const signal::TimeSeries& StrainView::gapless() {
  // Gaps (NaN) read as zeros for the FFTs; a file without gaps is used as it is, never copied.
  const auto& v = strain_.strain.values;
  if (std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); })) return strain_.strain;
  if (!gapless_) {
    gapless_ = std::make_unique<signal::TimeSeries>(strain_.strain);
    for (double& x : gapless_->values)
      if (!std::isfinite(x)) x = 0;
  }
  return *gapless_;
}

const signal::Spectrum& StrainView::fileAsd() {
  if (!asd_) asd_ = std::make_unique<signal::Spectrum>(signal::asd(gapless(), whitening_.welch()));
  return *asd_;
}

const signal::TimeSeries& StrainView::whitenedNoisy() {
  if (!whitened_) {
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const signal::WhitenOptions wo = whitening_.whiten();
    whitened_ = std::make_unique<signal::TimeSeries>(signal::whiten(gapless(), fileAsd(), wo));
    if (clean_) cleanWhite_ = std::make_unique<signal::TimeSeries>(signal::whiten(*clean_, fileAsd(), wo));
    QApplication::restoreOverrideCursor();
  }
  return *whitened_;
}

void StrainView::setMode(Mode m) {
  mode_ = m;
  if (modeBox_->currentIndex() != static_cast<int>(m)) modeBox_->setCurrentIndex(static_cast<int>(m));
  rebuildTraces();
  analyse();
}

void StrainView::rebuildTraces() {
  traces_.clear();
  auto add = [&](const QString& name, QColor c, const std::vector<double>& v) {
    auto t = std::make_unique<Trace>();
    t->name = name;
    t->colour = c;
    t->values = &v;
    t->pyramid.build(v);
    traces_.push_back(std::move(t));
  };
  const QColor noisyC(120, 130, 150), cleanC(31, 119, 180), denC(214, 39, 40);
  QString yLabel = tr("Strain");
  if (mode_ == Mode::Raw) {
    add(tr("strain"), noisyC, strain_.strain.values);
    if (clean_ && showClean_->isChecked()) add(tr("injected"), cleanC, clean_->values);
  } else if (mode_ == Mode::Whitened) {
    add(tr("whitened"), noisyC, whitenedNoisy().values);
    if (denoised_ && showDenoised_->isChecked()) add(tr("denoised"), denC, denoised_->values);
    if (cleanWhite_ && showClean_->isChecked()) add(tr("injected"), cleanC, cleanWhite_->values);  // on top
    yLabel = tr("Whitened strain [sigma]");
  } else {
    if (!band_) {
      QApplication::setOverrideCursor(Qt::WaitCursor);
      band_ = std::make_unique<signal::TimeSeries>(signal::bandpass(gapless(), bandLow_->value(), bandHigh_->value(), 8));
      if (clean_) cleanBand_ = std::make_unique<signal::TimeSeries>(signal::bandpass(*clean_, bandLow_->value(), bandHigh_->value(), 8));
      QApplication::restoreOverrideCursor();
    }
    add(tr("band-passed %1-%2 Hz").arg(bandLow_->value()).arg(bandHigh_->value()), noisyC, band_->values);
    if (cleanBand_ && showClean_->isChecked()) add(tr("injected"), cleanC, cleanBand_->values);
  }
  std::vector<Trace*> ptrs;
  for (auto& t : traces_) ptrs.push_back(t.get());
  trace_->setTraces(ptrs, yLabel);
  status_->setText(status());
}

void StrainView::setSelection(double a, double b) {
  const auto& s = strain_.strain;
  a = std::max(a, s.t0);
  b = std::min(b, s.end());
  if (b - a < 32 / s.rate) return;
  trace_->setSelection(a, b);
  const double span = b - a;
  trace_->setView(a - 0.25 * span, b + 0.25 * span);
  analyse();
}

std::pair<double, double> StrainView::selection() const { return trace_->selection(); }

void StrainView::analyse() {
  const auto [a, b] = trace_->selection();
  if (!(b > a)) return;
  QElapsedTimer clock;
  clock.start();
  const auto& s = strain_.strain;
  // ASD: the selection's (when it holds at least two 1 s segments), the whole file's, the design curve.
  std::vector<AsdPlot::Curve> curves;
  try {
    // The whole file's ASD is computed once (it is also what the whitened view uses).
    const signal::Spectrum& whole = fileAsd();
    AsdPlot::Curve c{tr("whole file (%1 s segments, median)").arg(whitening_.fftLength), QColor(150, 150, 150), {}, {}, false};
    for (std::size_t k = 1; k < whole.values.size(); ++k) {
      if (whole.frequency(k) < 8) continue;
      c.f.push_back(whole.frequency(k));
      c.a.push_back(whole.values[k]);
    }
    curves.push_back(std::move(c));
    const signal::TimeSeries sel = gapless().crop(a, b);
    if (sel.duration() >= 2) {
      signal::WelchOptions ws;
      ws.fftLength = std::min(1.0, sel.duration() / 2);
      const signal::Spectrum part = signal::asd(sel, ws);
      AsdPlot::Curve cs{tr("selection (%1 s)").arg(sel.duration(), 0, 'f', 1), QColor(31, 119, 180), {}, {}, false};
      for (std::size_t k = 1; k < part.values.size(); ++k) {
        if (part.frequency(k) < 8) continue;
        cs.f.push_back(part.frequency(k));
        cs.a.push_back(part.values[k]);
      }
      curves.push_back(std::move(cs));
    }
    AsdPlot::Curve d{tr("design curve (aLIGO fit)"), QColor(40, 40, 40), {}, {}, true};
    for (double f = 10; f < s.rate / 2; f *= 1.05) {
      d.f.push_back(f);
      d.a.push_back(std::sqrt(gw::designPsd(f)));
    }
    curves.push_back(std::move(d));
    asdPlot_->setCurves(std::move(curves), tr("ASD [strain/sqrt(Hz)]"), tr("Amplitude spectral density"));
  } catch (const std::exception& e) {
    status_->setText(tr("ASD: %1").arg(QString::fromUtf8(e.what())));
  }
  // Time-frequency over the selection, computed on a padded stretch (the whitening needs it).
  try {
    const double pad = 4;
    const double ca = std::max(s.t0, a - pad), cb = std::min(s.end(), std::max(b, a + 0.05) + pad);
    const signal::TimeSeries crop = gapless().crop(ca, std::min(cb, ca + 128));
    // Times from the chosen event, as in the time series; else from the selection's start.
    const int ev = eventBox_->currentIndex();
    const double origin = ev > 0 ? events_[static_cast<std::size_t>(ev - 1)].gps : a;
    if (tfBox_->currentIndex() == 0) {
      signal::QOptions o;
      o.fMin = 16;
      o.searchBegin = a;
      o.searchEnd = b;
      const signal::QPlane plane = signal::qScan(crop, o);
      const signal::Spectrogram img = signal::qImage(plane, 400, 200, a, b);
      image_->setImage(img, origin, true, 25, tr("Q-transform, Q = %1 (loudest plane), normalised energy").arg(plane.q, 0, 'f', 1),
                       tr("Normalised energy"), false);
    } else {
      signal::TimeSeries w = signal::whiten(crop, signal::asd(crop, {std::min(2.0, crop.duration() / 4), -1, signal::Window::Hann, signal::Average::Median}),
                                            signal::WhitenOptions{0, 0, signal::Window::Hann, signal::Average::Median, std::min(2.0, crop.duration() / 4), 15});
      const double stride = std::max((b - a) / 200, 1.0 / 32);
      signal::WelchOptions wo;
      wo.fftLength = stride;
      wo.overlap = 0;
      signal::Spectrogram sg = signal::spectrogram(w.crop(a, b), stride, wo, false);
      double mx = 0;
      for (float v : sg.values) mx = std::max(mx, static_cast<double>(v));
      image_->setImage(sg, origin, true, mx,
                       tr("Spectrogram of the whitened strain (%1 s FFTs)").arg(stride, 0, 'g', 3), tr("PSD [1/Hz]"), true);
    }
  } catch (const std::exception& e) {
    status_->setText(tr("Time-frequency: %1").arg(QString::fromUtf8(e.what())));
    return;
  }
  analysisMs_ = static_cast<double>(clock.nsecsElapsed()) / 1e6;
  status_->setText(status());
}

QString StrainView::status() const {
  const auto [a, b] = trace_->selection();
  QStringList parts;
  parts << tr("%1 samples").arg(strain_.strain.values.size());
  if (b > a) parts << tr("selection %1 s at GPS %2").arg(b - a, 0, 'f', 3).arg(num(a, 3));
  parts << tr("%1 events").arg(events_.size());
  if (!clean_) parts << tr("no NAME.clean.hdf5 beside the file");
  if (!denoised_) parts << tr("no NAME.denoised.hdf5 beside the file");
  parts << tr("analysis %1 ms").arg(analysisMs_, 0, 'f', 0);
  parts << tr("right-drag: select; drag: pan; wheel: zoom");
  return parts.join(QStringLiteral("  ·  "));
}

void registerGwViewers(ViewerRegistry& r) {
  ViewerInfo v;
  v.name = QStringLiteral("strain");
  v.description = QStringLiteral("Detector strain (GWOSC/LOSC HDF5): time series, ASD, Q-transform");
  v.suffixes = {QStringLiteral("hdf5"), QStringLiteral("h5")};
  v.recognises = [](const QString& path) {
    try {
      return data::isStrainFile(path.toStdString());
    } catch (const std::exception&) {
      return false;
    }
  };
  v.open = [](const QString& path, int index) -> QWidget* { return new StrainView(path, index > 0 ? index : -1); };
  r.add(v);
}

}  // namespace tf::viewers
