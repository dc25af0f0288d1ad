#include "PreferencesDialog.h"

#include "exec/RunStore.h"

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QThread>

namespace tf::ui {

QString Preferences::defaultRunner() {
  return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("twinforge-run"));
}

QString Preferences::defaultWorkspace() {
  const QByteArray env = qgetenv("TWINFORGE_WORKSPACE");
  return env.isEmpty() ? QDir::home().filePath(QStringLiteral("twinforge-workspace")) : QString::fromLocal8Bit(env);
}

Preferences Preferences::load() {
  QSettings s;
  Preferences p;
  p.workspace = s.value(QStringLiteral("prefs/workspace"), defaultWorkspace()).toString();
  p.runner = s.value(QStringLiteral("prefs/runner"), defaultRunner()).toString();
  p.threads = s.value(QStringLiteral("prefs/threads"), 0).toInt();
  return p;
}

void Preferences::save() const {
  QSettings s;
  s.setValue(QStringLiteral("prefs/workspace"), workspace);
  s.setValue(QStringLiteral("prefs/runner"), runner);
  s.setValue(QStringLiteral("prefs/threads"), threads);
}

PreferencesDialog::PreferencesDialog(const Preferences& prefs, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Preferences"));
  auto* form = new QFormLayout;
  auto pathRow = [this](QLineEdit* edit, bool folder) {
    auto* row = new QHBoxLayout;
    auto* browse = new QPushButton(tr("Browse…"), this);
    row->addWidget(edit);
    row->addWidget(browse);
    connect(browse, &QPushButton::clicked, this, [this, edit, folder] {
      const QString p = folder ? QFileDialog::getExistingDirectory(this, tr("Workspace folder"), edit->text())
                               : QFileDialog::getOpenFileName(this, tr("twinforge-run program"), edit->text());
      if (!p.isEmpty()) edit->setText(p);
    });
    return row;
  };
  workspace_ = new QLineEdit(prefs.workspace, this);
  workspace_->setToolTip(
      tr("Runs are stored here in MLflow's layout: %1").arg(QString::fromStdString(RunStore::layoutText())));
  runner_ = new QLineEdit(prefs.runner, this);
  threads_ = new QSpinBox(this);
  threads_->setRange(0, 1024);
  threads_->setSpecialValueText(tr("all cores (%1)").arg(QThread::idealThreadCount()));
  threads_->setValue(prefs.threads);
  form->addRow(tr("Workspace:"), pathRow(workspace_, true));
  form->addRow(tr("twinforge-run:"), pathRow(runner_, false));
  form->addRow(tr("Training threads:"), threads_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* lay = new QVBoxLayout(this);
  lay->addLayout(form);
  lay->addWidget(buttons);
  resize(560, sizeHint().height());
}

Preferences PreferencesDialog::preferences() const {
  Preferences p;
  p.workspace = workspace_->text();
  p.runner = runner_->text();
  p.threads = threads_->value();
  return p;
}

}  // namespace tf::ui
