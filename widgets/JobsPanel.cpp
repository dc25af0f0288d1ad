#include "JobsPanel.h"

#include "exec/RunStore.h"
#include "launch/ClusterProfile.h"
#include "launch/SlurmLauncher.h"
#include "Secrets.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace tf::ui {

namespace {

enum Column { kRun, kProfile, kJob, kState, kDetail, kConnection, kColumns };

QColor stateColour(const QString& s) {
  if (s == "running") return QColor(0x1f, 0x6f, 0xb5);
  if (s == "completed") return QColor(0x2e, 0x7d, 0x32);
  if (s == "failed") return QColor(0xb7, 0x1c, 0x1c);
  if (s == "cancelled") return QColor(0x8d, 0x6e, 0x00);
  return QColor(0x55, 0x55, 0x55);
}

QString readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

}  // namespace

JobsPanel::JobsPanel(QWidget* parent) : QWidget(parent) {
  table_ = new QTableWidget(0, kColumns, this);
  table_->setObjectName(QStringLiteral("jobsTable"));
  table_->setHorizontalHeaderLabels({tr("Run"), tr("Cluster"), tr("Job"), tr("State"), tr("Details"), tr("Connection")});
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setWordWrap(false);
  table_->setColumnWidth(kRun, 72);
  table_->setColumnWidth(kProfile, 110);
  table_->setColumnWidth(kJob, 44);
  table_->setColumnWidth(kState, 72);
  table_->setColumnWidth(kDetail, 170);
  cancel_ = new QPushButton(tr("Cancel Job"), this);
  open_ = new QPushButton(tr("Open Run"), this);
  script_ = new QPushButton(tr("Show Script"), this);
  logs_ = new QPushButton(tr("Show Logs"), this);
  cancel_->setObjectName(QStringLiteral("cancelJob"));
  auto* buttons = new QHBoxLayout;
  for (auto* b : {cancel_, open_, script_, logs_}) buttons->addWidget(b);
  buttons->addStretch();
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(2, 2, 2, 2);
  lay->addLayout(buttons);
  lay->addWidget(table_);
  connect(table_, &QTableWidget::itemSelectionChanged, this, &JobsPanel::updateButtons);
  connect(cancel_, &QPushButton::clicked, this, [this] {
    const QString run = selectedRun();
    if (auto it = attached_.find(run); it != attached_.end()) it->second->cancel();
    else Q_EMIT cancelRequested(run);
  });
  connect(open_, &QPushButton::clicked, this, [this] { Q_EMIT openRunRequested(selectedRun()); });
  connect(script_, &QPushButton::clicked, this,
          [this] { showText(tr("Batch script of run %1").arg(selectedRun().left(8)), scriptOf(selectedRun())); });
  connect(logs_, &QPushButton::clicked, this,
          [this] { showText(tr("Logs of run %1").arg(selectedRun().left(8)), logsOf(selectedRun())); });
  updateButtons();
}

JobsPanel::~JobsPanel() = default;

void JobsPanel::update(const JobInfo& info) {
  const bool added = !jobs_.contains(info.runId);
  jobs_[info.runId] = info;
  int row = -1;
  for (int r = 0; r < table_->rowCount(); ++r)
    if (table_->item(r, kRun)->data(Qt::UserRole).toString() == info.runId) row = r;
  if (row < 0) {
    row = 0;
    table_->insertRow(0);
    for (int c = 0; c < kColumns; ++c) table_->setItem(0, c, new QTableWidgetItem);
    table_->item(0, kRun)->setData(Qt::UserRole, info.runId);
  }
  auto set = [&](int c, const QString& text, const QString& tip = {}) {
    table_->item(row, c)->setText(text);
    table_->item(row, c)->setToolTip(tip.isEmpty() ? text : tip);
  };
  set(kRun, info.runId.left(8), info.runId + "\n" + QDir::toNativeSeparators(info.workspace));
  set(kProfile, info.profile, info.profile + QStringLiteral(" (") + info.where + QStringLiteral(")"));
  set(kJob, info.jobId);
  set(kState, info.state, info.failure);
  table_->item(row, kState)->setForeground(stateColour(info.state));
  set(kDetail, info.state == "failed" && !info.failure.isEmpty() ? info.failure.section('\n', 0, 0) : info.detail, info.failure);
  set(kConnection, info.health.isEmpty() ? tr("ok") : info.health);
  table_->item(row, kConnection)->setForeground(info.health.isEmpty() ? QColor(0x2e, 0x7d, 0x32) : QColor(0xb7, 0x1c, 0x1c));
  if (added) table_->selectRow(row);
  updateButtons();
}

void JobsPanel::appendOutput(const QString& runId, const QString& line) {
  QStringList& lines = output_[runId];
  lines << line;
  if (lines.size() > 5000) lines.removeFirst();
}

