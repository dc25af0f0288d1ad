// The workbench window: palette, pipeline steps, properties and log docks; File/Run/Edit/Help
// menus; runs a pipeline in a child twinforge-run and shows its events live.
#pragma once

#include "pipeline/Pipeline.h"

#include <QMainWindow>

#include <optional>

class QLabel;
class QMenu;
class QAction;

namespace tf {
class Registry;
struct Event;
}  // namespace tf

class QSpinBox;

namespace tf::ui {

class ComponentPalette;
class StepListView;
class PropertiesPanel;
class EventLogPanel;
class RunController;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const tf::Registry& reg, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Loads a pipeline. On failure the message is shown in the window (and kept in
  // lastError()), and the pipeline already open stays open and unchanged.
  bool openFile(const QString& path);
  // Opens a data file in its viewer (a calorimeter file in the shower view) in a window of its
  // own; nullptr and lastError() when the file cannot be read.
  // `viewer` picks a viewer by name (twinforge --view NAME) instead of by recognising the file.
  QWidget* openDataFile(const QString& path, int event = 0, const QString& viewer = {});
  // The data a step of the last run wrote (its Path outputs), in the viewer that recognises it:
  // what double-clicking a step does. nullptr and a banner when there is none.
  QWidget* openStepOutput(const QString& step);
  // Two calorimeter files side by side (Monte Carlo and generated), cameras and cuts linked.
  QWidget* openComparison(const QString& left, const QString& right, int event = 0);
  bool save();
  bool saveAs(const QString& path);
  bool startRun();
  void cancelRun();
  bool isRunning() const;

  const QString& currentFile() const { return file_; }
  const QString& lastError() const { return lastError_; }
  const std::optional<tf::LoadedPipeline>& document() const { return doc_; }
  StepListView* stepList() const { return steps_; }
  EventLogPanel* logPanel() const { return log_; }
  ComponentPalette* palette() const { return palette_; }
  PropertiesPanel* properties() const { return props_; }
  RunController* runController() const { return run_; }
  QSpinBox* processesBox() const { return procs_; }
  QStringList recentFiles() const;
  void showBanner(const QString& text, bool error);

 Q_SIGNALS:
  void runFinished(int exitCode);

 protected:
  void closeEvent(QCloseEvent* e) override;
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;

 private:
  void buildMenus();
  void buildDocks();
  void addRecent(const QString& path);
  void rebuildRecentMenu();
  void updateTitle();
  void updateActions();
  void onEvent(const tf::Event& e);
  void onSelectionChanged();
  void openDialog();
  void saveAsDialog();
  void preferencesDialog();
  void about();

  QSpinBox* procs_ = nullptr;  // data-parallel ranks for the next run
  const tf::Registry& reg_;
  std::optional<tf::LoadedPipeline> doc_;
  QString file_, lastError_;
  StepListView* steps_;
  EventLogPanel* log_;
  ComponentPalette* palette_;
  PropertiesPanel* props_;
  RunController* run_;
  QLabel* banner_;
  QMenu* recentMenu_ = nullptr;
  QAction *saveAct_ = nullptr, *saveAsAct_ = nullptr, *runAct_ = nullptr, *cancelAct_ = nullptr;
};

}  // namespace tf::ui
