#include "RunController.h"

#include "exec/ExitCodes.h"
#include "exec/RunStore.h"
#include "launch/ClusterProfile.h"
#include "launch/LocalLauncher.h"
#include "launch/SlurmLauncher.h"
#include "Secrets.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>

namespace tf::ui {

RunController::RunController(QObject* parent)
    : QObject(parent), launcher_(std::make_unique<launch::LocalLauncher>()) {
  connect(&follower_, &EventFollower::eventReceived, this, &RunController::eventReceived);
  poll_.setInterval(50);
  connect(&poll_, &QTimer::timeout, this, &RunController::pollJob);
}

RunController::~RunController() {
  // A cluster's job goes on without the workbench: the Jobs panel re-attaches to it next time.
  remote_.reset();
  if (isRunning()) {
    job_->cancel();
    QElapsedTimer t;
    t.start();
    while (!job_->finished() && t.elapsed() < 3000) job_->poll(50, {});
  }
  job_.reset();  // kills whatever is left
}

bool RunController::isRunning() const {
  return (job_ && !job_->finished()) || (remote_ && remote_->exitCode() < 0);
}

QString RunController::jobId() const {
  if (remote_) return remote_->info().jobId;
  return job_ ? QString::fromStdString(job_->id()) : QString();
}

QString RunController::runDir() const {
  return QString::fromStdString(RunStore(workspace_.toStdString()).runDir(runId_.toStdString()).string());
}

namespace {

QStringList argumentsFor(const RunRequest& req, const QString& workspace, const QString& runId) {
  QStringList a = {req.pipelineFile, QStringLiteral("--workspace"), workspace, QStringLiteral("--run-id"), runId};
  if (!req.pipelineKey.isEmpty()) a << QStringLiteral("--pipeline") << req.pipelineKey;
  for (const auto& o : req.overrides) a << QStringLiteral("--set") << o;
  if (!req.steps.isEmpty()) a << QStringLiteral("--steps") << req.steps.join(',');
  if (req.threads > 0) a << QStringLiteral("--threads") << QString::number(req.threads);
  return a;
}

// A launcher for the workspace's profile `name`, with the key's passphrase from the OS keyring.
std::unique_ptr<launch::SlurmLauncher> clusterLauncher(const QString& workspace, const QString& name) {
  const auto p = launch::findProfile(QDir(workspace).absolutePath().toStdString(), name.toStdString());
  // No keyring, or nothing stored: ssh-agent or an unencrypted key (ssh says which is missing).
  return launch::launcherFor(p, secrets::passphrase(name).toStdString());
}

launch::LaunchSpec remoteSpec(const RunRequest& req, const QStringList& args, const QString& workspace, const QString& runId) {
  launch::LaunchSpec spec;
  for (const auto& a : args) spec.args.push_back(a.toStdString());
  spec.workspace = workspace.toStdString();
  spec.runId = runId.toStdString();
  spec.files = {QFileInfo(req.pipelineFile).absoluteFilePath().toStdString()};
  return spec;
}

}  // namespace

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
  args_ = argumentsFor(req, workspace_, runId_);
  if (!req.profile.isEmpty()) return startRemote(req, error);
  // twinforge-run starts the ranks itself, so a broken pipeline is reported once.
  if (req.processes > 1) args_ << QStringLiteral("--nproc") << QString::number(req.processes);

  launch::LaunchSpec spec;
  spec.program = QFileInfo(req.runner).absoluteFilePath().toStdString();
  for (const auto& a : args_) spec.args.push_back(a.toStdString());
  spec.graceSeconds = 5;
  follower_.follow(QString::fromStdString(RunStore::eventsFile(runDir().toStdString()).string()));
  try {
    remote_.reset();
    job_ = launcher_->submit(spec);
  } catch (const std::exception& e) {
    follower_.stop();
    job_.reset();
    return fail(tr("Could not start %1: %2").arg(req.runner, QString::fromStdString(e.what())));
  }
  poll_.start();
  Q_EMIT started(runId_);
  return true;
}


QString RunController::previewScript(const RunRequest& req, QString* error) const {
  try {
    const QString ws = QDir(req.workspace).absolutePath(), id = QStringLiteral("RUN_ID");
    const QStringList args = argumentsFor(req, ws, id);
    // The profile alone writes it: no connection, no keyring.
    const auto profile = launch::findProfile(ws.toStdString(), req.profile.toStdString());
    return QString::fromStdString(launch::previewScript(profile, remoteSpec(req, args, ws, id)));
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return {};
  }
}

bool RunController::startRemote(const RunRequest& req, QString* error) {
  std::unique_ptr<launch::SlurmLauncher> launcher;
  try {
    launcher = clusterLauncher(workspace_, req.profile);
  } catch (const std::exception& e) {
    if (error) *error = tr("Cannot run on '%1': %2").arg(req.profile, QString::fromStdString(e.what()));
    return false;
  }
  job_.reset();
  remote_ = std::make_unique<RemoteJob>(std::move(launcher), remoteSpec(req, args_, workspace_, runId_));
  connect(remote_.get(), &RemoteJob::changed, this, &RunController::jobChanged);
  connect(remote_.get(), &RemoteJob::outputLine, this, &RunController::outputLine);
  connect(remote_.get(), &RemoteJob::finished, this, &RunController::remoteFinished);
  // The job appends what the cluster's events.jsonl gains to the local one: followed as a local run's.
  follower_.follow(QString::fromStdString(RunStore::eventsFile(runDir().toStdString()).string()));
  remote_->start();
  Q_EMIT started(runId_);
  Q_EMIT jobChanged(remote_->info());
  return true;
}

void RunController::remoteFinished(int code, const QString& summary) {
  follower_.stop();
  Q_EMIT finished(code, summary);
}

void RunController::cancel() {
  // twinforge-run stops at the next cancellation point and exits 130; the job escalates to
  // SIGKILL if it has not after its grace time.
  if (!isRunning()) return;
  if (remote_) remote_->cancel();
  else job_->cancel();
}

void RunController::onLine(const launch::OutputLine& line) {
  Q_EMIT outputLine(QString::fromStdString(line.text), line.isError);
}

void RunController::pollJob() {
  if (!job_) return;
  const bool wasRunning = !job_->finished();
  job_->poll(0, [this](const launch::OutputLine& l) { onLine(l); });
  if (!wasRunning || !job_->finished()) return;
  poll_.stop();
  follower_.stop();
  const int code = job_->exitCode();
  // A failed job reports 128 + signal when its process was killed (a crash, not an exit code).
  const bool crashed = code > 128 && job_->state() == launch::JobState::Failed;
  QString summary;
  if (crashed)
    summary = tr("twinforge-run crashed (run %1): %2").arg(runId_, QString::fromStdString(job_->failure()));
  else if (code == kOk)
    summary = tr("Run %1 finished").arg(runId_);
  else if (code == kCancelled)
    summary = tr("Run %1 cancelled").arg(runId_);
  else if (code == kInvalidPipeline)
    summary = tr("The pipeline is not valid (see the log)");
  else
    summary = tr("Run %1 failed (exit code %2)").arg(runId_).arg(code);
  Q_EMIT finished(crashed ? -1 : code, summary);
}

}  // namespace tf::ui
