#include "RunController.h"

#include "exec/RunStore.h"

#include <QDir>
#include <QFileInfo>
#include <QTimer>

namespace tf::ui {

RunController::RunController(QObject* parent) : QObject(parent) {
  connect(&follower_, &EventFollower::eventReceived, this, &RunController::eventReceived);
}

RunController::~RunController() {
  if (proc_ && proc_->state() != QProcess::NotRunning) {
    proc_->terminate();
    if (!proc_->waitForFinished(3000)) proc_->kill();
    proc_->waitForFinished(1000);
  }
}

bool RunController::isRunning() const { return proc_ && proc_->state() != QProcess::NotRunning; }

QString RunController::runDir() const { return QDir(workspace_).filePath(QStringLiteral("mlruns/0/") + runId_); }

bool RunController::start(const RunRequest& req, QString* error) {
  auto fail = [&](const QString& m) {
    if (error) *error = m;
    return false;
  };
  if (isRunning()) return fail(tr("A run is already going; cancel it first."));
  if (!QFileInfo(req.runner).isExecutable())
    return fail(tr("The runner '%1' is not an executable file. Set its path in Edit → Preferences.").arg(req.runner));
  if (!QFileInfo::exists(req.pipelineFile))
    return fail(tr("The pipeline file '%1' does not exist.").arg(req.pipelineFile));

  // The GUI chooses the run id so it knows which events.jsonl to follow before the child starts.
  runId_ = QString::fromStdString(RunStore::newRunId());
  workspace_ = QDir(req.workspace).absolutePath();
  QDir().mkpath(workspace_);
  args_ = {req.pipelineFile, QStringLiteral("--workspace"), workspace_, QStringLiteral("--run-id"), runId_};
  if (!req.pipelineKey.isEmpty()) args_ << QStringLiteral("--pipeline") << req.pipelineKey;
  for (const auto& o : req.overrides) args_ << QStringLiteral("--set") << o;
  if (!req.steps.isEmpty()) args_ << QStringLiteral("--steps") << req.steps.join(',');
  if (req.threads > 0) args_ << QStringLiteral("--threads") << QString::number(req.threads);
  if (req.processes > 1) args_ << QStringLiteral("--nproc") << QString::number(req.processes);

  delete proc_;
  proc_ = new QProcess(this);
  outBuf_.clear();
  errBuf_.clear();
  connect(proc_, &QProcess::readyReadStandardOutput, this, [this] { readOutput(QProcess::StandardOutput); });
  connect(proc_, &QProcess::readyReadStandardError, this, [this] { readOutput(QProcess::StandardError); });
  connect(proc_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    follower_.stop();
    readOutput(QProcess::StandardOutput);
    readOutput(QProcess::StandardError);
    QString summary;
    if (status == QProcess::CrashExit)
      summary = tr("twinforge-run crashed (run %1)").arg(runId_);
    else if (code == 0)
      summary = tr("Run %1 finished").arg(runId_);
    else if (code == 130)
      summary = tr("Run %1 cancelled").arg(runId_);
    else if (code == 3)
      summary = tr("The pipeline is not valid (see the log)");
    else
      summary = tr("Run %1 failed (exit code %2)").arg(runId_).arg(code);
    Q_EMIT finished(status == QProcess::CrashExit ? -1 : code, summary);
  });
  connect(proc_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
    if (e == QProcess::FailedToStart) {
      follower_.stop();
      Q_EMIT finished(-1, tr("Could not start %1: %2").arg(proc_->program(), proc_->errorString()));
    }
  });
  follower_.follow(QDir(runDir()).filePath(QStringLiteral("events.jsonl")));
  proc_->start(req.runner, args_);
  Q_EMIT started(runId_);
  return true;
}

void RunController::cancel() {
  if (!isRunning()) return;
  proc_->terminate();  // twinforge-run stops at the next cancellation point and exits 130
  QProcess* p = proc_;
  QTimer::singleShot(5000, p, [p] {
    if (p->state() != QProcess::NotRunning) p->kill();
  });
}

void RunController::readOutput(QProcess::ProcessChannel ch) {
  if (!proc_) return;
  QByteArray& buf = ch == QProcess::StandardOutput ? outBuf_ : errBuf_;
  buf += ch == QProcess::StandardOutput ? proc_->readAllStandardOutput() : proc_->readAllStandardError();
  qsizetype nl;
  while ((nl = buf.indexOf('\n')) >= 0) {
    Q_EMIT outputLine(QString::fromUtf8(buf.left(nl)), ch == QProcess::StandardError);
    buf.remove(0, nl + 1);
  }
  if (proc_->state() == QProcess::NotRunning && !buf.isEmpty()) {
    Q_EMIT outputLine(QString::fromUtf8(buf), ch == QProcess::StandardError);
    buf.clear();
  }
}

}  // namespace tf::ui
