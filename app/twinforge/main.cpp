// twinforge: the workbench GUI.
#include "EventLogPanel.h"
#include "MainWindow.h"
#include "PreferencesDialog.h"
#include "registry/Plugin.h"
#include "registry/Registry.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QSettings>
#include <QTimer>

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
  cli.addOptions({reset, workspace, run, shot});
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
  win.show();

  int rc = 0;
  const QStringList args = cli.positionalArguments();
  if (!args.isEmpty() && !win.openFile(args.first())) rc = 3;

  const QString shotFile = cli.value(shot);
  auto snapshot = [&win, shotFile] {
    QApplication::processEvents();
    if (!win.grab().save(shotFile)) qWarning("could not write screenshot %s", qPrintable(shotFile));
  };
  if (cli.isSet(run) && rc == 0) {
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
