#include "MainWindow.h"

#include "exec/RunStore.h"
#include "io/Isolate.h"

#include "ComponentPalette.h"
#include "EventLogPanel.h"
#include "FileSession.h"
#include "Inspector.h"
#include "MetricsChart.h"
#include "PipelineCanvas.h"
#include "PipelineEditor.h"
#include "PreferencesDialog.h"
#include "ClusterProfilesDialog.h"
#include "JobsPanel.h"
#include "launch/ClusterProfile.h"
#include "RunController.h"
#include "RunsBrowser.h"
#include "StepListView.h"
#include "CaloFile.h"
#include "ShowerCompareView.h"
#include "ShowerView.h"
#include "ViewerRegistry.h"
#include "config/Node.h"
#include "pipeline/PipelineLoader.h"
#include "registry/Registry.h"
#include "registry/Schema.h"

#include <sstream>

#include <QAction>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDirIterator>
#include <QStandardPaths>
#include <QTimer>
#include <QUndoStack>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QComboBox>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

namespace tf::ui {

namespace {
constexpr int kStateVersion = 3;  // bump when docks change, so old layouts are not restored
}  // namespace

MainWindow::MainWindow(const tf::Registry& reg, QWidget* parent) : QMainWindow(parent), reg_(reg) {
  setObjectName(QStringLiteral("TwinForgeMainWindow"));
  setAcceptDrops(true);
  auto* central = new QWidget(this);
  auto* lay = new QVBoxLayout(central);
  lay->setContentsMargins(4, 4, 4, 4);
  banner_ = new QLabel(central);
  banner_->setWordWrap(true);
  banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  banner_->setVisible(false);
  editor_ = new PipelineEditor(reg_, central);
  editor_->canvas()->setProgress(&progress_);
  lay->addWidget(banner_);
  lay->addWidget(editor_, 1);
  setCentralWidget(central);
  steps_ = new StepListView(this);
  steps_->setToolTip(tr("Double-click a step to look at the data it wrote in the last run"));
  steps_->setProgress(&progress_);
  connect(steps_, &QTreeWidget::itemDoubleClicked, this,
          [this](QTreeWidgetItem* item, int) { openStepOutput(item->text(0)); });
  connect(steps_, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
    if (item) editor_->canvas()->selectSteps({item->text(0)});
  });
  connect(editor_, &PipelineEditor::stepDoubleClicked, this, [this](const QString& s) { openStepOutput(s); });
  connect(editor_, &PipelineEditor::documentChanged, this, &MainWindow::onDocumentChanged);
  connect(editor_, &PipelineEditor::message, this, [this](const QString& m, bool err) {
    statusBar()->showMessage(m, 8000);
    if (err) log_->appendLine(m, true);
  });
  connect(editor_->undoStack(), &QUndoStack::cleanChanged, this, [this] { updateTitle(); });
  files_ = new FileSession(editor_, this);
  connect(files_, &FileSession::recentFilesChanged, this, &MainWindow::rebuildRecentMenu);

  run_ = new RunController(this);
  connect(run_, &RunController::eventReceived, this, &MainWindow::onEvent);
  connect(run_, &RunController::outputLine, this, [this](const QString& line, bool err) {
    // The event stream already shows progress; keep the runner's errors and warnings. A cluster
    // job's ranks write one merged log each: the Jobs panel keeps it, errors reach the log.
    if (!run_->jobId().isEmpty() && jobs_) {
      jobs_->appendOutput(run_->runId(), line);
      err = line.contains(QStringLiteral("error"), Qt::CaseInsensitive);
    }
    if (err) log_->appendLine(line, true);
  });
  connect(run_, &RunController::jobChanged, this, [this](const JobInfo& info) {
    jobs_->update(info);
    if (!info.health.isEmpty()) statusBar()->showMessage(info.health, 8000);
  });
  connect(run_, &RunController::finished, this, [this](int code, const QString& summary) {
    // Killed or crashed: no event said how the running step ended, so say it here.
    progress_.runEnded(summary.toStdString());
    log_->appendLine(summary, code != 0);
    statusBar()->showMessage(summary, 10000);
    if (code != 0 && code != 130) showBanner(summary + tr(" — see the log below."), true);
    // The finished run, in the runs browser.
    runs_->setWorkspace(Preferences::load().workspace);
    runs_->selectRuns({run_->runId()});
    updateActions();
    Q_EMIT runFinished(code);
  });

  buildDocks();
  buildMenus();
  palette_->setRegistry(&reg_);

