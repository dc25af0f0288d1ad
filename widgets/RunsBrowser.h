// The workspace's runs (MLflow file store: mlruns/<experiment>/<run>/) in a sortable,
// filterable table: name, status, start, duration, parameters, and the last and lowest value
// of each metric. Selected runs' curves of one metric are compared on one chart; a run's
// pipeline opens as a document; a run is deleted only after confirmation.
#pragma once

#include <QDateTime>
#include <QMap>
#include <QVector>
#include <QPointF>
#include <QWidget>

class QComboBox;
class QLineEdit;
class QTableWidget;

namespace tf::ui {

class MetricsChart;

struct RunRecord {
  QString id, name, dir, status;
  QString pipelineFile;  // the pipeline as written, saved with the run
  QDateTime start, end;
  QMap<QString, QString> params;
  QMap<QString, QVector<QPointF>> metrics;  // step, value
};
// Every run of a workspace, newest first. Unreadable runs are skipped, never fatal.
QVector<RunRecord> scanRuns(const QString& workspace);

class RunsBrowser : public QWidget {
  Q_OBJECT
 public:
  explicit RunsBrowser(QWidget* parent = nullptr);

  void setWorkspace(const QString& dir);
  void reload();
  void setFilter(const QString& text);
  QTableWidget* table() const { return table_; }
  MetricsChart* chart() const { return chart_; }
  const QVector<RunRecord>& runs() const { return runs_; }
  int visibleRows() const;
  void selectRuns(const QStringList& ids);
  QStringList selectedRunIds() const;
  void compareSelected();       // the chosen metric of every selected run, on the chart
  bool deleteSelected(bool confirm = true);

 Q_SIGNALS:
  void openPipelineRequested(const QString& file);

 private:
  QString workspace_;
  QVector<RunRecord> runs_;
  QTableWidget* table_;
  QLineEdit* filter_;
  QComboBox* metric_;
  MetricsChart* chart_;
};

}  // namespace tf::ui
