#include "RemoteJob.h"

#include "exec/ExitCodes.h"
#include "launch/SlurmLauncher.h"

#include <QMetaObject>

namespace tf::ui {

using namespace tf::launch;

namespace {

QString stateName(JobState s) {
  switch (s) {
    case JobState::Pending: return QStringLiteral("pending");
    case JobState::Running: return QStringLiteral("running");
    case JobState::Completed: return QStringLiteral("completed");
    case JobState::Failed: return QStringLiteral("failed");
    case JobState::Cancelled: return QStringLiteral("cancelled");
  }
  return {};
}

}  // namespace

RemoteJob::RemoteJob(std::unique_ptr<SlurmLauncher> launcher, LaunchSpec spec, QString attachJobId, QObject* parent)
    : QObject(parent), launcher_(std::move(launcher)), spec_(std::move(spec)), attach_(std::move(attachJobId)) {
  qRegisterMetaType<tf::ui::JobInfo>();
  info_.runId = QString::fromStdString(spec_.runId);
  info_.workspace = QString::fromStdString(spec_.workspace);
  info_.profile = QString::fromStdString(launcher_->profile().name);
  info_.where = QString::fromStdString(launcher_->host().describe());
  info_.jobId = attach_;
  info_.state = attach_.isEmpty() ? QStringLiteral("submitting") : QStringLiteral("reattaching");
}

RemoteJob::~RemoteJob() {
  stop_ = true;
  if (worker_.joinable()) worker_.join();
}

void RemoteJob::start() { worker_ = std::thread([this] { work(); }); }

// From the worker: a copy of the state, delivered on the UI thread.
void RemoteJob::post(const JobInfo& info) {
  QMetaObject::invokeMethod(this, [this, info] {
    info_ = info;
    Q_EMIT changed(info_);
  }, Qt::QueuedConnection);
}

void RemoteJob::work() {
  JobInfo info = info_;
  auto fail = [&](const QString& why) {
    info.state = QStringLiteral("failed");
    info.failure = why;
    post(info);
    QMetaObject::invokeMethod(this, [this, why] {
      exitCode_ = kRunFailed;
      Q_EMIT finished(kRunFailed, why);
    }, Qt::QueuedConnection);
  };
  std::unique_ptr<Job> job;
  try {
    job = attach_.isEmpty() ? launcher_->submit(spec_) : launcher_->attach(attach_.toStdString(), spec_);
  } catch (const std::exception& e) {
    fail(tr("The job was not submitted: %1").arg(QString::fromStdString(e.what())));
    return;
  }
  info.jobId = QString::fromStdString(job->id());
  post(info);
  const OutputSink sink = [this](const OutputLine& l) {
    const QString line = (l.rank >= 0 ? QStringLiteral("[rank %1] ").arg(l.rank) : QStringLiteral("[batch] ")) +
                         QString::fromStdString(l.text);
    QMetaObject::invokeMethod(this, [this, line] { Q_EMIT outputLine(line, false); }, Qt::QueuedConnection);
  };
  bool cancelSent = false;
  while (!job->finished() && !stop_) {
    job->poll(200, sink);
    if (cancel_ && !cancelSent) {
      job->cancel();
      cancelSent = true;
    }
    JobInfo now = info;
    now.state = stateName(job->state());
    now.detail = QString::fromStdString(job->detail());
    now.health = QString::fromStdString(job->health());
    if (now.state != info.state || now.detail != info.detail || now.health != info.health) {
      info = now;
      post(info);
    }
  }
  if (stop_) return;  // the workbench closes; SLURM's job goes on and is re-attached next time
  info.state = stateName(job->state());
  info.failure = QString::fromStdString(job->failure());
  post(info);
  const int code = job->exitCode();
  QString summary = code == kOk          ? tr("Run %1 finished on %2 (SLURM job %3)").arg(info.runId, info.where, info.jobId)
                    : code == kCancelled ? tr("Run %1 cancelled (SLURM job %2)").arg(info.runId, info.jobId)
                                         : info.failure;
  QMetaObject::invokeMethod(this, [this, code, summary] {
    exitCode_ = code;
    Q_EMIT finished(code, summary);
  }, Qt::QueuedConnection);
}

}  // namespace tf::ui