  QSettings s;
  if (s.value(QStringLiteral("window/version")).toInt() == kStateVersion) {
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray(), kStateVersion);
  } else {
    resize(1500, 950);
  }
  runs_->setWorkspace(Preferences::load().workspace);
  // Cluster jobs that were running when the workbench last closed.
  if (const int n = jobs_->reattach(Preferences::load().workspace); n > 0) {
    log_->appendLine(tr("Following %n cluster job(s) still running from the last session (Jobs panel)", nullptr, n));
    findChild<QDockWidget*>(QStringLiteral("jobsDock"))->raise();
  }
  onDocumentChanged();
  updateTitle();
  updateActions();
  statusBar()->showMessage(tr("%1 components loaded").arg(reg_.all().size()));
}

MainWindow::~MainWindow() {
  // The views are deleted with the window's children, after progress_: they stop observing now.
  steps_->setProgress(nullptr);
  editor_->canvas()->setProgress(nullptr);
  // Children are deleted after this body, when this is only a QWidget: a signal they send
  // then (the undo stack's cleanChanged, found by UBSan) must not reach MainWindow's slots.
  for (QObject* child : findChildren<QObject*>()) disconnect(child, nullptr, this, nullptr);
}

void MainWindow::buildDocks() {
  auto dock = [this](const QString& title, const QString& name, QWidget* w, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);
    d->setWidget(w);
    addDockWidget(area, d);
    return d;
  };
  palette_ = new ComponentPalette(this);
  log_ = new EventLogPanel(this);
  chart_ = new MetricsChart(this);
  runs_ = new RunsBrowser(this);
  connect(runs_, &RunsBrowser::openPipelineRequested, this, [this](const QString& f) { openFile(f); });
  connect(palette_, &ComponentPalette::componentActivated, this, [this](const QString& cp) {
    // Double-click in the palette: the step lands in the middle of the visible canvas.
    PipelineCanvas* c = editor_->canvas();
    editor_->addStep(cp, c->mapToScene(c->viewport()->rect().center()));
  });
  dock(tr("Components"), QStringLiteral("paletteDock"), palette_, Qt::LeftDockWidgetArea);
  dock(tr("Properties"), QStringLiteral("propertiesDock"), editor_->inspector(), Qt::RightDockWidgetArea);
  QDockWidget* stepsDock = dock(tr("Steps"), QStringLiteral("stepsDock"), steps_, Qt::BottomDockWidgetArea);
  QDockWidget* logDock = dock(tr("Log"), QStringLiteral("logDock"), log_, Qt::BottomDockWidgetArea);
  QDockWidget* chartDock = dock(tr("Metrics"), QStringLiteral("metricsDock"), chart_, Qt::BottomDockWidgetArea);
  QDockWidget* runsDock = dock(tr("Runs"), QStringLiteral("runsDock"), runs_, Qt::BottomDockWidgetArea);
  jobs_ = new JobsPanel(this);
  QDockWidget* jobsDock = dock(tr("Jobs"), QStringLiteral("jobsDock"), jobs_, Qt::BottomDockWidgetArea);
  connect(jobs_, &JobsPanel::cancelRequested, this, [this](const QString& run) {
    if (run == run_->runId()) cancelRun();
  });
  connect(jobs_, &JobsPanel::openRunRequested, this, [this, runsDock](const QString& run) {
    runs_->setWorkspace(Preferences::load().workspace);
    runs_->selectRuns({run});
    runsDock->raise();
  });
  connect(jobs_, &JobsPanel::jobFinished, this, [this](const QString&, int code, const QString& summary) {
    log_->appendLine(summary, code != 0);
    runs_->reload();
  });
  splitDockWidget(logDock, chartDock, Qt::Horizontal);
  tabifyDockWidget(logDock, stepsDock);
  tabifyDockWidget(logDock, runsDock);
  tabifyDockWidget(logDock, jobsDock);
  logDock->raise();
  resizeDocks({findChild<QDockWidget*>(QStringLiteral("paletteDock")),
               findChild<QDockWidget*>(QStringLiteral("propertiesDock"))},
              {220, 340}, Qt::Horizontal);
  resizeDocks({logDock}, {200}, Qt::Vertical);
  resizeDocks({logDock, chartDock}, {520, 700}, Qt::Horizontal);
}

