// Runs a pipeline in a child twinforge-run process (never in the GUI process), started by a
// core launcher (local today; SLURM and SSH through the same interface), and follows it through
// the run's events.jsonl; stdout/stderr lines are passed on for the log panel.
#pragma once

#include "EventFollower.h"

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
};

class RunController : public QObject {
  Q_OBJECT
 public:
  explicit RunController(QObject* parent = nullptr);
  ~RunController() override;

  // Starts the run; false (and `error`) if one is going or the runner cannot start.
  bool start(const RunRequest& req, QString* error = nullptr);
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

 private:
  void pollJob();
  void onLine(const tf::launch::OutputLine& line);
  std::unique_ptr<tf::launch::Launcher> launcher_;
  std::unique_ptr<tf::launch::Job> job_;
  QTimer poll_;
  EventFollower follower_;
  QString runId_, workspace_;
  QStringList args_;
};

}  // namespace tf::ui
