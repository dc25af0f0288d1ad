// The 2D side of the shower view: longitudinal and lateral profiles (QtCharts, log or linear
// energy axis) and heatmaps of the x-y, x-z and y-z projections with a log colour scale.
#pragma once

#include "ShowerProfiles.h"

#include <QTabWidget>
#include <QWidget>

class QChart;
class QCheckBox;
class QLabel;
class QLineSeries;
class QLogValueAxis;
class QValueAxis;

namespace tf::viewers {

// A projection as an image: cells coloured by log energy, axis names and the colour range.
class HeatmapWidget : public QWidget {
  Q_OBJECT
 public:
  HeatmapWidget(QString xName, QString yName, QWidget* parent = nullptr);
  void setProjection(const Projection& p);
  void setAxisNames(const QString& x, const QString& y) {
    xName_ = x;
    yName_ = y;
    update();
  }
  const Projection& projection() const { return p_; }
  QSize sizeHint() const override { return {360, 300}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  Projection p_;
  QString xName_, yName_;
};

class ShowerPlots : public QTabWidget {
  Q_OBJECT
 public:
  explicit ShowerPlots(QWidget* parent = nullptr);
  void update(const CellGrid& g, const ShowerCut& cut);
  // A second event's profiles drawn over these (dashed), e.g. generated over Monte Carlo,
  // computed by its own view with the same cut; the labels name both in the legend. Empty
  // profiles remove it.
  void setReference(const std::vector<double>& longitudinal, const std::vector<double>& lateral,
                    const QString& label, const QString& ownLabel);
  const std::vector<double>& referenceLongitudinal() const { return refLong_; }
  const std::vector<double>& longitudinal() const { return longitudinal_; }
  const std::vector<double>& lateral() const { return lateral_; }
  HeatmapWidget* heatmap(Plane p) const;
  // The current tab (profiles or a projection) as SVG, for papers; false and a message when
  // the file cannot be written.
  bool exportSvg(const QString& file, QString* error = nullptr);

 private:
  void redrawCharts();
  QChart *longChart_, *latChart_;
  // Axes live as long as their chart; the y axis is swapped between linear and log.
  struct Axes {
    QValueAxis* x;
    QValueAxis* yLin;
    QLogValueAxis* yLog;
  };
  Axes longAxes_, latAxes_;
  QCheckBox* logScale_;
  QLabel* legend_;
  HeatmapWidget *xy_, *xz_, *yz_;
  std::vector<double> longitudinal_, lateral_, refLong_, refLat_;
  QString refLabel_, ownLabel_;
  bool cylindrical_ = false;
};

}  // namespace tf::viewers