// Edit: undo/redo, the canvas's clipboard and arrangement actions, preferences.
std::pair<QAction*, QAction*> MainWindow::buildEditMenu() {
  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = editor_->undoStack()->createUndoAction(this, tr("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  QAction* redo = editor_->undoStack()->createRedoAction(this, tr("&Redo"));
  redo->setShortcut(QKeySequence::Redo);
  edit->addAction(undo);
  edit->addAction(redo);
  edit->addSeparator();
  auto canvasAction = [this, edit](const QString& text, QKeySequence key, auto fn) {
    QAction* a = edit->addAction(text, this, fn);
    a->setShortcut(key);
    a->setShortcutContext(Qt::WidgetWithChildrenShortcut);  // typing in the inspector keeps its keys
    editor_->canvas()->addAction(a);
    return a;
  };
  canvasAction(tr("Cu&t"), QKeySequence::Cut, [this] {
    editor_->copySelection();
    editor_->deleteSelection();
  });
  canvasAction(tr("&Copy"), QKeySequence::Copy, [this] { editor_->copySelection(); });
  canvasAction(tr("&Paste"), QKeySequence::Paste, [this] { editor_->paste(); });
  canvasAction(tr("&Duplicate"), QKeySequence(Qt::CTRL | Qt::Key_D), [this] { editor_->duplicateSelection(); });
  canvasAction(tr("Select &All"), QKeySequence::SelectAll, [this] { editor_->selectAll(); });
  edit->addSeparator();
  edit->addAction(tr("Align &Left Edges"), this, [this] { editor_->alignSelection(Qt::Vertical); });
  edit->addAction(tr("Align &Top Edges"), this, [this] { editor_->alignSelection(Qt::Horizontal); });
  edit->addAction(tr("Arrange &Automatically"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L), this,
                  [this] { editor_->autoLayout(); });
  edit->addSeparator();
  edit->addAction(tr("&Preferences…"), QKeySequence::Preferences, this, &MainWindow::preferencesDialog);
  return {undo, redo};
}

// The main tool bar: `actions` in order (null: a separator), then the data-parallel ranks.
void MainWindow::buildToolBar(const QList<QAction*>& actions) {
  QToolBar* tb = addToolBar(tr("Main"));
  tb->setObjectName(QStringLiteral("mainToolBar"));
  tb->setToolButtonStyle(Qt::ToolButtonTextOnly);
  for (QAction* a : actions)
    if (a)
      tb->addAction(a);
    else
      tb->addSeparator();
  tb->addSeparator();
  auto* procLabel = new QLabel(tr(" Processes: "), tb);
  procs_ = new QSpinBox(tb);
  procs_->setObjectName(QStringLiteral("processes"));
  procs_->setRange(1, 64);
  procs_->setValue(QSettings().value(QStringLiteral("run/processes"), 1).toInt());
  procs_->setToolTip(
      tr("Data-parallel ranks on this machine: each trains on its share of every batch (Gloo).\n"
         "The batch size in the pipeline is per rank."));
  connect(procs_, &QSpinBox::valueChanged, this,
          [](int v) { QSettings().setValue(QStringLiteral("run/processes"), v); });
  tb->addWidget(procLabel);
  tb->addWidget(procs_);
  tb->addSeparator();
  tb->addWidget(new QLabel(tr(" Run on: "), tb));
  target_ = new QComboBox(tb);
  target_->setObjectName(QStringLiteral("runTarget"));
  target_->setToolTip(tr("This machine, or a cluster profile: the run is submitted to SLURM there and copied back "
                         "into this workspace (Run → Cluster Profiles…)"));
  target_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  tb->addWidget(target_);
  rebuildTargets();
  connect(target_, &QComboBox::activated, this, [this](int index) {
    if (target_->itemData(index).toString() == QLatin1String("<edit>")) {
      clusterProfilesDialog();
      return;
    }
    QSettings().setValue(QStringLiteral("run/target"), runTarget());
    updateActions();
  });
}

void MainWindow::rebuildTargets() {
  const QString keep = target_->count() ? runTarget() : QSettings().value(QStringLiteral("run/target")).toString();
  QSignalBlocker block(target_);
  target_->clear();
  target_->addItem(tr("This machine"), QString());
  std::vector<tf::launch::ClusterProfile> profiles;
  try {
    profiles = tf::launch::loadProfiles(tf::launch::profilesFile(Preferences::load().workspace.toStdString()));
  } catch (const std::exception& e) {
    log_->appendLine(QString::fromStdString(e.what()), true);
  }
  for (const auto& p : profiles) {
    const QString where = p.kind == "ssh" ? QString::fromStdString(p.host) : tr("SLURM here");
    target_->addItem(QStringLiteral("%1 (%2)").arg(QString::fromStdString(p.name), where), QString::fromStdString(p.name));
  }
  target_->insertSeparator(target_->count());
  target_->addItem(tr("Cluster profiles…"), QStringLiteral("<edit>"));
  const int i = target_->findData(keep);
  target_->setCurrentIndex(i > 0 ? i : 0);
}

QString MainWindow::runTarget() const { return target_ ? target_->currentData().toString() : QString(); }

bool MainWindow::setRunTarget(const QString& profile) {
  rebuildTargets();
  const int i = target_->findData(profile);
  if (i < 0) return false;
  target_->setCurrentIndex(i);
  updateActions();
  return true;
}

void MainWindow::clusterProfilesDialog() {
  ClusterProfilesDialog dlg(Preferences::load().workspace, this);
  dlg.exec();
  rebuildTargets();
  updateActions();
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* newAct = file->addAction(tr("&New Pipeline"), QKeySequence::New, this, [this] { newPipeline(); });
  QMenu* examples = file->addMenu(tr("New from E&xample"));
  examples->setObjectName(QStringLiteral("examplesMenu"));
  connect(examples, &QMenu::aboutToShow, this, [this, examples] {
    examples->clear();
    QString lastPlugin;
    for (const auto& [plugin, path] : examplePipelines(reg_)) {
      if (plugin != lastPlugin) examples->addSection(plugin);
      lastPlugin = plugin;
      QAction* a = examples->addAction(QFileInfo(path).completeBaseName(), this, [this, p = path] { newFromExample(p); });
      QFile f(path);
      if (f.open(QIODevice::ReadOnly)) {  // the example's first comment line says what it is
        const QString first = QString::fromUtf8(f.readLine()).trimmed();
        if (first.startsWith('#')) a->setStatusTip(first.mid(1).trimmed());
      }
    }
    if (examples->isEmpty()) examples->addAction(tr("(no examples found)"))->setEnabled(false);
  });
  QAction* openAct = file->addAction(tr("&Open Pipeline…"), QKeySequence::Open, this, &MainWindow::openDialog);
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  saveAct_ = file->addAction(tr("&Save"), QKeySequence::Save, this, [this] {
    if (currentFile().isEmpty())
      saveAsDialog();
    else
      save();
  });
  saveAsAct_ = file->addAction(tr("Save &As…"), QKeySequence::SaveAs, this, &MainWindow::saveAsDialog);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  const auto [undo, redo] = buildEditMenu();

  QMenu* runMenu = menuBar()->addMenu(tr("&Run"));
  runAct_ = runMenu->addAction(tr("&Run Pipeline"), QKeySequence(Qt::CTRL | Qt::Key_R), this, [this] { startRun(); });
  runToAct_ = runMenu->addAction(tr("Run &Up to Selected Step"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), this,
                                 [this] { runUpToSelected(); });
  runAgainAct_ = runMenu->addAction(tr("Run Selected Step &Again"), this, [this] { runSelectedAgain(); });
  runAgainAct_->setToolTip(tr("Run only the selected step(s), with their inputs from earlier runs"));
  cancelAct_ =
      runMenu->addAction(tr("&Cancel Run"), QKeySequence(Qt::CTRL | Qt::Key_Period), this, &MainWindow::cancelRun);
  runMenu->addSeparator();
  runMenu->addAction(tr("Cluster &Profiles…"), this, &MainWindow::clusterProfilesDialog);
  connect(editor_, &PipelineEditor::selectionChanged, this, [this] { updateActions(); });

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("Zoom to &Fit"), QKeySequence(Qt::CTRL | Qt::Key_0), this, [this] { editor_->canvas()->zoomToFit(); });
  view->addAction(tr("Zoom &In"), QKeySequence::ZoomIn, this, [this] { editor_->canvas()->zoomBy(1.25); });
  view->addAction(tr("Zoom &Out"), QKeySequence::ZoomOut, this, [this] { editor_->canvas()->zoomBy(0.8); });
  view->addSeparator();
  for (auto* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About TwinForge"), this, &MainWindow::about);

  buildToolBar({newAct, openAct, saveAct_, nullptr, undo, redo, nullptr, runAct_, runToAct_, cancelAct_});
  rebuildRecentMenu();
}

void MainWindow::showBanner(const QString& text, bool error) {
  banner_->setText(text);
  banner_->setStyleSheet(
      error ? QStringLiteral("QLabel{background:#fde7e9;color:#8a1c1c;border:1px solid #e6a1a6;padding:6px;}")
            : QStringLiteral("QLabel{background:#fff4d6;color:#6b4e00;border:1px solid #e8cf8a;padding:6px;}"));
  banner_->setVisible(!text.isEmpty());
}

QWidget* MainWindow::openDataFile(const QString& path, int event, const QString& viewer) {
  const QString abs = QFileInfo(path).absoluteFilePath();
  if (!QFileInfo::exists(abs)) {
    lastError_ = tr("'%1': no such file").arg(abs);
    showBanner(lastError_, true);
    return nullptr;
  }
  if (!survivesReading(abs)) return nullptr;
  const auto& registry = tf::viewers::ViewerRegistry::instance();
  const tf::viewers::ViewerInfo* info = registry.find(abs, viewer);
  if (!info) {
    QStringList known;
    for (const auto& v : registry.all()) known << v.name + QStringLiteral(": ") + v.description;
    lastError_ = viewer.isEmpty() ? tr("'%1': no viewer recognises this file (viewers: %2)").arg(abs, known.join("; "))
                                  : tr("no viewer named '%1' (viewers: %2)").arg(viewer, known.join("; "));
    // Say what is wrong with the file when it was meant for the shower view.
    try {
      tf::viewers::CaloFile probe(abs.toStdString());
    } catch (const std::exception& e) {
      if (viewer.isEmpty()) lastError_ = QString::fromUtf8(e.what());
    }
    showBanner(lastError_, true);
    return nullptr;
  }
  QWidget* view = nullptr;
  try {
    view = info->open(abs, event);
  } catch (const std::exception& e) {
    lastError_ = QString::fromUtf8(e.what());
    showBanner(lastError_, true);
    return nullptr;
  }
  view->setAttribute(Qt::WA_DeleteOnClose);
  view->setWindowTitle(tr("%1 — TwinForge %2 view").arg(QFileInfo(abs).fileName(), info->name));
  view->resize(view->sizeHint().expandedTo(QSize(1000, 720)));  // a report wants its plots' width
  view->show();
  files_->addRecent(abs);
  log_->appendLine(tr("Opened %1 in the %2 view").arg(abs, info->name));
  return view;
}

QWidget* MainWindow::openStepOutput(const QString& step) {
  if (run_->runId().isEmpty()) {
    showBanner(tr("Run the pipeline first: step '%1' has no outputs yet.").arg(step), true);
    return nullptr;
  }
  // A Path output (a data file), or a validation step's report.
  for (const auto& file : tf::RunStore::stepOutputFiles(run_->runDir().toStdString(), step.toStdString())) {
    const QString path = QString::fromStdString(file.string());
    if (tf::viewers::ViewerRegistry::instance().find(path)) return openDataFile(path);
  }
  showBanner(tr("Step '%1' wrote nothing a viewer can show in run %2.").arg(step, run_->runId()), false);
  return nullptr;
}

// HDF5 1.10 crashes on some damaged files; what the viewers will read is tried in a child
// process first, so such a file is refused and the workbench, with its unsaved work, lives on.
bool MainWindow::survivesReading(const QString& abs) {
  const std::string path = abs.toStdString();
  const std::string crash = tf::io::runIsolated([&] {
    std::ostringstream sink;
    reg_.inspect(path, sink);
    tf::viewers::ViewerRegistry::instance().find(abs, {});
    tf::viewers::CaloFile calo(path);
    if (calo.events() > 0) calo.event(0);
  });
  if (crash.empty()) return true;
  lastError_ = tr("'%1': reading it (tried in a separate process) %2: the file is damaged, and was not opened")
                   .arg(abs, QString::fromStdString(crash));
  showBanner(lastError_, true);
  log_->appendLine(lastError_, true);
  return false;
}

QWidget* MainWindow::openComparison(const QString& leftPath, const QString& rightPath, int event) {
  for (const QString& p : {leftPath, rightPath})
    if (!survivesReading(QFileInfo(p).absoluteFilePath())) return nullptr;
  std::shared_ptr<tf::viewers::CaloFile> a, b;
  try {
    a = std::make_shared<tf::viewers::CaloFile>(QFileInfo(leftPath).absoluteFilePath().toStdString());
    b = std::make_shared<tf::viewers::CaloFile>(QFileInfo(rightPath).absoluteFilePath().toStdString());
  } catch (const std::exception& e) {
    lastError_ = QString::fromUtf8(e.what());
    showBanner(lastError_, true);
    return nullptr;
  }
  auto* view = new tf::viewers::ShowerCompareView;
  view->setAttribute(Qt::WA_DeleteOnClose);
  view->setWindowTitle(
      tr("%1 vs %2 — TwinForge shower view").arg(QFileInfo(leftPath).fileName(), QFileInfo(rightPath).fileName()));
  view->resize(1600, 760);
  if (a->events() != b->events())
    log_->appendLine(tr("%1 has %2 events, %3 has %4: comparing the first %5")
                         .arg(leftPath)
                         .arg(a->events())
                         .arg(rightPath)
                         .arg(b->events())
                         .arg(std::min(a->events(), b->events())),
                     true);
  view->setSources(
      std::min(a->events(), b->events()), [a](int i) { return a->event(i); }, QFileInfo(leftPath).completeBaseName(),
      [b](int i) { return b->event(i); }, QFileInfo(rightPath).completeBaseName());
  if (event != 0 && !view->goToEvent(event)) {
    lastError_ = !view->left()->message().isEmpty() ? view->left()->message() : view->right()->message();
    showBanner(lastError_, true);
    delete view;
    return nullptr;
  }
  view->show();
  return view;
}

bool MainWindow::openFile(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == QLatin1String("h5") || suffix == QLatin1String("hdf5") || suffix == QLatin1String("hdf"))
    return openDataFile(path) != nullptr;
  const QString abs = QFileInfo(path).absoluteFilePath();
  auto fail = [&](const QString& why) {
    lastError_ = why;
    showBanner(tr("Could not open %1:\n%2").arg(QFileInfo(path).fileName(), lastError_), true);
    log_->appendLine(tr("Could not open %1:").arg(abs), true);
    log_->appendLine(lastError_, true);
    return false;  // the current document stays as it was
  };
  if (!QFileInfo(abs).isReadable()) return fail(tr("%1: %2").arg(abs, tr("cannot be read (no such file, or no permission)")));
  if (!maybeSave()) return false;
  QString error;
  if (!files_->open(abs, &error)) return fail(error);
  lastError_.clear();
  const tf::LoadedPipeline& doc = editor_->document().loaded();
  if (!doc.diagnostics.all().empty()) {
    const QString d = QString::fromStdString(doc.diagnostics.str()).trimmed();
    showBanner(
        (doc.runnable() ? tr("Warnings in %1:\n%2") : tr("%1 opened, but it cannot run until these are fixed:\n%2"))
            .arg(QFileInfo(abs).fileName(), d),
        !doc.runnable());
    log_->appendLine(d, !doc.runnable());
  } else {
    showBanner({}, false);
  }
  if (steps_->topLevelItemCount() > 0) editor_->canvas()->selectSteps({steps_->topLevelItem(0)->text(0)});
  updateTitle();
  updateActions();
  statusBar()->showMessage(tr("Opened %1: pipeline %2, %3 step(s)")
                               .arg(QFileInfo(abs).fileName(), QString::fromStdString(doc.pipeline.key))
                               .arg(doc.pipeline.steps.size()),
                           8000);
  return true;
}

bool MainWindow::newPipeline(bool force) {
  if (!force && !maybeSave()) return false;
  files_->newDocument();
  showBanner({}, false);
  updateTitle();
  updateActions();
  return true;
}

QList<QPair<QString, QString>> MainWindow::examplePipelines(const tf::Registry& reg) {
  // Shipped beside the program (share/twinforge/pipelines), or in the source tree of a build.
  QStringList dirs;
  if (qEnvironmentVariableIsSet("TWINFORGE_EXAMPLES")) dirs << qEnvironmentVariable("TWINFORGE_EXAMPLES");
  dirs << QApplication::applicationDirPath() + QStringLiteral("/../share/twinforge/pipelines");
#ifdef TWINFORGE_SOURCE_DIR
  dirs << QStringLiteral(TWINFORGE_SOURCE_DIR "/resources/pipelines");
#endif
  QList<QPair<QString, QString>> out;
  for (const QString& d : dirs) {
    QDir dir(d);
    if (!dir.exists()) continue;
    for (const QString& f : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name)) {
      const QString path = dir.filePath(f);
      // Grouped under the plugin whose components it uses (core when it uses only core's).
      QString plugin = QStringLiteral("core");
      try {
        tf::PipelineLoader loader(reg);
        const auto lp = loader.loadFile(path.toStdString());
        for (const auto& st : lp.pipeline.steps)
          if (st.info && st.info->plugin != "core") plugin = QString::fromStdString(st.info->plugin);
      } catch (const tf::LoadError&) {
        continue;
      }
      out.append({plugin, path});
    }
    if (!out.isEmpty()) break;
  }
  return out;
}

