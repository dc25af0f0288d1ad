// The cyclone field viewer: a variable of a climate file (netCDF) on its lat/lon grid as a
// colour map with a colour bar in the variable's units, contours (msl isobars every 4 hPa), a
// labelled graticule (Debian packages no coastline data Qt can draw without GMT or Cartopy),
// true tracks and the centres detectors found on top with a legend, a hover read-out, and
// variable and time pickers with playback. Reads through core's ClimateFile.
#pragma once

#include "data/ClimateFile.h"

#include <QImage>
#include <QWidget>

#include <map>
#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QSlider;
class QTimer;
class QToolButton;
class QCheckBox;

namespace tf::viewers {

// One set of tracks drawn on the map: the truth, or what a detector found.
struct TrackOverlay {
  QString label;  // "true tracks", "CNN", "baseline"
  QString file;
  bool truth = false;
  QColor colour;
  std::vector<climate::Track> tracks;
};

class FieldMap : public QWidget {
  Q_OBJECT
 public:
  explicit FieldMap(QWidget* parent = nullptr);
  void setGrid(std::vector<double> lat, std::vector<double> lon);
  // values in display units (msl in hPa), the colour range fixed per variable
  void setField(const climate::Field& f, const QString& title, const QString& units, double lo, double hi, double contourStep);
  void setTime(const QString& iso) { time_ = iso; update(); }
  void setOverlays(const std::vector<TrackOverlay>* overlays) { overlays_ = overlays; update(); }
  void setContours(bool on) { contours_ = on; update(); }
  // "12.50°N 140.25°E  msl 998.4 hPa", or empty outside the map.
  QString readoutAt(const QPoint& p) const;
  QRectF mapRect() const;
  QPointF toScreen(double lat, double lon) const;

 Q_SIGNALS:
  void hovered(const QString& text);

 protected:
  void paintEvent(QPaintEvent*) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void leaveEvent(QEvent*) override;

 private:
  void paintContours(QPainter& p) const;
  void paintGraticule(QPainter& p) const;
  void paintColourBar(QPainter& p) const;
  void paintTracks(QPainter& p) const;
  void paintLegend(QPainter& p) const;

  std::vector<double> lat_, lon_;
  climate::Field field_;
  QImage image_;
  QString title_, units_, time_;
  double lo_ = 0, hi_ = 1, contourStep_ = 0;
  bool contours_ = true;
  const std::vector<TrackOverlay>* overlays_ = nullptr;
};

class FieldView : public QWidget {
  Q_OBJECT
 public:
  // Throws std::runtime_error naming the file when it is not a climate field file. Loads
  // NAME.tracks.csv beside it as the truth and NAME.<detector>.tracks.csv as detections.
  explicit FieldView(const QString& path, int timeStep = 0, QWidget* parent = nullptr);
  ~FieldView() override;

  QStringList variables() const;
  QString variable() const;
  void setVariable(const QString& name);
  int timeStep() const;
  void setTimeStep(int t);
  int timeSteps() const;
  QString timeText() const;
  const std::vector<TrackOverlay>& overlays() const { return overlays_; }
  // Adds a track table to the map (what a detector found).
  void addTracks(const QString& file, const QString& label);
  FieldMap* map() const { return map_; }
  QString readout() const;

 private:
  void showField();
  void loadOverlays(const QString& path);

  std::unique_ptr<climate::ClimateFile> file_;
  std::vector<TrackOverlay> overlays_;
  QComboBox* variable_ = nullptr;
  QSlider* time_ = nullptr;
  QLabel* timeLabel_ = nullptr;
  QLabel* readout_ = nullptr;
  QToolButton* play_ = nullptr;
  QCheckBox* contours_ = nullptr;
  QTimer* timer_ = nullptr;
  FieldMap* map_ = nullptr;
  struct Range {
    double lo, hi;
  };
  std::map<QString, Range> ranges_;  // per variable, over the whole period
};

}  // namespace tf::viewers
