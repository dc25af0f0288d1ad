#include "ClusterProfilesDialog.h"

#include "Secrets.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <set>
#include <QSpinBox>
#include <QVBoxLayout>

namespace tf::ui {

namespace {

QString lines(const std::vector<std::string>& v) {
  QStringList l;
  for (const auto& s : v) l << QString::fromStdString(s);
  return l.join('\n');
}

std::vector<std::string> lines(const QString& text) {
  std::vector<std::string> v;
  for (const auto& l : text.split('\n', Qt::SkipEmptyParts))
    if (!l.trimmed().isEmpty()) v.push_back(l.toStdString());
  return v;
}

}  // namespace

ClusterProfilesDialog::ClusterProfilesDialog(const QString& workspace, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Cluster Profiles"));
  file_ = QString::fromStdString(launch::profilesFile(QDir(workspace).absolutePath().toStdString()).string());
  list_ = new QListWidget(this);
  list_->setObjectName(QStringLiteral("profileList"));
  error_ = new QLabel(this);
  error_->setWordWrap(true);
  error_->setStyleSheet(QStringLiteral("color:#8a1c1c"));
  error_->hide();

  auto edit = [this](const QString& placeholder) {
    auto* e = new QLineEdit(this);
    e->setPlaceholderText(placeholder);
    return e;
  };
  auto spin = [this](int lo, int hi) {
    auto* s = new QSpinBox(this);
    s->setRange(lo, hi);
    return s;
  };
  name_ = edit(tr("a name for this cluster"));
  kind_ = new QComboBox(this);
  kind_->addItem(tr("SLURM over SSH (a remote login node)"), QStringLiteral("ssh"));
  kind_->addItem(tr("SLURM on this machine (I am on a login node)"), QStringLiteral("slurm"));
  host_ = edit(QStringLiteral("login.cluster.org"));
  user_ = edit(tr("your user name there (empty: as in ~/.ssh/config)"));
  port_ = spin(1, 65535);
  identity_ = edit(QStringLiteral("~/.ssh/id_ed25519"));
  passphrase_ = edit(tr("only if the key has one and ssh-agent does not hold it"));
  passphrase_->setEchoMode(QLineEdit::Password);
  passphrase_->setObjectName(QStringLiteral("passphrase"));
  passphrase_->setToolTip(tr("Kept in the OS keyring (GNOME Keyring, KWallet), never in clusters.yaml"));
  knownHosts_ = new QComboBox(this);
  knownHosts_->addItem(tr("strict: only hosts already known"), QStringLiteral("strict"));
  knownHosts_->addItem(tr("accept new hosts (a changed key is still refused)"), QStringLiteral("accept-new"));
  knownHostsFile_ = edit(QStringLiteral("~/.ssh/known_hosts"));
  remoteWs_ = edit(QStringLiteral("~/twinforge-runs  or  /scratch/me/runs"));
  runner_ = edit(QStringLiteral("/opt/twinforge/bin/twinforge-run"));
  setup_ = new QPlainTextEdit(this);
  setup_->setPlaceholderText(QStringLiteral("module load twinforge\nsource ~/venv/bin/activate"));
  setup_->setFixedHeight(52);
  container_ = edit(QStringLiteral("apptainer exec --nv twinforge.sif"));
  partition_ = edit(tr("SLURM's default"));
  account_ = edit({});
  qos_ = edit({});
  nodes_ = spin(1, 4096);
  tasks_ = spin(1, 256);
  gpus_ = spin(0, 64);
  cpus_ = spin(0, 1024);
  cpus_->setSpecialValueText(tr("SLURM's default"));
  memory_ = edit(QStringLiteral("16G"));
  time_ = edit(QStringLiteral("01:00:00"));
  extra_ = new QPlainTextEdit(this);
  extra_->setPlaceholderText(QStringLiteral("--constraint=a100"));
  extra_->setFixedHeight(44);
  poll_ = new QDoubleSpinBox(this);
  poll_->setRange(0.2, 3600);
  poll_->setSuffix(QStringLiteral(" s"));

  auto* form = new QFormLayout;
  form->addRow(tr("Name"), name_);
  form->addRow(tr("Where"), kind_);
  form->addRow(tr("SSH host"), host_);
  form->addRow(tr("User"), user_);
  form->addRow(tr("Port"), port_);
  form->addRow(tr("Identity file"), identity_);
  auto* forget = new QPushButton(tr("Forget"), this);
  forget->setToolTip(tr("Remove this profile's passphrase from the OS keyring"));
  auto* pp = new QHBoxLayout;
  pp->addWidget(passphrase_);
  pp->addWidget(forget);
  form->addRow(tr("Key passphrase"), pp);
  connect(forget, &QPushButton::clicked, this, [this] {
    QString err;
    passphrase_->clear();
    if (current_ >= 0 && !secrets::forgetPassphrase(QString::fromStdString(profiles_[std::size_t(current_)].name), &err)) {
      error_->setText(err);
      error_->show();
    }
  });
  form->addRow(tr("Host keys"), knownHosts_);
  form->addRow(tr("Known hosts file"), knownHostsFile_);
  form->addRow(tr("Remote workspace"), remoteWs_);
  form->addRow(tr("twinforge-run there"), runner_);
  form->addRow(tr("Setup lines"), setup_);
  form->addRow(tr("Container prefix"), container_);
  form->addRow(tr("Partition"), partition_);
  form->addRow(tr("Account"), account_);
  form->addRow(tr("QoS"), qos_);
  form->addRow(tr("Nodes"), nodes_);
  form->addRow(tr("Tasks per node"), tasks_);
  form->addRow(tr("GPUs per node"), gpus_);
  form->addRow(tr("CPUs per task"), cpus_);
  form->addRow(tr("Memory"), memory_);
  form->addRow(tr("Time limit"), time_);
  form->addRow(tr("Extra #SBATCH"), extra_);
  form->addRow(tr("Ask SLURM every"), poll_);

  auto* addB = new QPushButton(tr("Add"), this);
  auto* removeB = new QPushButton(tr("Remove"), this);
  auto* left = new QVBoxLayout;
  left->addWidget(list_);
  auto* lb = new QHBoxLayout;
  lb->addWidget(addB);
  lb->addWidget(removeB);
  left->addLayout(lb);
  auto* body = new QHBoxLayout;
  body->addLayout(left, 1);
  body->addLayout(form, 3);
  auto* box = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
  auto* lay = new QVBoxLayout(this);
  lay->addLayout(body);
  lay->addWidget(new QLabel(tr("Saved in %1. A key's passphrase goes to the OS keyring, never to this file.")
                                .arg(QDir::toNativeSeparators(file_)),
                            this));
  lay->addWidget(error_);
  lay->addWidget(box);

  connect(addB, &QPushButton::clicked, this, &ClusterProfilesDialog::add);
  connect(removeB, &QPushButton::clicked, this, &ClusterProfilesDialog::remove);
  connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
    store();
    load(row);
  });
  connect(box, &QDialogButtonBox::accepted, this, [this] {
    if (save()) accept();
  });
  connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);

  try {
    profiles_ = launch::loadProfiles(file_.toStdString());
  } catch (const std::exception& e) {
    error_->setText(tr("%1 cannot be read: %2\nSaving replaces it.").arg(file_, QString::fromStdString(e.what())));
    error_->show();
  }
  for (const auto& p : profiles_) list_->addItem(QString::fromStdString(p.name));
  if (profiles_.empty()) add();
  else list_->setCurrentRow(0);
  resize(820, 720);
}