bool MainWindow::newFromExample(const QString& path) {
  if (!maybeSave()) return false;
  QString error;
  if (!files_->openExampleCopy(path, &error)) {
    showBanner(error, true);
    return false;
  }
  showBanner({}, false);
  updateTitle();
  updateActions();
  statusBar()->showMessage(tr("New pipeline from the example %1; save it to run it").arg(QFileInfo(path).fileName()), 8000);
  return true;
}

const tf::LoadedPipeline* MainWindow::document() const { return &editor_->document().loaded(); }
PipelineCanvas* MainWindow::canvas() const { return editor_->canvas(); }
Inspector* MainWindow::properties() const { return editor_->inspector(); }

bool MainWindow::isModified() const { return files_->isModified(); }
const QString& MainWindow::currentFile() const { return files_->file(); }

bool MainWindow::maybeSave() {
  if (!isModified()) return true;
  if (!qEnvironmentVariableIsEmpty("TWINFORGE_NO_DIALOGS")) return true;  // tests, batch use
  const auto answer = QMessageBox::question(
      this, tr("Unsaved changes"),
      tr("%1 has unsaved changes. Save them first?")
          .arg(currentFile().isEmpty() ? tr("The pipeline") : QFileInfo(currentFile()).fileName()),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
  if (answer == QMessageBox::Cancel) return false;
  if (answer == QMessageBox::Save) {
    if (currentFile().isEmpty())
      saveAsDialog();
    else
      save();
    return !isModified();
  }
  return true;
}

bool MainWindow::saveAs(const QString& path) {
  QString error;
  if (!files_->saveAs(path, &error)) {
    showBanner(error, true);
    return false;
  }
  updateTitle();
  statusBar()->showMessage(tr("Saved %1").arg(currentFile()), 5000);
  return true;
}

bool MainWindow::save() { return currentFile().isEmpty() ? false : saveAs(currentFile()); }

// ---------------------------------------------------------------------------------------------
// Autosave: the file session's, offered back here

QString MainWindow::autosavePath() const { return files_->autosavePath(); }
QStringList MainWindow::pendingAutosaves() { return FileSession::pendingAutosaves(); }
void MainWindow::writeAutosave() { files_->writeAutosave(); }

bool MainWindow::restoreAutosave(const QString& autosaveFile) {
  QString original, error;
  if (!files_->restoreAutosave(autosaveFile, &original, &error)) {
    showBanner(error, true);
    return false;
  }
  showBanner(tr("Restored unsaved changes%1. Save to keep them.")
                 .arg(original.isEmpty() ? QString() : tr(" to %1").arg(QFileInfo(original).fileName())),
             false);
  updateTitle();
  updateActions();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Running

bool MainWindow::isRunning() const { return run_->isRunning(); }

bool MainWindow::startRun(const QStringList& stepsToRun) {
  const tf::LoadedPipeline& doc = editor_->document().loaded();
  if (doc.pipeline.steps.empty()) {
    showBanner(tr("The pipeline has no steps yet: drag components from the palette, or open a pipeline."), true);
    return false;
  }
  if (!doc.runnable()) {
    showBanner(tr("This pipeline cannot run until its problems are fixed:\n%1")
                   .arg(QString::fromStdString(doc.diagnostics.str()).trimmed()),
               true);
    return false;
  }
  if (currentFile().isEmpty()) {
    // The runner reads a file: an untitled pipeline is saved first.
    if (!qEnvironmentVariableIsEmpty("TWINFORGE_NO_DIALOGS")) {
      showBanner(tr("Save the pipeline before running it (File → Save As…)."), true);
      return false;
    }
    saveAsDialog();
    if (currentFile().isEmpty()) return false;
  }
  if (isModified() && !save()) return false;
  const Preferences prefs = Preferences::load();
  RunRequest req;
  req.runner = prefs.runner;
  req.pipelineFile = currentFile();
  req.pipelineKey = QString::fromStdString(doc.pipeline.key);
  req.workspace = prefs.workspace;
  req.threads = prefs.threads;
  req.processes = procs_->value();
  req.steps = stepsToRun;
  req.profile = runTarget();
  if (!req.profile.isEmpty() && qEnvironmentVariableIsEmpty("TWINFORGE_NO_DIALOGS")) {
    // The script is shown before anything is sent.
    QString err;
    const QString script = run_->previewScript(req, &err);
    if (script.isEmpty()) {
      showBanner(tr("Cannot run on '%1': %2").arg(req.profile, err), true);
      return false;
    }
    QMessageBox box(QMessageBox::Question, tr("Submit to %1").arg(req.profile),
                    tr("TwinForge will upload the pipeline and submit this batch script with sbatch."), QMessageBox::Cancel, this);
    box.setDetailedText(script);
    box.addButton(tr("Submit"), QMessageBox::AcceptRole);
    if (box.exec() == QMessageBox::Cancel) return false;
  }
  QString err;
  if (!run_->start(req, &err)) {
    showBanner(err, true);
    return false;
  }
  showBanner({}, false);
  progress_.resetStatuses();
  chart_->clear();
  chart_->setTitle(tr("Run %1").arg(run_->runId().left(8)));
  log_->appendLine(tr("Starting run %1 in %2%3")
                       .arg(run_->runId(), QDir::toNativeSeparators(prefs.workspace),
                            stepsToRun.isEmpty() ? QString() : tr(" (steps: %1)").arg(stepsToRun.join(", "))));
  updateActions();
  return true;
}

bool MainWindow::runUpToSelected() {
  const QStringList sel = editor_->canvas()->selectedSteps();
  if (sel.size() != 1) {
    showBanner(tr("Select one step to run up to."), true);
    return false;
  }
  // The selected step and everything it depends on, in execution order.
  const tf::Graph& g = editor_->document().graph();
  QSet<QString> need{sel.front()};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& l : g.links())
      if (need.contains(QString::fromStdString(l.toNode)) && !need.contains(QString::fromStdString(l.fromNode))) {
        need.insert(QString::fromStdString(l.fromNode));
        grew = true;
      }
  }
  QStringList ordered;
  for (const auto& s : editor_->document().loaded().pipeline.steps)
    if (need.contains(QString::fromStdString(s.name))) ordered << QString::fromStdString(s.name);
  return startRun(ordered);
}

