#include "MainWindow.h"

#include "ComponentPalette.h"
#include "EventLogPanel.h"
#include "PreferencesDialog.h"
#include "PropertiesPanel.h"
#include "RunController.h"
#include "StepListView.h"
#include "CaloFile.h"
#include "ShowerCompareView.h"
#include "ShowerView.h"
#include "ViewerRegistry.h"
#include "config/Node.h"
#include "pipeline/PipelineLoader.h"
#include "registry/Registry.h"

#include <QAction>
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
#include <QSpinBox>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

namespace tf::ui {

namespace {
constexpr int kStateVersion = 1;  // bump when docks change, so old layouts are not restored
constexpr int kMaxRecent = 10;
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
  steps_ = new StepListView(central);
  steps_->setToolTip(tr("Double-click a step to look at the data it wrote in the last run"));
  connect(steps_, &QTreeWidget::itemDoubleClicked, this,
          [this](QTreeWidgetItem* item, int) { openStepOutput(item->text(0)); });
  lay->addWidget(banner_);
  lay->addWidget(steps_);
  setCentralWidget(central);

  run_ = new RunController(this);
  connect(run_, &RunController::eventReceived, this, &MainWindow::onEvent);
  connect(run_, &RunController::outputLine, this, [this](const QString& line, bool err) {
    // The event stream already shows progress; keep the runner's errors and warnings.
    if (err) log_->appendLine(line, true);
  });
  connect(run_, &RunController::finished, this, [this](int code, const QString& summary) {
    log_->appendLine(summary, code != 0);
    statusBar()->showMessage(summary, 10000);
    if (code != 0 && code != 130) showBanner(summary + tr(" — see the log below."), true);
    updateActions();
    Q_EMIT runFinished(code);
  });
  connect(steps_, &QTreeWidget::currentItemChanged, this, &MainWindow::onSelectionChanged);

  buildDocks();
  buildMenus();
  palette_->setRegistry(&reg_);

  QSettings s;
  if (s.value(QStringLiteral("window/version")).toInt() == kStateVersion) {
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray(), kStateVersion);
  } else {
    resize(1200, 760);
  }
  updateTitle();
  updateActions();
  statusBar()->showMessage(tr("%1 components loaded").arg(reg_.all().size()));
}

MainWindow::~MainWindow() = default;

void MainWindow::buildDocks() {
  auto dock = [this](const QString& title, const QString& name, QWidget* w, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);
    d->setWidget(w);
    addDockWidget(area, d);
    return d;
  };
  palette_ = new ComponentPalette(this);
  props_ = new PropertiesPanel(this);
  log_ = new EventLogPanel(this);
  dock(tr("Components"), QStringLiteral("paletteDock"), palette_, Qt::LeftDockWidgetArea);
  dock(tr("Properties"), QStringLiteral("propertiesDock"), props_, Qt::RightDockWidgetArea);
  dock(tr("Log"), QStringLiteral("logDock"), log_, Qt::BottomDockWidgetArea);
  resizeDocks({findChild<QDockWidget*>(QStringLiteral("paletteDock")),
               findChild<QDockWidget*>(QStringLiteral("propertiesDock"))},
              {220, 340}, Qt::Horizontal);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* openAct = file->addAction(tr("&Open Pipeline…"), QKeySequence::Open, this, &MainWindow::openDialog);
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  saveAct_ = file->addAction(tr("&Save"), QKeySequence::Save, this, [this] { save(); });
  saveAsAct_ = file->addAction(tr("Save &As…"), QKeySequence::SaveAs, this, &MainWindow::saveAsDialog);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  edit->addAction(tr("&Preferences…"), QKeySequence::Preferences, this, &MainWindow::preferencesDialog);

  QMenu* runMenu = menuBar()->addMenu(tr("&Run"));
  runAct_ = runMenu->addAction(tr("&Run Pipeline"), QKeySequence(Qt::CTRL | Qt::Key_R), this, [this] { startRun(); });
  cancelAct_ =
      runMenu->addAction(tr("&Cancel Run"), QKeySequence(Qt::CTRL | Qt::Key_Period), this, &MainWindow::cancelRun);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (auto* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About TwinForge"), this, &MainWindow::about);

  QToolBar* tb = addToolBar(tr("Main"));
  tb->setObjectName(QStringLiteral("mainToolBar"));
  tb->setToolButtonStyle(Qt::ToolButtonTextOnly);
  tb->addAction(openAct);
  tb->addAction(saveAct_);
  tb->addSeparator();
  tb->addAction(runAct_);
  tb->addAction(cancelAct_);
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
  addRecent(abs);
  log_->appendLine(tr("Opened %1 in the %2 view").arg(abs, info->name));
  return view;
}

