// The workbench window: palette, pipeline steps, properties and log docks; File/Run/Edit/Help
// menus; runs a pipeline in a child twinforge-run and shows its events live. The open file's
// life cycle (open, save, autosave, recent files) is its FileSession's.
#pragma once

#include "exec/RunProgress.h"
#include "pipeline/Pipeline.h"

#include <QMainWindow>
#include <QStringList>

#include <optional>

class QLabel;
class QMenu;
class QAction;
class QTimer;

namespace tf {
class Registry;
struct Event;
}  // namespace tf

class QSpinBox;
class QComboBox;

namespace tf::ui {

class ComponentPalette;
class StepListView;
class Inspector;
class EventLogPanel;
class RunController;
class PipelineEditor;
class PipelineCanvas;
class MetricsChart;
class FileSession;
class RunsBrowser;
class JobsPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const tf::Registry& reg, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Loads a pipeline. On failure the message is shown in the window (and kept in
  // lastError()), and the pipeline already open stays open and unchanged.
  bool openFile(const QString& path);
  // A new, empty pipeline (asks to save unsaved changes first, unless `force`).
  bool newPipeline(bool force = false);
  // Opens a copy of an example pipeline as a new, untitled document.
  bool newFromExample(const QString& path);
  // Example pipelines shipped with TwinForge and its plugins: (plugin, file).
  static QList<QPair<QString, QString>> examplePipelines(const tf::Registry& reg);
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
  // Runs the whole pipeline, or only `steps` (earlier outputs come from the last runs).
  bool startRun(const QStringList& steps = {});
  bool runUpToSelected();   // the selected step and every step it depends on
  bool runSelectedAgain();  // only the selected step, with its inputs from earlier runs
  void cancelRun();
  bool isRunning() const;
  bool isModified() const;

  // Crash-safe autosave: unsaved changes are written every few seconds to a file of their own
  // (never over the user's file) and offered back on the next start.
  QString autosavePath() const;
  static QStringList pendingAutosaves();
  bool restoreAutosave(const QString& autosaveFile);
  void writeAutosave();

  const QString& currentFile() const;
  const QString& lastError() const { return lastError_; }
  // The open pipeline as loaded (raw document, resolved values, diagnostics).
  const tf::LoadedPipeline* document() const;
  PipelineEditor* editor() const { return editor_; }
  PipelineCanvas* canvas() const;
  StepListView* stepList() const { return steps_; }
  EventLogPanel* logPanel() const { return log_; }
  ComponentPalette* palette() const { return palette_; }
  Inspector* properties() const;
  RunController* runController() const { return run_; }
  MetricsChart* metricsChart() const { return chart_; }
  RunsBrowser* runsBrowser() const { return runs_; }
  QSpinBox* processesBox() const { return procs_; }
  QComboBox* runTargetBox() const { return target_; }
  JobsPanel* jobsPanel() const { return jobs_; }
  // The "Run on" choice: empty for this machine, or a cluster profile's name.
  QString runTarget() const;
  bool setRunTarget(const QString& profile);
  void clusterProfilesDialog();
  QStringList recentFiles() const;
  void showBanner(const QString& text, bool error);

 Q_SIGNALS:
  void runFinished(int exitCode);

 protected:
  void closeEvent(QCloseEvent* e) override;
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;

 private:
  // False (after saying why) when reading the file crashes a child process.
  bool survivesReading(const QString& absolutePath);
  void buildMenus();
  std::pair<QAction*, QAction*> buildEditMenu();  // undo, redo
  void buildToolBar(const QList<QAction*>& actions);
  void buildDocks();
  void rebuildRecentMenu();
  void updateTitle();
  void updateActions();
  void onEvent(const tf::Event& e);
  void onDocumentChanged();
  bool maybeSave();  // unsaved changes: save, discard or cancel
  void openDialog();
  void saveAsDialog();
  void preferencesDialog();
  void about();

  QSpinBox* procs_ = nullptr;  // data-parallel ranks for the next run
  QComboBox* target_ = nullptr;  // this machine, or a cluster profile
  JobsPanel* jobs_ = nullptr;
  void rebuildTargets();
  const tf::Registry& reg_;
  PipelineEditor* editor_;
  FileSession* files_ = nullptr;  // the open file: open, save, autosave, recent files
  QString lastError_;
  tf::RunProgress progress_;  // declared before the views that observe it
  StepListView* steps_;
  EventLogPanel* log_;
  ComponentPalette* palette_;
  RunController* run_;
  MetricsChart* chart_;
  RunsBrowser* runs_;
  QLabel* banner_;
  QMenu* recentMenu_ = nullptr;
  QAction *saveAct_ = nullptr, *saveAsAct_ = nullptr, *runAct_ = nullptr, *cancelAct_ = nullptr;
  QAction *runToAct_ = nullptr, *runAgainAct_ = nullptr;
};

}  // namespace tf::ui