bool MainWindow::runSelectedAgain() {
  const QStringList sel = editor_->canvas()->selectedSteps();
  if (sel.isEmpty()) {
    showBanner(tr("Select the step(s) to run again."), true);
    return false;
  }
  return startRun(sel);
}

void MainWindow::cancelRun() {
  if (!run_->isRunning()) return;
  log_->appendLine(tr("Cancelling…"));
  run_->cancel();
}

void MainWindow::onEvent(const tf::Event& e) {
  progress_.apply(e);  // the step list and the canvas observe it
  log_->appendEvent(e);
  if (e.type == tf::Event::Type::Metric)
    chart_->addPoint(QString::fromStdString(e.name), static_cast<double>(e.index), e.value);
  if (e.type == tf::Event::Type::Progress)
    statusBar()->showMessage(QStringLiteral("%1: %2%  %3")
                                 .arg(QString::fromStdString(e.step))
                                 .arg(qRound(e.progress * 100))
                                 .arg(QString::fromStdString(e.message)));
}

void MainWindow::onDocumentChanged() {
  const tf::LoadedPipeline& doc = editor_->document().loaded();
  if (!run_->isRunning()) progress_.setPipeline(doc.pipeline, &doc.diagnostics);
  updateTitle();
  updateActions();
  files_->scheduleAutosave();
}

