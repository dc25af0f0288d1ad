// Runs a pipeline in a child twinforge-run process (never in the GUI process), started by a
// core launcher (local today; SLURM and SSH through the same interface), and follows it through
// the run's events.jsonl; stdout/stderr lines are passed on for the log panel.
#pragma once

#include "EventFollower.h"
#include "RemoteJob.h"

#include <QObject>
#include <QStringList>
#include <QTimer>

#include <memory>

namespace tf::launch {
class Job;
class Launcher;
struct OutputLine;
}  // namespace tf::launch

namespace tf::ui {

struct RunRequest {
  QString runner;  // path of twinforge-run
  QString pipelineFile;
  QString pipelineKey;
  QString workspace;
  QStringList overrides;  // KEY=VALUE
  QStringList steps;      // empty: all
  int threads = 0;
  int processes = 1;      // > 1: data-parallel ranks on this machine (twinforge-run --nproc)
  QString profile;        // a cluster profile of the workspace's clusters.yaml; empty: this machine
};

class RunController : public QObject {
  Q_OBJECT
 public:
  explicit RunController(QObject* parent = nullptr);
  ~RunController() override;

  // Starts the run; false (and `error`) if one is going or the runner cannot start. A run on a
  // cluster is submitted by a worker thread: started() comes at once, jobChanged() as SLURM
  // answers, the run's events as the job's events.jsonl is copied here.
  bool start(const RunRequest& req, QString* error = nullptr);
  // The batch script a run on req.profile would submit (nothing is sent); empty and `error` when
  // the profile cannot be used.
  QString previewScript(const RunRequest& req, QString* error = nullptr) const;
  void cancel();  // SIGTERM, then SIGKILL after 5 s
  bool isRunning() const;
  const QString& runId() const { return runId_; }
  QString runDir() const;
  // The launcher's id of the running job (a process id for local runs), or empty.
  QString jobId() const;

  // For the tests and the status bar: the command line of the last run.
  const QStringList& lastArguments() const { return args_; }

 Q_SIGNALS:
  void started(const QString& runId);
  void eventReceived(const tf::Event& e);
  void outputLine(const QString& line, bool isError);
  void finished(int exitCode, const QString& summary);
  void jobChanged(const tf::ui::JobInfo& info);  // runs on a cluster only

 private:
  void pollJob();
  bool startRemote(const RunRequest& req, QString* error);
  void remoteFinished(int code, const QString& summary);
  std::unique_ptr<RemoteJob> remote_;
  void onLine(const tf::launch::OutputLine& line);
  std::unique_ptr<tf::launch::Launcher> launcher_;
  std::unique_ptr<tf::launch::Job> job_;
  QTimer poll_;
  EventFollower follower_;
  QString runId_, workspace_;
  QStringList args_;
};

}  // namespace tf::ui