QWidget* MainWindow::openStepOutput(const QString& step) {
  if (run_->runId().isEmpty()) {
    showBanner(tr("Run the pipeline first: step '%1' has no outputs yet.").arg(step), true);
    return nullptr;
  }
  const QDir stepDir(QDir(run_->runDir()).filePath(QStringLiteral("artifacts/steps/") + step));
  for (const QString& port : stepDir.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    QFile meta(stepDir.filePath(port + QStringLiteral("/meta.json")));
    if (!meta.open(QIODevice::ReadOnly)) continue;
    const QJsonObject o = QJsonDocument::fromJson(meta.readAll()).object();
    const QJsonObject m = o.value(QStringLiteral("meta")).toObject();
    // A Path output (a data file), or a validation step's report.
    for (const char* key : {"path", "report"}) {
      const QString path = m.value(QLatin1String(key)).toString();
      if (!path.isEmpty() && tf::viewers::ViewerRegistry::instance().find(path)) return openDataFile(path);
    }
  }
  showBanner(tr("Step '%1' wrote nothing a viewer can show in run %2.").arg(step, run_->runId()), false);
  return nullptr;
}

QWidget* MainWindow::openComparison(const QString& leftPath, const QString& rightPath, int event) {
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
  tf::PipelineLoader loader(reg_);
  tf::LoadedPipeline lp;
  try {
    lp = loader.loadFile(abs.toStdString());
  } catch (const tf::LoadError& e) {
    lastError_ = QString::fromStdString(e.diagnostics().str()).trimmed();
    showBanner(tr("Could not open %1:\n%2").arg(QFileInfo(path).fileName(), lastError_), true);
    log_->appendLine(tr("Could not open %1:").arg(abs), true);
    log_->appendLine(lastError_, true);
    return false;  // the current document stays as it was
  }
  doc_ = std::move(lp);
  file_ = abs;
  lastError_.clear();
  steps_->setPipeline(doc_->pipeline, &doc_->diagnostics);
  if (!doc_->diagnostics.all().empty()) {
    const QString d = QString::fromStdString(doc_->diagnostics.str()).trimmed();
    showBanner(
        (doc_->runnable() ? tr("Warnings in %1:\n%2") : tr("%1 opened, but it cannot run until these are fixed:\n%2"))
            .arg(QFileInfo(abs).fileName(), d),
        !doc_->runnable());
    log_->appendLine(d, !doc_->runnable());
  } else {
    showBanner({}, false);
  }
  if (steps_->topLevelItemCount() > 0) steps_->setCurrentItem(steps_->topLevelItem(0));
  addRecent(abs);
  updateTitle();
  updateActions();
  statusBar()->showMessage(tr("Opened %1: pipeline %2, %3 step(s)")
                               .arg(QFileInfo(abs).fileName(), QString::fromStdString(doc_->pipeline.key))
                               .arg(doc_->pipeline.steps.size()),
                           8000);
  return true;
}

bool MainWindow::saveAs(const QString& path) {
  if (!doc_) return false;
  QSaveFile f(path);  // writes a temporary and renames: a crash never leaves half a file
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) {
    showBanner(tr("Could not save %1: %2").arg(path, f.errorString()), true);
    return false;
  }
  f.write(QByteArray::fromStdString(tf::cfg::toYaml(doc_->raw)));
  if (!f.commit()) {
    showBanner(tr("Could not save %1: %2").arg(path, f.errorString()), true);
    return false;
  }
  file_ = QFileInfo(path).absoluteFilePath();
  doc_->file = file_.toStdString();
  setWindowModified(false);
  addRecent(file_);
  updateTitle();
  statusBar()->showMessage(tr("Saved %1").arg(file_), 5000);
  return true;
}

