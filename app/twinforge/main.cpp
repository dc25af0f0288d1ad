// twinforge: the workbench GUI.
#include "EventLogPanel.h"
#include "MainWindow.h"
#include "PreferencesDialog.h"
#include "components/Builtins.h"
#include "registry/Registry.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QDateTime>
#include <QMessageBox>
#include <QSettings>
#include <QTimer>

#include <cstdio>

namespace {

// The command line, parsed.
struct Options {
  QStringList files;
  bool run = false;
  QString shot, open, compare, view, workspace;
  int event = 0;
  int shotAfterMs = -1;  // -1: after the run (or at once without --run)
};

// Parses the command line (exits on --help, --version and bad options); false for a bad --event.
bool parseOptions(QApplication& app, Options& o) {
  QCommandLineParser cli;
  cli.setApplicationDescription(
      QStringLiteral("TwinForge workbench: compose, run and inspect AI digital-twin pipelines."));
  cli.addHelpOption();
  cli.addVersionOption();
  cli.addPositionalArgument(QStringLiteral("pipeline"), QStringLiteral("Pipeline YAML to open"),
                            QStringLiteral("[pipeline.yaml]"));
  QCommandLineOption reset(QStringLiteral("reset-settings"),
                           QStringLiteral("Forget all stored settings (window layout, recent files, preferences)"));
  QCommandLineOption workspace(QStringLiteral("workspace"), QStringLiteral("Workspace folder for runs (remembered)"),
                               QStringLiteral("dir"));
  QCommandLineOption run(QStringLiteral("run"), QStringLiteral("Run the pipeline once it is open"));
  QCommandLineOption shot(QStringLiteral("screenshot"),
                          QStringLiteral("Save a picture of the window to FILE (after the run with --run), then quit"),
                          QStringLiteral("file"));
  QCommandLineOption open(QStringLiteral("open"),
                          QStringLiteral("Open a data file in its viewer (a 3DGAN-style calorimeter HDF5 file)"),
                          QStringLiteral("file"));
  QCommandLineOption event(QStringLiteral("event"), QStringLiteral("Event to show with --open (default 0)"),
                           QStringLiteral("n"), QStringLiteral("0"));
  QCommandLineOption compare(QStringLiteral("compare"),
                             QStringLiteral("With --open: a second calorimeter file shown beside it (e.g. generated "
                                            "events beside Monte Carlo), cameras, cuts and events linked"),
                             QStringLiteral("file"));
  QCommandLineOption viewOpt(QStringLiteral("view"),
                             QStringLiteral("With --open: the viewer to use (default: the one that recognises the file)"),
                             QStringLiteral("name"));
  QCommandLineOption shotAfter(QStringLiteral("screenshot-after"),
                               QStringLiteral("With --run and --screenshot: take the picture MS milliseconds after the "
                                              "run starts, while it goes (the run is then cancelled)"),
                               QStringLiteral("ms"));
  cli.addOptions({reset, workspace, run, shot, open, event, compare, viewOpt, shotAfter});
  cli.process(app);
  if (cli.isSet(reset)) QSettings().clear();
  o.files = cli.positionalArguments();
  o.run = cli.isSet(run);
  o.shot = cli.value(shot);
  o.open = cli.value(open);
  o.compare = cli.value(compare);
  o.view = cli.value(viewOpt);
  o.workspace = cli.value(workspace);
  if (cli.isSet(shotAfter)) o.shotAfterMs = cli.value(shotAfter).toInt();
  bool ok = false;
  o.event = cli.value(event).toInt(&ok);
  if (!ok || o.event < 0) {
    std::fprintf(stderr, "error: --event %s: expected an event number >= 0\n", qPrintable(cli.value(event)));
    return false;
  }
  return true;
}

// --open FILE [--compare FILE2] [--screenshot OUT]: a data file in its viewer; with a
// screenshot, batch rendering for papers and tests. Returns an exit code when done, -1 to go on.
int openViewer(tf::ui::MainWindow& win, const Options& o) {
  QWidget* view = o.compare.isEmpty() ? win.openDataFile(o.open, o.event, o.view)
                                      : win.openComparison(o.open, o.compare, o.event);
  if (!view) {
    std::fprintf(stderr, "error: %s\n", qPrintable(win.lastError()));
    return 4;
  }
  if (o.shot.isEmpty()) return -1;
  int code = 0;
  QTimer::singleShot(300, view, [view, out = o.shot, &code] {
    QApplication::processEvents();
    if (!view->grab().save(out)) {
      std::fprintf(stderr, "error: cannot write the picture to %s\n", qPrintable(out));
      code = 1;
    }
    QApplication::quit();
  });
  QApplication::exec();
  return code;
}

// Unsaved work from a session that ended without closing (a crash, a killed X session).
void offerRestore(tf::ui::MainWindow& win) {
  const QStringList pending = tf::ui::MainWindow::pendingAutosaves();
  if (pending.isEmpty() || !qEnvironmentVariableIsEmpty("TWINFORGE_NO_DIALOGS")) return;
  const auto answer = QMessageBox::question(
      &win, QStringLiteral("Restore unsaved work?"),
      QStringLiteral("TwinForge found unsaved changes from a session that did not close normally "
                     "(%1, %2). Restore them?")
          .arg(QFileInfo(pending.first()).fileName(), QFileInfo(pending.first()).lastModified().toString()),
      QMessageBox::Yes | QMessageBox::Discard | QMessageBox::Ignore);
  if (answer == QMessageBox::Yes)
    win.restoreAutosave(pending.first());
  else if (answer == QMessageBox::Discard)
    for (const QString& p : pending) {
      QFile::remove(p);
      QFile::remove(p + QStringLiteral(".source"));
    }
}

// --run and --screenshot: start the run, take the picture after it (or MS into it), quit.
void scheduleRunAndPicture(QApplication& app, tf::ui::MainWindow& win, const Options& o, int& rc) {
  auto snapshot = [&win, file = o.shot] {
    QApplication::processEvents();
    if (!win.grab().save(file)) qWarning("could not write screenshot %s", qPrintable(file));
  };
  if (o.run && o.shotAfterMs >= 0 && !o.shot.isEmpty()) {
    // A picture of the workbench while the pipeline runs (docs, bug reports).
    QTimer::singleShot(0, &win, [&win] { win.startRun(); });
    QTimer::singleShot(o.shotAfterMs, &app, [&win, snapshot] {
      snapshot();
      win.cancelRun();
      QApplication::quit();
    });
  } else if (o.run) {
    QObject::connect(&win, &tf::ui::MainWindow::runFinished, &app, [&rc, snapshot, shot = o.shot](int code) {
      rc = code;
      if (!shot.isEmpty()) {
        snapshot();
        QApplication::quit();
      }
    });
    QTimer::singleShot(0, &win, [&win] { win.startRun(); });
  } else if (!o.shot.isEmpty()) {
    QTimer::singleShot(300, &app, [snapshot] {
      snapshot();
      QApplication::quit();
    });
  }
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("TwinForge"));
  QApplication::setApplicationName(QStringLiteral("twinforge"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));
  Options o;
  if (!parseOptions(app, o)) return 2;
  if (!o.workspace.isEmpty()) {
    tf::ui::Preferences p = tf::ui::Preferences::load();
    p.workspace = QDir(o.workspace).absolutePath();
    p.save();
  }

  tf::Registry reg;
  const auto plugins = tf::loadAllComponents(reg);
  tf::ui::MainWindow win(reg);
  for (const auto& r : plugins)
    if (!r.ok)
      win.logPanel()->appendLine(QStringLiteral("Plugin %1 not loaded: %2")
                                     .arg(QString::fromStdString(r.file), QString::fromStdString(r.error)),
                                 true);
  if (!o.open.isEmpty())
    if (int code = openViewer(win, o); code >= 0) return code;
  win.show();

  int rc = 0;
  if (o.shot.isEmpty()) offerRestore(win);
  if (!o.files.isEmpty() && !win.openFile(o.files.first())) rc = 3;
  Options plan = o;
  plan.run = o.run && rc == 0;  // a file that did not open is not run
  scheduleRunAndPicture(app, win, plan, rc);
  const int loop = QApplication::exec();
  return rc != 0 ? rc : loop;
}
