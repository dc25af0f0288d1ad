#include "FieldView.h"

#include "ColourMaps.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QSlider>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace tf::viewers {

namespace {

// What the map shows for a variable: msl in hPa (isobars every 4 hPa), the rest as stored.
struct Display {
  double scale = 1, offset = 0;
  QString units;
};
Display displayOf(const std::string& name, const std::string& units) {
  if (name == "msl" || name == "sp" || units == "Pa") return {0.01, 0, QStringLiteral("hPa")};
  return {1, 0, QString::fromStdString(units)};
}

double niceStep(double span, int target) {
  if (!(span > 0)) return 1;
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

QString latText(double lat) {
  return lat == 0 ? QStringLiteral("0°") : QStringLiteral("%1°%2").arg(std::fabs(lat), 0, 'g', 4).arg(lat > 0 ? 'N' : 'S');
}
QString lonText(double lon) {
  lon = std::fmod(lon + 360.0, 360.0);
  if (lon == 0 || lon == 180) return QStringLiteral("%1°").arg(lon);
  return lon < 180 ? QStringLiteral("%1°E").arg(lon, 0, 'g', 4) : QStringLiteral("%1°W").arg(360 - lon, 0, 'g', 4);
}

}  // namespace

// ---- FieldMap ------------------------------------------------------------------------------------

FieldMap::FieldMap(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setMinimumSize(480, 320);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void FieldMap::setGrid(std::vector<double> lat, std::vector<double> lon) {
  lat_ = std::move(lat);
  lon_ = std::move(lon);
}

void FieldMap::setField(const climate::Field& f, const QString& title, const QString& units, double lo, double hi,
                        double contourStep) {
  field_ = f;
  title_ = title;
  units_ = units;
  lo_ = lo;
  hi_ = hi > lo ? hi : lo + 1;
  contourStep_ = contourStep;
  // One pixel per cell, north up (row 0 of the field is the southernmost).
  image_ = QImage(static_cast<int>(f.nlon), static_cast<int>(f.nlat), QImage::Format_RGB32);
  for (std::size_t i = 0; i < f.nlat; ++i) {
    auto* line = reinterpret_cast<QRgb*>(image_.scanLine(static_cast<int>(f.nlat - 1 - i)));
    for (std::size_t j = 0; j < f.nlon; ++j) {
      const float v = f.at(i, j);
      line[j] = std::isnan(v) ? qRgb(200, 200, 200) : colourAt(ColourMap::Viridis, (v - lo_) / (hi_ - lo_));
    }
  }
  update();
}

QRectF FieldMap::mapRect() const {
  if (lat_.size() < 2 || lon_.size() < 2) return {};
  const QRectF area = QRectF(rect()).adjusted(58, 34, -96, -30);
  const double dlat = lat_[1] - lat_[0], dlon = lon_[1] - lon_[0];
  const double latSpan = lat_.back() - lat_.front() + dlat, lonSpan = lon_.back() - lon_.front() + dlon;
  const double meanLat = 0.5 * (lat_.front() + lat_.back()) * M_PI / 180;
  // Plate carrée, a degree of longitude shortened by cos(mean latitude) so shapes stay round.
  const double aspect = lonSpan * std::cos(meanLat) / latSpan;
  double w = area.width(), h = w / aspect;
  if (h > area.height()) h = area.height(), w = h * aspect;
  return {area.left() + (area.width() - w) / 2, area.top() + (area.height() - h) / 2, w, h};
}

QPointF FieldMap::toScreen(double lat, double lon) const {
  const QRectF r = mapRect();
  const double dlat = lat_[1] - lat_[0], dlon = lon_[1] - lon_[0];
  const double lat0 = lat_.front() - dlat / 2, lon0 = lon_.front() - dlon / 2;
  const double latSpan = lat_.back() - lat_.front() + dlat, lonSpan = lon_.back() - lon_.front() + dlon;
  double dl = lon - lon0;
  if (dl < 0) dl += 360;
  return {r.left() + dl / lonSpan * r.width(), r.bottom() - (lat - lat0) / latSpan * r.height()};
}

QString FieldMap::readoutAt(const QPoint& pt) const {
  const QRectF r = mapRect();
  if (!r.contains(pt) || field_.values.empty()) return {};
  const double fx = (pt.x() - r.left()) / r.width(), fy = (r.bottom() - pt.y()) / r.height();
  const auto j = std::min<std::size_t>(field_.nlon - 1, static_cast<std::size_t>(fx * static_cast<double>(field_.nlon)));
  const auto i = std::min<std::size_t>(field_.nlat - 1, static_cast<std::size_t>(fy * static_cast<double>(field_.nlat)));
  const float v = field_.at(i, j);
  const QString value = std::isnan(v) ? QStringLiteral("missing") : QStringLiteral("%1 %2").arg(v, 0, 'f', 2).arg(units_);
  return QStringLiteral("%1 %2   %3 %4").arg(latText(lat_[i]), lonText(lon_[j]), title_.section(' ', 0, 0), value);
}

void FieldMap::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().window());
  p.setRenderHint(QPainter::Antialiasing);
  if (image_.isNull()) {
    p.drawText(rect(), Qt::AlignCenter, tr("no field"));
    return;
  }
  const QRectF r = mapRect();
  p.drawImage(r, image_);
  if (contours_ && contourStep_ > 0) paintContours(p);
  paintGraticule(p);
  paintTracks(p);
  p.setPen(palette().windowText().color());
  p.setBrush(Qt::NoBrush);
  p.drawRect(r);
  QFont bold = font();
  bold.setBold(true);
  p.setFont(bold);
  p.drawText(QRectF(r.left(), 4, r.width(), 26), Qt::AlignLeft | Qt::AlignVCenter, title_);
  p.setFont(font());
  p.drawText(QRectF(r.left(), 4, r.width(), 26), Qt::AlignRight | Qt::AlignVCenter, time_);
  paintColourBar(p);
  paintLegend(p);
}