int JobsPanel::reattach(const QString& workspace) {
  int n = 0;
  const RunStore store(workspace.toStdString());
  std::vector<launch::ClusterProfile> profiles;
  try {
    profiles = launch::loadProfiles(launch::profilesFile(workspace.toStdString()));
  } catch (const std::exception&) {
    return 0;  // the profiles dialog shows what is wrong with the file
  }
  // A cluster run's local folder holds the job record from submission on, and its meta.yaml
  // only once the run was copied back: no meta.yaml (or a run still "running") means follow it.
  QHash<QString, QString> passphrases;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(store.experimentDir(), ec)) {
    const std::string id = e.path().filename().string();
    const auto job = launch::readJobRecord(e.path());
    if (!job || jobs_.contains(QString::fromStdString(id))) continue;
    const auto rec = RunStore::readRun(e.path());
    if (rec && rec->status != RunStore::Status::Running) continue;
    for (const auto& p : profiles) {
      if (p.name != job->profile) continue;
      // One keyring question per profile, however many of its jobs are running.
      const QString name = QString::fromStdString(p.name);
      if (!passphrases.contains(name)) passphrases[name] = secrets::passphrase(name);
      launch::LaunchSpec spec;
      spec.workspace = workspace.toStdString();
      spec.runId = id;
      try {
        const QString run = QString::fromStdString(id);
        auto remote = std::make_unique<RemoteJob>(
            launch::launcherFor(p, passphrases[name].toStdString()), spec, QString::fromStdString(job->jobId));
        connect(remote.get(), &RemoteJob::changed, this, &JobsPanel::update);
        connect(remote.get(), &RemoteJob::outputLine, this, [this, run](const QString& l) { appendOutput(run, l); });
        connect(remote.get(), &RemoteJob::finished, this,
                [this, run](int code, const QString& summary) { Q_EMIT jobFinished(run, code, summary); });
        update(remote->info());
        remote->start();
        attached_[run] = std::move(remote);
        ++n;
      } catch (const std::exception&) {
      }
    }
  }
  return n;
}

QString JobsPanel::selectedRun() const {
  const auto rows = table_->selectionModel()->selectedRows();
  return rows.isEmpty() ? QString() : table_->item(rows.front().row(), kRun)->data(Qt::UserRole).toString();
}

void JobsPanel::selectRun(const QString& runId) {
  for (int r = 0; r < table_->rowCount(); ++r)
    if (table_->item(r, kRun)->data(Qt::UserRole).toString() == runId) table_->selectRow(r);
}

QString JobsPanel::scriptOf(const QString& runId) const {
  if (!jobs_.contains(runId)) return {};
  const JobInfo& j = jobs_[runId];
  const auto dir = launch::jobFilesDir(RunStore(j.workspace.toStdString()).runDir(runId.toStdString()));
  return readAll(QString::fromStdString((dir / "job.sh").string()));
}

QString JobsPanel::logsOf(const QString& runId) const {
  if (!jobs_.contains(runId)) return {};
  const JobInfo& j = jobs_[runId];
  // Finished: the copied-back logs, rank by rank. Running: what has come so far.
  const QString dir = QString::fromStdString(launch::jobFilesDir(RunStore(j.workspace.toStdString()).runDir(runId.toStdString())).string());
  QString text;
  for (const QString& f : QDir(dir).entryList({QStringLiteral("*.log"), QStringLiteral("*.out")}, QDir::Files, QDir::Name))
    text += QStringLiteral("==> %1 <==\n%2\n").arg(f, readAll(dir + "/" + f));
  if (text.isEmpty()) text = output_.value(runId).join('\n');
  if (!j.failure.isEmpty()) text = j.failure + "\n\n" + text;
  return text;
}

void JobsPanel::updateButtons() {
  const QString run = selectedRun();
  const bool has = !run.isEmpty();
  cancel_->setEnabled(has && !jobs_.value(run).finished());
  open_->setEnabled(has);
  script_->setEnabled(has);
  logs_->setEnabled(has);
}

void JobsPanel::showText(const QString& title, const QString& text) {
  if (!qEnvironmentVariableIsEmpty("TWINFORGE_NO_DIALOGS")) return;
  QDialog d(this);
  d.setWindowTitle(title);
  auto* view = new QPlainTextEdit(text.isEmpty() ? tr("(nothing yet)") : text, &d);
  view->setReadOnly(true);
  view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  view->setLineWrapMode(QPlainTextEdit::NoWrap);
  auto* box = new QDialogButtonBox(QDialogButtonBox::Close, &d);
  connect(box, &QDialogButtonBox::rejected, &d, &QDialog::reject);
  auto* lay = new QVBoxLayout(&d);
  lay->addWidget(view);
  lay->addWidget(box);
  d.resize(820, 560);
  d.exec();
}

}  // namespace tf::ui