bool MainWindow::save() { return file_.isEmpty() ? false : saveAs(file_); }

bool MainWindow::isRunning() const { return run_->isRunning(); }

bool MainWindow::startRun() {
  if (!doc_) {
    showBanner(tr("Open a pipeline first (File → Open Pipeline…)."), true);
    return false;
  }
  if (!doc_->runnable()) {
    showBanner(tr("This pipeline cannot run until its problems are fixed:\n%1")
                   .arg(QString::fromStdString(doc_->diagnostics.str()).trimmed()),
               true);
    return false;
  }
  if (isWindowModified() && !save()) return false;
  const Preferences prefs = Preferences::load();
  RunRequest req;
  req.runner = prefs.runner;
  req.pipelineFile = file_;
  req.pipelineKey = QString::fromStdString(doc_->pipeline.key);
  req.workspace = prefs.workspace;
  req.threads = prefs.threads;
  req.processes = procs_->value();
  QString err;
  if (!run_->start(req, &err)) {
    showBanner(err, true);
    return false;
  }
  showBanner({}, false);
  steps_->resetStatuses();
  log_->appendLine(tr("Starting run %1 in %2").arg(run_->runId(), QDir::toNativeSeparators(prefs.workspace)));
  updateActions();
  return true;
}

void MainWindow::cancelRun() {
  if (!run_->isRunning()) return;
  log_->appendLine(tr("Cancelling…"));
  run_->cancel();
}

void MainWindow::onEvent(const tf::Event& e) {
  steps_->applyEvent(e);
  log_->appendEvent(e);
  if (e.type == tf::Event::Type::Progress)
    statusBar()->showMessage(QStringLiteral("%1: %2%  %3")
                                 .arg(QString::fromStdString(e.step))
                                 .arg(qRound(e.progress * 100))
                                 .arg(QString::fromStdString(e.message)));
}

void MainWindow::onSelectionChanged() {
  if (!doc_) return props_->showStep(nullptr);
  props_->showStep(doc_->pipeline.step(steps_->selectedStep().toStdString()), &doc_->diagnostics);
}

void MainWindow::openDialog() {
  const QString start = file_.isEmpty() ? QString() : QFileInfo(file_).absolutePath();
  const QString p =
      QFileDialog::getOpenFileName(this, tr("Open Pipeline"), start, tr("Pipelines (*.yaml *.yml);;%1;;All files (*)").arg(tf::viewers::ViewerRegistry::instance().fileDialogFilter()));
  if (!p.isEmpty()) openFile(p);
}

void MainWindow::saveAsDialog() {
  const QString p = QFileDialog::getSaveFileName(this, tr("Save Pipeline As"), file_, tr("Pipelines (*.yaml *.yml)"));
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

QStringList MainWindow::recentFiles() const { return QSettings().value(QStringLiteral("recentFiles")).toStringList(); }

void MainWindow::addRecent(const QString& path) {
  QStringList list = recentFiles();
  list.removeAll(path);
  list.prepend(path);
  while (list.size() > kMaxRecent) list.removeLast();
  QSettings().setValue(QStringLiteral("recentFiles"), list);
  rebuildRecentMenu();
}

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
  recentMenu_->addAction(tr("Clear List"), this, [this] {
    QSettings().remove(QStringLiteral("recentFiles"));
    rebuildRecentMenu();
  });
}

void MainWindow::updateTitle() {
  const QString name = file_.isEmpty() ? tr("No pipeline") : QFileInfo(file_).fileName();
  setWindowTitle(name + QStringLiteral("[*] — TwinForge"));
}

void MainWindow::updateActions() {
  const bool running = run_->isRunning();
  saveAct_->setEnabled(doc_.has_value());
  saveAsAct_->setEnabled(doc_.has_value());
  runAct_->setEnabled(doc_.has_value() && !running);
  cancelAct_->setEnabled(running);
  if (procs_) procs_->setEnabled(!running);
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
  e->accept();
}

}  // namespace tf::ui