// Marching squares over the grid's cells, each level a set of segments (cheap enough for a
// global 0.25-degree grid at a few dozen levels).
void FieldMap::paintContours(QPainter& p) const {
  const std::size_t nlat = field_.nlat, nlon = field_.nlon;
  if (nlat < 2 || nlon < 2) return;
  const double first = std::ceil(lo_ / contourStep_) * contourStep_;
  p.setPen(QPen(QColor(255, 255, 255, 150), 0.8));
  const QRectF r = mapRect();
  const double cw = r.width() / static_cast<double>(nlon), ch = r.height() / static_cast<double>(nlat);
  auto pt = [&](double i, double j) { return QPointF(r.left() + (j + 0.5) * cw, r.bottom() - (i + 0.5) * ch); };
  QVector<QLineF> lines;
  for (double level = first; level <= hi_; level += contourStep_) {
    for (std::size_t i = 0; i + 1 < nlat; ++i)
      for (std::size_t j = 0; j + 1 < nlon; ++j) {
        const double v[4] = {field_.at(i, j), field_.at(i, j + 1), field_.at(i + 1, j + 1), field_.at(i + 1, j)};
        if (std::isnan(v[0]) || std::isnan(v[1]) || std::isnan(v[2]) || std::isnan(v[3])) continue;
        int code = 0;
        for (int k = 0; k < 4; ++k)
          if (v[k] > level) code |= 1 << k;
        if (code == 0 || code == 15) continue;
        // Crossing points on the four edges (0: bottom, 1: right, 2: top, 3: left).
        auto edge = [&](int e) {
          const int a = e, b = (e + 1) % 4;
          const double t = (level - v[a]) / (v[b] - v[a]);
          const double corners[4][2] = {{0, 0}, {0, 1}, {1, 1}, {1, 0}};
          return pt(static_cast<double>(i) + corners[a][0] + t * (corners[b][0] - corners[a][0]),
                    static_cast<double>(j) + corners[a][1] + t * (corners[b][1] - corners[a][1]));
        };
        std::vector<int> crossed;
        for (int e = 0; e < 4; ++e)
          if (((code >> e) & 1) != ((code >> ((e + 1) % 4)) & 1)) crossed.push_back(e);
        if (crossed.size() == 2) lines.append(QLineF(edge(crossed[0]), edge(crossed[1])));
        else if (crossed.size() == 4) {  // saddle: pair the edges by the centre's side
          lines.append(QLineF(edge(0), edge(3)));
          lines.append(QLineF(edge(1), edge(2)));
        }
      }
  }
  p.drawLines(lines);
}