void ClusterProfilesDialog::selectProfile(int index) { list_->setCurrentRow(index); }

void ClusterProfilesDialog::load(int index) {
  current_ = index;
  if (index < 0 || index >= int(profiles_.size())) return;
  const auto& p = profiles_[std::size_t(index)];
  name_->setText(QString::fromStdString(p.name));
  kind_->setCurrentIndex(kind_->findData(QString::fromStdString(p.kind)));
  host_->setText(QString::fromStdString(p.host));
  user_->setText(QString::fromStdString(p.user));
  port_->setValue(p.port);
  identity_->setText(QString::fromStdString(p.identityFile));
  knownHosts_->setCurrentIndex(knownHosts_->findData(QString::fromStdString(p.knownHosts)));
  knownHostsFile_->setText(QString::fromStdString(p.knownHostsFile));
  remoteWs_->setText(QString::fromStdString(p.remoteWorkspace));
  runner_->setText(QString::fromStdString(p.runner));
  setup_->setPlainText(lines(p.setup));
  container_->setText(QString::fromStdString(p.container));
  partition_->setText(QString::fromStdString(p.partition));
  account_->setText(QString::fromStdString(p.account));
  qos_->setText(QString::fromStdString(p.qos));
  nodes_->setValue(p.nodes);
  tasks_->setValue(p.tasksPerNode);
  gpus_->setValue(p.gpusPerNode);
  cpus_->setValue(p.cpusPerTask);
  memory_->setText(QString::fromStdString(p.memory));
  time_->setText(QString::fromStdString(p.time));
  extra_->setPlainText(lines(p.extraSbatch));
  poll_->setValue(p.pollSeconds);
}

