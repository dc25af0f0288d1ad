// Run → Cluster Profiles…: the workspace's clusters.yaml as a list of profiles and a form for the
// selected one (SSH login, how TwinForge is found on the cluster, what the job asks SLURM for).
// Saving checks every profile and names what is wrong; nothing is written until all are usable.
// A key's passphrase goes to the OS keyring (Secrets.h), never to the file; ssh-agent works too.
#pragma once

#include "launch/ClusterProfile.h"

#include <QDialog>
#include <QMap>

#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QSpinBox;

namespace tf::ui {

class ClusterProfilesDialog : public QDialog {
  Q_OBJECT
 public:
  // Reads <workspace>/clusters.yaml; a malformed file is shown as an error and not overwritten
  // until saved.
  explicit ClusterProfilesDialog(const QString& workspace, QWidget* parent = nullptr);
  const std::vector<tf::launch::ClusterProfile>& profiles() const { return profiles_; }
  // Checks and writes the file; false with the problems shown in the dialog.
  bool save();
  void selectProfile(int index);
  void setPassphrase(const QString& text);  // as if typed into the passphrase field
  QString errorText() const;                // what the dialog says is wrong; empty when nothing

 private:
  void load(int index);   // profile -> form
  void store();           // form -> profile
  void add();
  void remove();
  QString file_;
  std::vector<tf::launch::ClusterProfile> profiles_;
  int current_ = -1;
  QListWidget* list_;
  QLabel* error_;
  QLineEdit *name_, *host_, *user_, *identity_, *knownHostsFile_, *remoteWs_, *runner_, *container_, *partition_,
      *account_, *qos_, *memory_, *time_;
  QComboBox *kind_, *knownHosts_;
  QSpinBox *port_, *nodes_, *tasks_, *gpus_, *cpus_;
  QDoubleSpinBox* poll_;
  QPlainTextEdit *setup_, *extra_;
  QLineEdit* passphrase_;
  QMap<QString, QString> newPassphrases_;  // profile -> typed, stored in the keyring on Save
};

}  // namespace tf::ui