void FieldMap::paintGraticule(QPainter& p) const {
  const double dlat = lat_[1] - lat_[0], dlon = lon_[1] - lon_[0];
  const double lat0 = lat_.front() - dlat / 2, lat1 = lat_.back() + dlat / 2;
  const double lon0 = lon_.front() - dlon / 2, lon1 = lon_.back() + dlon / 2;
  const double step = (lon1 - lon0) > 120 ? 30 : (lon1 - lon0) > 40 ? 10 : 5;
  const double latStep = (lat1 - lat0) > 120 ? 30 : (lat1 - lat0) > 40 ? 10 : 5;
  const QRectF r = mapRect();
  QPen grid(QColor(0, 0, 0, 90), 0.8, Qt::DashLine);
  for (double la = std::ceil(lat0 / latStep) * latStep; la <= lat1; la += latStep) {
    const double y = toScreen(la, lon_.front()).y();
    p.setPen(grid);
    p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y));
    p.setPen(palette().windowText().color());
    p.drawText(QRectF(r.left() - 56, y - 9, 52, 18), Qt::AlignRight | Qt::AlignVCenter, latText(la));
  }
  for (double lo = std::ceil(lon0 / step) * step; lo <= lon1; lo += step) {
    const double x = toScreen(lat_.front(), lo).x();
    p.setPen(grid);
    p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
    p.setPen(palette().windowText().color());
    p.drawText(QRectF(x - 40, r.bottom() + 4, 80, 18), Qt::AlignHCenter | Qt::AlignTop, lonText(lo));
  }
}

void FieldMap::paintColourBar(QPainter& p) const {
  const QRectF r = mapRect();
  const QRectF bar(r.right() + 14, r.top(), 16, r.height());
  QLinearGradient g(bar.bottomLeft(), bar.topLeft());
  for (int k = 0; k <= 16; ++k) g.setColorAt(k / 16.0, QColor(colourAt(ColourMap::Viridis, k / 16.0)));
  p.fillRect(bar, g);
  p.setPen(palette().windowText().color());
  p.drawRect(bar);
  const double step = niceStep(hi_ - lo_, 6);
  for (double v = std::ceil(lo_ / step) * step; v <= hi_ + 1e-9; v += step) {
    const double y = bar.bottom() - (v - lo_) / (hi_ - lo_) * bar.height();
    p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 4, y));
    p.drawText(QRectF(bar.right() + 6, y - 9, 60, 18), Qt::AlignLeft | Qt::AlignVCenter, QString::number(v, 'g', 6));
  }
  // Under the bar, right of the longitude labels' reach.
  p.drawText(QRectF(bar.right() + 6, bar.bottom() + 4, 80, 18), Qt::AlignLeft | Qt::AlignTop, units_);
}

void FieldMap::paintTracks(QPainter& p) const {
  if (!overlays_) return;
  p.save();
  p.setClipRect(mapRect());
  for (const auto& o : *overlays_) {
    for (const auto& t : o.tracks) {
      QPainterPath path;
      bool first = true;
      double prevLon = 0;
      for (const auto& pt : t.points) {
        const QPointF s = toScreen(pt.lat, pt.lon);
        if (first || std::fabs(pt.lon - prevLon) > 180) path.moveTo(s);
        else path.lineTo(s);
        first = false;
        prevLon = pt.lon;
      }
      p.setPen(QPen(o.colour, o.truth ? 1.6 : 1.2, o.truth ? Qt::SolidLine : Qt::DashLine));
      p.setBrush(Qt::NoBrush);
      p.drawPath(path);
      for (const auto& pt : t.points) {
        const QPointF s = toScreen(pt.lat, pt.lon);
        const bool now = QString::fromStdString(pt.time) == time_;
        if (o.truth) {
          p.setBrush(o.colour);
          p.drawEllipse(s, now ? 0 : 1.6, now ? 0 : 1.6);
          if (now) {
            p.setBrush(Qt::NoBrush);
            p.setPen(QPen(o.colour, 2.2));
            p.drawEllipse(s, 9, 9);
            p.drawText(s + QPointF(11, -8), QString::fromStdString(t.id));
            p.setPen(QPen(o.colour, 1.6));
          }
        } else if (now) {
          p.setPen(QPen(o.colour, 2.6));
          const double k = 7;
          if (o.label.contains(QLatin1String("baseline"), Qt::CaseInsensitive)) {
            p.drawLine(s + QPointF(-k, 0), s + QPointF(k, 0));
            p.drawLine(s + QPointF(0, -k), s + QPointF(0, k));
          } else {
            p.drawLine(s + QPointF(-k, -k), s + QPointF(k, k));
            p.drawLine(s + QPointF(-k, k), s + QPointF(k, -k));
          }
          p.setPen(QPen(o.colour, 1.2, Qt::DashLine));
        }
      }
    }
  }
  p.restore();
}