void MainWindow::openDialog() {
  const QString start = currentFile().isEmpty() ? QString() : QFileInfo(currentFile()).absolutePath();
  const QString p =
      QFileDialog::getOpenFileName(this, tr("Open Pipeline"), start, tr("Pipelines (*.yaml *.yml);;%1;;All files (*)").arg(tf::viewers::ViewerRegistry::instance().fileDialogFilter()));
  if (!p.isEmpty()) openFile(p);
}

void MainWindow::saveAsDialog() {
  const QString p = QFileDialog::getSaveFileName(this, tr("Save Pipeline As"), currentFile(), tr("Pipelines (*.yaml *.yml)"));
  if (!p.isEmpty()) saveAs(p);
}

void MainWindow::preferencesDialog() {
  PreferencesDialog dlg(Preferences::load(), this);
  if (dlg.exec() == QDialog::Accepted) dlg.preferences().save();
}

void MainWindow::about() {
  QMessageBox::about(this, tr("About TwinForge"),
                     tr("<h3>TwinForge 0.1</h3><p>A workbench for AI digital twins in science: compose pipelines, "
                        "train with LibTorch locally or on SLURM, and inspect the science.</p>"
                        "<p>%1 components from %2.</p>")
                         .arg(reg_.all().size())
                         .arg(QStringLiteral("core and plugins")));
}

