// The Jobs panel: runs on clusters, one row each — run, cluster profile, SLURM job id, state
// (pending with SLURM's reason, running with nodes and elapsed time, completed, failed,
// cancelled), the connection's health — and what to do with one: cancel, open the run, show the
// batch script, show the logs. Jobs still running when the workbench last closed are re-attached
// from the workspace's runs (each holds artifacts/slurm/job.txt).
#pragma once

#include "RemoteJob.h"

#include <QHash>
#include <QWidget>

#include <map>
#include <memory>

class QPushButton;
class QTableWidget;

namespace tf::ui {

class JobsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit JobsPanel(QWidget* parent = nullptr);
  ~JobsPanel() override;

  // A job's new state (from the run controller or a re-attached job): its row, added when new.
  void update(const JobInfo& info);
  void appendOutput(const QString& runId, const QString& line);
  // Follows every job of `workspace` that was running on a cluster when the workbench closed.
  // Returns how many were re-attached.
  int reattach(const QString& workspace);

  QTableWidget* table() const { return table_; }
  QString selectedRun() const;
  void selectRun(const QString& runId);
  // The text Show Script / Show Logs would show for a run.
  QString scriptOf(const QString& runId) const;
  QString logsOf(const QString& runId) const;

 Q_SIGNALS:
  void cancelRequested(const QString& runId);  // the controller's own run
  void openRunRequested(const QString& runId);
  void jobFinished(const QString& runId, int exitCode, const QString& summary);

 private:
  void updateButtons();
  void showText(const QString& title, const QString& text);
  QTableWidget* table_;
  QPushButton *cancel_, *open_, *script_, *logs_;
  QHash<QString, JobInfo> jobs_;
  QHash<QString, QStringList> output_;
  std::map<QString, std::unique_ptr<RemoteJob>> attached_;  // re-attached jobs this panel follows
};

}  // namespace tf::ui