void FieldMap::paintLegend(QPainter& p) const {
  if (!overlays_ || overlays_->empty()) return;
  const QRectF r = mapRect();
  const double rowH = 18;
  const QRectF box(r.left() + 8, r.top() + 8, 190, rowH * static_cast<double>(overlays_->size()) + 10);
  p.setPen(Qt::NoPen);
  p.setBrush(QColor(255, 255, 255, 215));
  p.drawRoundedRect(box, 4, 4);
  double y = box.top() + 5 + rowH / 2;
  for (const auto& o : *overlays_) {
    const QPointF a(box.left() + 8, y), b(box.left() + 34, y);
    p.setPen(QPen(o.colour, 2.2, o.truth ? Qt::SolidLine : Qt::DashLine));
    p.drawLine(a, b);
    const QPointF m = (a + b) / 2;
    if (o.truth) {
      p.drawEllipse(m, 5, 5);
    } else if (o.label.contains(QLatin1String("baseline"), Qt::CaseInsensitive)) {
      p.drawLine(m + QPointF(-5, 0), m + QPointF(5, 0));
      p.drawLine(m + QPointF(0, -5), m + QPointF(0, 5));
    } else {
      p.drawLine(m + QPointF(-4, -4), m + QPointF(4, 4));
      p.drawLine(m + QPointF(-4, 4), m + QPointF(4, -4));
    }
    p.setPen(Qt::black);
    p.drawText(QRectF(box.left() + 42, y - rowH / 2, box.width() - 46, rowH), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("%1 (%2)").arg(o.label).arg(o.tracks.size()));
    y += rowH;
  }
}

void FieldMap::mouseMoveEvent(QMouseEvent* e) { Q_EMIT hovered(readoutAt(e->position().toPoint())); }
void FieldMap::leaveEvent(QEvent*) { Q_EMIT hovered(QString()); }

// ---- FieldView -----------------------------------------------------------------------------------

FieldView::FieldView(const QString& path, int initialStep, QWidget* parent) : QWidget(parent) {
  file_ = std::make_unique<climate::ClimateFile>(path.toStdString());
  const auto names = file_->fieldNames();
  if (names.empty()) throw std::runtime_error("'" + path.toStdString() + "': no field on the lat/lon grid to show");
  if (file_->lat().size() < 2 || file_->lon().size() < 2)
    throw std::runtime_error("'" + path.toStdString() + "': the grid needs at least 2 x 2 cells to draw");

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Variable:")));
  variable_ = new QComboBox;
  for (const auto& n : names) {
    const auto& v = file_->variable(n);
    variable_->addItem(QString::fromStdString(n) + (v.longName.empty() ? QString() : QStringLiteral(" — ") + QString::fromStdString(v.longName)),
                       QString::fromStdString(n));
  }
  top->addWidget(variable_);
  play_ = new QToolButton;
  play_->setText(tr("Play"));
  play_->setCheckable(true);
  play_->setToolTip(tr("Step through time"));
  top->addWidget(play_);
  time_ = new QSlider(Qt::Horizontal);
  time_->setRange(0, static_cast<int>(file_->timeSteps()) - 1);
  time_->setEnabled(file_->timeSteps() > 1);
  top->addWidget(time_, 1);
  timeLabel_ = new QLabel;
  timeLabel_->setMinimumWidth(190);
  top->addWidget(timeLabel_);
  contours_ = new QCheckBox(tr("Contours"));
  contours_->setChecked(true);
  top->addWidget(contours_);

  map_ = new FieldMap;
  map_->setGrid(file_->lat(), file_->lon());
  readout_ = new QLabel(tr("Move the pointer over the map for values"));
  auto* lay = new QVBoxLayout(this);
  lay->addLayout(top);
  lay->addWidget(map_, 1);
  lay->addWidget(readout_);

  timer_ = new QTimer(this);
  timer_->setInterval(350);
  connect(timer_, &QTimer::timeout, this, [this] { setTimeStep((timeStep() + 1) % timeSteps()); });
  connect(play_, &QToolButton::toggled, this, [this](bool on) {
    play_->setText(on ? tr("Pause") : tr("Play"));
    on ? timer_->start() : timer_->stop();
  });
  connect(variable_, &QComboBox::currentIndexChanged, this, [this] { showField(); });
  connect(time_, &QSlider::valueChanged, this, [this] { showField(); });
  connect(contours_, &QCheckBox::toggled, map_, &FieldMap::setContours);
  connect(map_, &FieldMap::hovered, this, [this](const QString& t) {
    readout_->setText(t.isEmpty() ? tr("Move the pointer over the map for values") : t);
  });
  // msl first when there is one: the isobars show the cyclones.
  const int msl = variable_->findData(QStringLiteral("msl"));
  if (msl >= 0) variable_->setCurrentIndex(msl);
  loadOverlays(path);
  map_->setOverlays(&overlays_);
  time_->setValue(std::clamp(initialStep, 0, timeSteps() - 1));
  showField();
}

