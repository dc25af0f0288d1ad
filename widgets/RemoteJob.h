// A SLURM job (here or over SSH) followed from the GUI without touching the UI thread: a worker
// thread submits it (or re-attaches to it), polls it until it ends and copies the run back; the
// UI hears about it through queued signals. Cancel only raises a flag the worker acts on, so the
// job object is only ever touched by its own thread.
#pragma once

#include "launch/Launcher.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <thread>

namespace tf::launch {
class SlurmLauncher;
}

namespace tf::ui {

// What the Jobs panel shows for one job.
struct JobInfo {
  QString runId, workspace, profile, where;  // where: "root@login:22"
  QString jobId;                             // empty until SLURM accepted it
  QString state;                             // submitting, pending, running, completed, failed, cancelled
  QString detail;                            // SLURM's pending reason, or nodes and elapsed time
  QString health;                            // empty, or the connection problem being retried
  QString failure;
  bool finished() const { return state == "completed" || state == "failed" || state == "cancelled"; }
};

class RemoteJob : public QObject {
  Q_OBJECT
 public:
  // Takes the launcher; submits `spec`, or attaches to `attachJobId` when it is not empty.
  RemoteJob(std::unique_ptr<tf::launch::SlurmLauncher> launcher, tf::launch::LaunchSpec spec,
            QString attachJobId = {}, QObject* parent = nullptr);
  ~RemoteJob() override;  // asks the worker to stop following (the SLURM job goes on) and joins it

  void start();
  void cancel() { cancel_ = true; }
  const JobInfo& info() const { return info_; }
  int exitCode() const { return exitCode_; }

 Q_SIGNALS:
  void changed(const tf::ui::JobInfo& info);
  void outputLine(const QString& line, bool isError);
  void finished(int exitCode, const QString& summary);

 private:
  void work();
  void post(const JobInfo& info);
  std::unique_ptr<tf::launch::SlurmLauncher> launcher_;
  tf::launch::LaunchSpec spec_;
  QString attach_;
  JobInfo info_;
  int exitCode_ = -1;
  std::atomic<bool> cancel_{false}, stop_{false};
  std::thread worker_;
};

}  // namespace tf::ui

Q_DECLARE_METATYPE(tf::ui::JobInfo)
