// Preferences persisted with QSettings: workspace folder, path of twinforge-run, threads.
#pragma once

#include <QDialog>
#include <QString>

class QLineEdit;
class QSpinBox;

namespace tf::ui {

struct Preferences {
  QString workspace;
  QString runner;
  int threads = 0;  // 0: all cores

  static Preferences load();  // defaults where nothing is stored
  void save() const;
  static QString defaultRunner();
  static QString defaultWorkspace();
};

class PreferencesDialog : public QDialog {
  Q_OBJECT
 public:
  explicit PreferencesDialog(const Preferences& prefs, QWidget* parent = nullptr);
  Preferences preferences() const;

 private:
  QLineEdit* workspace_;
  QLineEdit* runner_;
  QSpinBox* threads_;
};

}  // namespace tf::ui