QStringList MainWindow::recentFiles() const { return files_->recentFiles(); }

void MainWindow::rebuildRecentMenu() {
  if (!recentMenu_) return;
  recentMenu_->clear();
  const QStringList list = recentFiles();
  for (const QString& p : list) {
    QAction* a = recentMenu_->addAction(QFileInfo(p).fileName(), this, [this, p] { openFile(p); });
    a->setToolTip(p);
    a->setStatusTip(p);
    a->setEnabled(QFileInfo::exists(p));
  }
  if (list.isEmpty()) recentMenu_->addAction(tr("(none)"))->setEnabled(false);
  recentMenu_->addSeparator();
  recentMenu_->addAction(tr("Clear List"), files_, &FileSession::clearRecent);
}

void MainWindow::updateTitle() {
  const QString name = currentFile().isEmpty() ? tr("Untitled pipeline") : QFileInfo(currentFile()).fileName();
  setWindowTitle(name + QStringLiteral("[*] — TwinForge"));
  setWindowModified(isModified());
}

void MainWindow::updateActions() {
  if (!runAct_) return;
  const bool running = run_->isRunning();
  const bool single = editor_->canvas()->selectedSteps().size() == 1;
  runAct_->setEnabled(!running);
  runToAct_->setEnabled(!running && single);
  runAgainAct_->setEnabled(!running && !editor_->canvas()->selectedSteps().isEmpty());
  cancelAct_->setEnabled(running);
  // A cluster profile says how many ranks; the box is for this machine.
  if (procs_) procs_->setEnabled(!running && runTarget().isEmpty());
  if (target_) target_->setEnabled(!running);
}

// Files dropped on the window open as they would from File > Open: pipelines in the editor,
// data files in their viewer.
void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  if (!e->mimeData()->hasUrls()) return;
  for (const QUrl& u : e->mimeData()->urls())
    if (!u.isLocalFile()) return;
  e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
  for (const QUrl& u : e->mimeData()->urls()) openFile(u.toLocalFile());
  e->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* e) {
  if (!maybeSave()) {
    e->ignore();
    return;
  }
  if (run_->isRunning()) {
    if (qEnvironmentVariableIsEmpty("TWINFORGE_NO_DIALOGS") &&
        QMessageBox::question(this, tr("Run in progress"), tr("A run is still going. Cancel it and quit?")) !=
            QMessageBox::Yes) {
      e->ignore();
      return;
    }
    run_->cancel();
  }
  QSettings s;
  s.setValue(QStringLiteral("window/version"), kStateVersion);
  s.setValue(QStringLiteral("window/geometry"), saveGeometry());
  s.setValue(QStringLiteral("window/state"), saveState(kStateVersion));
  // Closed on purpose: what the user chose to keep is saved, so no autosave is left behind.
  files_->removeAutosave();
  e->accept();
}

}  // namespace tf::ui