FieldView::~FieldView() = default;

void FieldView::loadOverlays(const QString& path) {
  const QFileInfo fi(path);
  const QString base = fi.completeBaseName();
  const QString truth = fi.dir().filePath(base + QStringLiteral(".tracks.csv"));
  if (QFileInfo::exists(truth)) {
    TrackOverlay o{tr("true tracks"), truth, true, QColor(255, 255, 255), climate::readTracks(truth.toStdString())};
    overlays_.push_back(std::move(o));
  }
  // NAME.<detector>.tracks.csv: what detectors found in this file.
  const auto found = fi.dir().entryList({base + QStringLiteral(".*.tracks.csv")}, QDir::Files, QDir::Name);
  for (const QString& f : found) {
    const QString label = f.mid(base.size() + 1).chopped(QStringLiteral(".tracks.csv").size());
    addTracks(fi.dir().filePath(f), label == QLatin1String("cnn") ? QStringLiteral("CNN") : label);
  }
}

void FieldView::addTracks(const QString& file, const QString& label) {
  static const QColor colours[] = {QColor(255, 80, 40), QColor(255, 0, 200), QColor(40, 220, 255), QColor(255, 200, 0)};
  int detectors = 0;
  for (const auto& o : overlays_) detectors += o.truth ? 0 : 1;
  TrackOverlay o{label, file, false, colours[detectors % 4], climate::readTracks(file.toStdString())};
  overlays_.push_back(std::move(o));
  map_->update();
}

QStringList FieldView::variables() const {
  QStringList out;
  for (int i = 0; i < variable_->count(); ++i) out << variable_->itemData(i).toString();
  return out;
}
QString FieldView::variable() const { return variable_->currentData().toString(); }
void FieldView::setVariable(const QString& name) {
  const int i = variable_->findData(name);
  if (i < 0) throw std::runtime_error("no variable '" + name.toStdString() + "' in '" + file_->path() + "'");
  variable_->setCurrentIndex(i);
}
int FieldView::timeStep() const { return time_->value(); }
void FieldView::setTimeStep(int t) { time_->setValue(t); }
int FieldView::timeSteps() const { return static_cast<int>(file_->timeSteps()); }
QString FieldView::timeText() const { return timeLabel_->text(); }
QString FieldView::readout() const { return readout_->text(); }

void FieldView::showField() {
  const std::string name = variable().toStdString();
  const auto& info = file_->variable(name);
  const Display d = displayOf(name, info.units);
  const auto t = static_cast<std::size_t>(timeStep());
  climate::Field f = file_->read(name, t);
  for (float& v : f.values) v = static_cast<float>(v * d.scale + d.offset);
  // The colour range over the period (first, middle and last steps), so playing stays steady.
  auto it = ranges_.find(variable());
  if (it == ranges_.end()) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    const std::size_t n = file_->timeSteps();
    for (std::size_t s : {std::size_t(0), n / 2, n - 1}) {
      const climate::Field g = file_->read(name, s);
      for (float v : g.values)
        if (!std::isnan(v)) lo = std::min(lo, v * d.scale + d.offset), hi = std::max(hi, v * d.scale + d.offset);
    }
    if (!(lo <= hi)) lo = 0, hi = 1;
    it = ranges_.emplace(variable(), Range{lo, hi}).first;
  }
  const double step = d.units == QLatin1String("hPa") ? 4.0 : niceStep(it->second.hi - it->second.lo, 10);
  const QString title = QString::fromStdString(name) + (info.longName.empty() ? QString() : QStringLiteral(" — ") + QString::fromStdString(info.longName)) +
                        QStringLiteral(" [%1]").arg(d.units);
  const QString iso = file_->time().iso.empty() ? QString() : QString::fromStdString(file_->time().iso[t]);
  timeLabel_->setText(QStringLiteral("%1  (%2/%3)").arg(iso).arg(t + 1).arg(timeSteps()));
  map_->setTime(iso);
  map_->setField(f, title, d.units, it->second.lo, it->second.hi, step);
}

}  // namespace tf::viewers