void ClusterProfilesDialog::store() {
  if (current_ < 0 || current_ >= int(profiles_.size())) return;
  auto& p = profiles_[std::size_t(current_)];
  p.name = name_->text().trimmed().toStdString();
  p.kind = kind_->currentData().toString().toStdString();
  p.host = host_->text().trimmed().toStdString();
  p.user = user_->text().trimmed().toStdString();
  p.port = port_->value();
  p.identityFile = identity_->text().trimmed().toStdString();
  p.knownHosts = knownHosts_->currentData().toString().toStdString();
  p.knownHostsFile = knownHostsFile_->text().trimmed().toStdString();
  p.remoteWorkspace = remoteWs_->text().trimmed().toStdString();
  p.runner = runner_->text().trimmed().toStdString();
  p.setup = lines(setup_->toPlainText());
  p.container = container_->text().trimmed().toStdString();
  p.partition = partition_->text().trimmed().toStdString();
  p.account = account_->text().trimmed().toStdString();
  p.qos = qos_->text().trimmed().toStdString();
  p.nodes = nodes_->value();
  p.tasksPerNode = tasks_->value();
  p.gpusPerNode = gpus_->value();
  p.cpusPerTask = cpus_->value();
  p.memory = memory_->text().trimmed().toStdString();
  p.time = time_->text().trimmed().toStdString();
  p.extraSbatch = lines(extra_->toPlainText());
  p.pollSeconds = poll_->value();
  if (auto* item = list_->item(current_)) item->setText(QString::fromStdString(p.name));
  if (!passphrase_->text().isEmpty()) newPassphrases_[QString::fromStdString(p.name)] = passphrase_->text();
  passphrase_->clear();
}

void ClusterProfilesDialog::setPassphrase(const QString& text) { passphrase_->setText(text); }

QString ClusterProfilesDialog::errorText() const { return error_->isHidden() ? QString() : error_->text(); }

void ClusterProfilesDialog::add() {
  store();
  launch::ClusterProfile p;
  p.name = tr("cluster %1").arg(profiles_.size() + 1).toStdString();
  p.remoteWorkspace = "~/twinforge-runs";
  profiles_.push_back(p);
  list_->addItem(QString::fromStdString(p.name));
  list_->setCurrentRow(int(profiles_.size()) - 1);
}

void ClusterProfilesDialog::remove() {
  const int row = list_->currentRow();
  if (row < 0) return;
  current_ = -1;  // the form no longer belongs to a profile
  profiles_.erase(profiles_.begin() + row);
  delete list_->takeItem(row);
  load(list_->currentRow());
}

bool ClusterProfilesDialog::save() {
  store();
  QStringList problems;
  std::set<std::string> names;
  for (const auto& p : profiles_) {
    for (const auto& m : p.problems()) problems << QStringLiteral("%1: %2").arg(QString::fromStdString(p.name), QString::fromStdString(m));
    if (!names.insert(p.name).second) problems << tr("two profiles are called '%1'").arg(QString::fromStdString(p.name));
  }
  if (!problems.isEmpty()) {
    error_->setText(problems.join('\n'));
    error_->show();
    return false;
  }
  try {
    launch::saveProfiles(file_.toStdString(), profiles_);
  } catch (const std::exception& e) {
    error_->setText(tr("Could not save %1: %2").arg(file_, QString::fromStdString(e.what())));
    error_->show();
    return false;
  }
  // The passphrases typed here, into the keyring; what could not be stored is said, not lost.
  QStringList failed;
  for (auto it = newPassphrases_.begin(); it != newPassphrases_.end();) {
    QString err;
    if (secrets::storePassphrase(it.key(), it.value(), &err)) {
      it = newPassphrases_.erase(it);
    } else {
      failed << tr("The passphrase of '%1' was not stored: %2").arg(it.key(), err);
      ++it;
    }
  }
  if (!failed.isEmpty()) {
    error_->setText(failed.join('\n'));
    error_->show();
    return false;
  }
  error_->hide();
  return true;
}

}  // namespace tf::ui
