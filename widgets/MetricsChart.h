// Metric curves on one QtCharts chart: live from a run's events (loss, val_loss, ...) or from
// several finished runs for comparison. Exponential smoothing and a log y axis, as in
// TensorBoard; the raw points are kept so both can be changed at any time.
#pragma once

#include <QHash>
#include <QVector>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;

namespace tf::ui {

class MetricsChart : public QWidget {
  Q_OBJECT
 public:
  explicit MetricsChart(QWidget* parent = nullptr);
  ~MetricsChart() override;

  void clear();
  // Adds one point to the curve `series` ("loss", or "run 3f2a: loss" when comparing).
  void addPoint(const QString& series, double step, double value);
  void setSmoothing(double weight);  // 0 (raw) .. 0.99
  void setLogScale(bool on);
  void setTitle(const QString& title);
  // Live runs log many metrics on different scales (losses, lr, accuracies): with this on, only
  // curves whose name contains "loss" are shown at first; clicking a legend entry toggles a curve.
  void setLossesFirst(bool on);
  bool isShown(const QString& series) const;
  void setShown(const QString& series, bool on);

  QStringList seriesNames() const;
  int pointCount(const QString& series) const;
  double lastValue(const QString& series) const;

 private:
  void rebuild();
  struct Private;
  Private* d_;
  QDoubleSpinBox* smooth_;
  QCheckBox* log_;
};

}  // namespace tf::ui
