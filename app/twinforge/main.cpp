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

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("TwinForge"));
  QApplication::setApplicationName(QStringLiteral("twinforge"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

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
  if (cli.isSet(workspace)) {
    tf::ui::Preferences p = tf::ui::Preferences::load();
    p.workspace = QDir(cli.value(workspace)).absolutePath();
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
  if (cli.isSet(open)) {
    // A data file in its viewer; with --screenshot, batch rendering for papers and tests.
    bool ok = false;
    const int n = cli.value(event).toInt(&ok);
    if (!ok || n < 0) {
      std::fprintf(stderr, "error: --event %s: expected an event number >= 0\n", qPrintable(cli.value(event)));
      return 2;
    }
    QWidget* view = cli.isSet(compare) ? win.openComparison(cli.value(open), cli.value(compare), n)
                                       : win.openDataFile(cli.value(open), n, cli.value(viewOpt));
    if (!view) {
      std::fprintf(stderr, "error: %s\n", qPrintable(win.lastError()));
      return 4;
    }
    if (cli.isSet(shot)) {
      const QString out = cli.value(shot);
      int code = 0;
      QTimer::singleShot(300, view, [view, out, &code] {
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
  }
  win.show();

  int rc = 0;
  const QStringList args = cli.positionalArguments();
  // Unsaved work from a session that ended without closing (a crash, a killed X session).
  const QStringList pending = tf::ui::MainWindow::pendingAutosaves();
  if (!pending.isEmpty() && qEnvironmentVariableIsEmpty("TWINFORGE_NO_DIALOGS") && !cli.isSet(shot)) {
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
  if (!args.isEmpty() && !win.openFile(args.first())) rc = 3;

  const QString shotFile = cli.value(shot);
  auto snapshot = [&win, shotFile] {
    QApplication::processEvents();
    if (!win.grab().save(shotFile)) qWarning("could not write screenshot %s", qPrintable(shotFile));
  };
  if (cli.isSet(run) && rc == 0 && cli.isSet(shotAfter) && !shotFile.isEmpty()) {
    // A picture of the workbench while the pipeline runs (docs, bug reports).
    const int ms = cli.value(shotAfter).toInt();
    QTimer::singleShot(0, &win, [&win] { win.startRun(); });
    QTimer::singleShot(ms, &app, [&] {
      snapshot();
      win.cancelRun();
      QApplication::quit();
    });
  } else if (cli.isSet(run) && rc == 0) {
    QObject::connect(&win, &tf::ui::MainWindow::runFinished, &app, [&](int code) {
      rc = code;
      if (!shotFile.isEmpty()) {
        snapshot();
        QApplication::quit();
      }
    });
    QTimer::singleShot(0, &win, [&win] { win.startRun(); });
  } else if (!shotFile.isEmpty()) {
    QTimer::singleShot(300, &app, [&] {
      snapshot();
      QApplication::quit();
    });
  }
  const int loop = QApplication::exec();
  return rc != 0 ? rc : loop;
}
