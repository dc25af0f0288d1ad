// The workbench window under a real display (Xvfb in CI): open the example, run it in a
// child twinforge-run, see every step finish; bad files keep the open document.
#include "TestSupport.h"
#include "exec/RunStore.h"

#include "ComponentPalette.h"
#include "EventLogPanel.h"
#include "MainWindow.h"
#include "PreferencesDialog.h"
#include "Inspector.h"
#include "RunController.h"
#include "StepListView.h"
#include "config/Node.h"

#include <QApplication>
#include <QLabel>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QFile>
#include <QProcess>
#include <QMimeData>
#include <QTreeWidgetItem>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using tf::ui::StepStatus;

class TestGui : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString write(const QString& name, const QByteArray& text) { return tftest::writeFile(tmp_, name, text); }

 private Q_SLOTS:
  void initTestCase() {
    QApplication::setOrganizationName("TwinForgeTest");
    QApplication::setApplicationName("test_gui");
    QSettings().clear();
    tf::ui::Preferences p = tf::ui::Preferences::load();
    p.workspace = tmp_.filePath("ws");
    p.threads = 2;
    p.save();
  }

  void paletteListsRegistryAndFilters() {
    tf::ui::MainWindow w(tftest::registry());
    QVERIFY(w.palette()->visibleComponentCount() >= 6);
    w.palette()->setFilter("mlptrainer");
    QCOMPARE(w.palette()->visibleComponentCount(), 1);
    w.palette()->setFilter("");
  }

  void opensExampleAndRunsIt() {
    tf::ui::MainWindow w(tftest::registry());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const QString file = tftest::source("resources/pipelines/mlp-regression.yaml");
    QVERIFY2(w.openFile(file), qPrintable(w.lastError()));
    QCOMPARE(w.stepList()->topLevelItemCount(), 5);
    QVERIFY(w.windowTitle().startsWith("mlp-regression.yaml"));
    QCOMPARE(w.properties()->valueOf("samples"), QStringLiteral("8192"));  // ${samples} resolved
    QVERIFY(w.recentFiles().contains(file));

    QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
    QVERIFY(w.startRun());
    QVERIFY(w.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(finished.at(0).at(0).toInt(), 0);
    for (const char* step : {"generate", "read", "split", "train", "save"})
      QVERIFY2(w.stepList()->status(step) == StepStatus::Done,
               qPrintable(QString(step) + ": " + w.stepList()->info(step)));
    QVERIFY(w.logPanel()->toPlainText().contains("[train] finished"));
    // The child ran twinforge-run with the workspace from the preferences.
    QVERIFY(w.runController()->lastArguments().contains(tmp_.filePath("ws")));
    QVERIFY(QFile::exists(w.runController()->runDir() + "/events.jsonl"));
  }

  void runsWithTwoProcesses() {
    tf::ui::MainWindow w(tftest::registry());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.openFile(tftest::source("resources/pipelines/mlp-regression.yaml")));
    w.processesBox()->setValue(2);
    QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
    QVERIFY(w.startRun());
    QVERIFY(!w.processesBox()->isEnabled());  // fixed while the run goes
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(finished.at(0).at(0).toInt(), 0);
    QVERIFY(w.processesBox()->isEnabled());
    const QStringList args = w.runController()->lastArguments();
    QVERIFY(args.contains("--nproc") && args.at(args.indexOf("--nproc") + 1) == "2");
    for (const char* step : {"generate", "read", "split", "train", "save"})
      QVERIFY2(w.stepList()->status(step) == StepStatus::Done, step);
    QVERIFY2(w.logPanel()->toPlainText().contains("data parallel over 2 ranks"), qPrintable(w.logPanel()->toPlainText()));
    QFile tag(w.runController()->runDir() + "/tags/twinforge.world_size");
    QVERIFY(tag.open(QIODevice::ReadOnly));
    QCOMPARE(tag.readAll(), QByteArray("2"));
    // Remembered for the next window.
    tf::ui::MainWindow again(tftest::registry());
    QCOMPARE(again.processesBox()->value(), 2);
    w.processesBox()->setValue(1);
  }

  void doubleClickedStepOpensItsDataInAViewer() {
    tf::ui::MainWindow w(tftest::registry());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.openFile(tftest::source("resources/pipelines/calo-toymc.yaml")));
    QVERIFY(!w.openStepOutput("showers"));  // nothing run yet
    QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
    QVERIFY(w.startRun());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(finished.at(0).at(0).toInt(), 0);
    QTreeWidgetItem* item = w.stepList()->topLevelItem(0);
    QCOMPARE(item->text(0), QString("showers"));
    const int before = QApplication::topLevelWidgets().size();
    Q_EMIT w.stepList()->itemDoubleClicked(item, 0);
    QTRY_COMPARE(QApplication::topLevelWidgets().size(), before + 1);
    QWidget* viewer = nullptr;
    for (QWidget* t : QApplication::topLevelWidgets())
      if (t->windowTitle().contains("calo-toy.h5")) viewer = t;
    QVERIFY2(viewer, "no viewer window for calo-toy.h5");
    QVERIFY(viewer->isVisible());
    viewer->close();
  }

  // (helpers, not test functions)
 private:
  // Runs a one-step pipeline in the workbench, double-clicks the step and returns the viewer
  // window that opened on `file` (its title names it); fails the test (check
  // QTest::currentTestFailed()) when the run or the viewer does not come.
  QWidget* viewerOfFirstStep(tf::ui::MainWindow& w, const QString& yaml, const QString& file) {
    w.show();
    if (!QTest::qWaitForWindowExposed(&w) || !w.openFile(yaml)) {
      QTest::qFail("the pipeline did not open", __FILE__, __LINE__);
      return nullptr;
    }
    QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
    [&] {
      QVERIFY(w.startRun());
      QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
      QCOMPARE(finished.at(0).at(0).toInt(), 0);
    }();
    if (QTest::currentTestFailed()) return nullptr;
    const int before = QApplication::topLevelWidgets().size();
    Q_EMIT w.stepList()->itemDoubleClicked(w.stepList()->topLevelItem(0), 0);
    [&] { QTRY_COMPARE(QApplication::topLevelWidgets().size(), before + 1); }();
    for (QWidget* t : QApplication::topLevelWidgets())
      if (t->windowTitle().contains(file)) return t;
    QTest::qFail(qPrintable("no viewer window for " + file), __FILE__, __LINE__);
    return nullptr;
  }

  static bool hasChildOfClass(QWidget* w, const char* className) {
    for (QWidget* c : w->findChildren<QWidget*>())
      if (QByteArray(c->metaObject()->className()) == className) return true;
    return false;
  }

 private Q_SLOTS:
  void doubleClickedFieldsStepOpensTheFieldViewer() {
    if (!tftest::registry().find("cyclone.Synthetic")) QSKIP("the cyclone plugin was not built (no libnetcdf)");
    QTemporaryDir dir;
    const QString yaml = tftest::writeFile(dir, "fields.yaml", R"(
fields:
  steps:
    generate: {_target_: cyclone.Synthetic, file: data/gui-fields.nc, days: 1, cyclones: 2, lat_min: 0, lat_max: 30, lon_min: 120, lon_max: 170, resolution: 0.5}
)");
    tf::ui::MainWindow w(tftest::registry());
    QWidget* viewer = viewerOfFirstStep(w, yaml, "gui-fields.nc");
    if (QTest::currentTestFailed()) return;
    QVERIFY(hasChildOfClass(viewer, "tf::viewers::FieldMap"));  // the cyclone field viewer's map, not another viewer
    if (qEnvironmentVariableIsSet("TF_KEEP_SHOTS")) viewer->grab().save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/gui-fields.png");
    viewer->close();
  }

  void doubleClickedStrainStepOpensTheStrainViewer() {
    if (!tftest::registry().find("gw.Synthetic")) QSKIP("the GW plugin was not built (no FFTW)");
    QTemporaryDir dir;
    const QString yaml = tftest::writeFile(dir, "strain.yaml", R"(
strain:
  steps:
    generate: {_target_: gw.Synthetic, file: data/gui-strain.hdf5, rate: 1024, duration: 32, chirps_per_minute: 4}
)");
    tf::ui::MainWindow w(tftest::registry());
    QWidget* viewer = viewerOfFirstStep(w, yaml, "gui-strain.hdf5");
    if (QTest::currentTestFailed()) return;
    QVERIFY(hasChildOfClass(viewer, "tf::viewers::TracePlot"));  // the strain viewer, not the generic HDF5 or shower one
    viewer->close();
  }

  void doubleClickedValidationStepOpensItsReport() {
    QTemporaryDir dir;
    const QString yaml = tftest::writeFile(dir, "validate.yaml", R"(
validation:
  steps:
    mc: {_target_: calo.ToyMC, file: data/gui-mc-a.h5, events: 24, seed: 1}
    other: {_target_: calo.ToyMC, file: data/gui-mc-b.h5, events: 24, seed: 2}
    validate:
      _target_: calo.Validate
      inputs: {generated: other.path, reference: mc.path}
      energy_bins: [10, 100, 200]
)");
    tf::ui::MainWindow w(tftest::registry());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.openFile(yaml));
    QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
    QVERIFY(w.startRun());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(finished.at(0).at(0).toInt(), 0);
    QTreeWidgetItem* item = w.stepList()->topLevelItem(2);
    QCOMPARE(item->text(0), QString("validate"));
    Q_EMIT w.stepList()->itemDoubleClicked(item, 0);
    QWidget* report = nullptr;
    QTRY_VERIFY([&] {
      for (QWidget* t : QApplication::topLevelWidgets())
        if (t->isVisible() && t->windowTitle().contains("report view")) report = t;
      return report != nullptr;
    }());
    // The summary names the score and both energy bins; one tab per plot (all, layers, 2 bins).
    auto* summary = report->findChild<QLabel*>();
    QVERIFY(summary && summary->text().contains("Score") && summary->text().contains("10–100 GeV"));
    auto* tabs = report->findChild<QTabWidget*>();
    QVERIFY(tabs);
    QCOMPARE(tabs->count(), 4);
    auto* plot = tabs->widget(0)->findChild<QLabel*>();
    QVERIFY(plot && !plot->pixmap().isNull() && plot->pixmap().width() > 800);
    report->close();
  }

  void droppedFilesOpen() {
    tf::ui::MainWindow w(tftest::registry());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(tftest::source("resources/pipelines/mlp-regression.yaml"))});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &drop);
    QVERIFY(w.currentFile().endsWith("mlp-regression.yaml"));
    QCOMPARE(w.stepList()->topLevelItemCount(), 5);
    // A data file that cannot be read: the message is shown, the pipeline stays open.
    const QString bad = write("broken.h5", "not hdf5");
    mime.setUrls({QUrl::fromLocalFile(bad)});
    QDragEnterEvent enter2(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter2);
    QDropEvent drop2(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &drop2);
    QVERIFY2(w.lastError().contains("broken.h5"), qPrintable("last error: " + w.lastError()));
    QVERIFY(w.currentFile().endsWith("mlp-regression.yaml"));
  }

  void failedStepShowsRedWithMessage() {
    tf::ui::MainWindow w(tftest::registry());
    const QString file =
        write("fails.yaml", "p:\n  steps:\n    - {_target_: core.HDF5Reader, file: /no/such/data.h5}\n");
    QVERIFY(w.openFile(file));
    QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
    QVERIFY(w.startRun());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QCOMPARE(finished.at(0).at(0).toInt(), 1);
    QCOMPARE(w.stepList()->status("hdf5_reader"), StepStatus::Failed);
    QVERIFY2(w.stepList()->info("hdf5_reader").contains("/no/such/data.h5': no such file"),
             qPrintable(w.stepList()->info("hdf5_reader")));
  }

  void cancelStopsTheRunAndSaysSo() {
    // The child twinforge-run needs the test plugin for test.Slow.
    qputenv("TWINFORGE_PLUGIN_PATH", TF_TEST_PLUGIN_DIR);
    tf::ui::MainWindow w(tftest::registry());
    QVERIFY(w.openFile(write("slow.yaml", "p:\n  steps:\n    - {_target_: test.Slow, milliseconds: 60000}\n")));
    QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
    QVERIFY(w.startRun());
    QTRY_COMPARE_WITH_TIMEOUT(w.stepList()->status("slow"), StepStatus::Running, 30000);
    w.cancelRun();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);  // far less than the step's minute
    QCOMPARE(finished.at(0).at(0).toInt(), 130);
    QCOMPARE(w.stepList()->status("slow"), StepStatus::Cancelled);
    QVERIFY(!w.isRunning());
    const auto run = tf::RunStore::readRun(w.runController()->runDir().toStdString());
    QVERIFY(run && run->status == tf::RunStore::Status::Killed);
    qunsetenv("TWINFORGE_PLUGIN_PATH");
  }

  // The runner killed from outside (the OOM killer, a user's kill -9) at each step in turn:
  // the window lives, says so, marks that step failed and keeps the document.
  void killedRunnerAtAnyStepIsReported() {
    qputenv("TWINFORGE_PLUGIN_PATH", TF_TEST_PLUGIN_DIR);
    tf::ui::MainWindow w(tftest::registry());
    const QStringList steps{"a", "b", "c"};
    for (int k = 0; k < steps.size(); ++k) {
      // The steps before k finish at once; k would run for half a minute.
      QByteArray yaml = "p:\n  steps:\n";
      for (int i = 0; i < steps.size(); ++i)
        yaml += "    - {_target_: test.Slow, _name_: " + steps[i].toUtf8() +
                ", milliseconds: " + (i < k ? "50" : "30000") + "}\n";
      const QString file = write(QStringLiteral("kill-%1.yaml").arg(k), yaml);
      QVERIFY(w.openFile(file));
      const std::string before = tf::cfg::toYaml(w.document()->raw);
      QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
      QVERIFY(w.startRun());
      QTRY_COMPARE_WITH_TIMEOUT(w.stepList()->status(steps[k]), StepStatus::Running, 60000);
      const int pid = w.runController()->jobId().toInt();
      QVERIFY(pid > 0);
      QCOMPARE(::kill(pid, SIGKILL), 0);
      QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
      QCOMPARE(finished.at(0).at(0).toInt(), -1);
      QVERIFY(!w.isRunning());
      QCOMPARE(w.stepList()->status(steps[k]), StepStatus::Failed);
      QVERIFY2(w.stepList()->info(steps[k]).contains("crashed"), qPrintable(w.stepList()->info(steps[k])));
      for (int i = 0; i < k; ++i) QCOMPARE(w.stepList()->status(steps[i]), StepStatus::Done);
      for (int i = k + 1; i < steps.size(); ++i) QCOMPARE(w.stepList()->status(steps[i]), StepStatus::Idle);
      QCOMPARE(w.currentFile(), file);
      QCOMPARE(tf::cfg::toYaml(w.document()->raw), before);
      if (k == 1 && qEnvironmentVariableIsSet("TWINFORGE_TEST_SHOTS")) {
        w.resize(1100, 700);
        w.show();
        QCoreApplication::processEvents();
        w.grab().save(qEnvironmentVariable("TWINFORGE_TEST_SHOTS") + "/killed-run.png");
      }
    }
    qunsetenv("TWINFORGE_PLUGIN_PATH");
  }

  void badFilesKeepTheDocument() {
    tf::ui::MainWindow w(tftest::registry());
    const QString good = tftest::source("resources/pipelines/mlp-regression.yaml");
    QVERIFY(w.openFile(good));
    const std::string before = tf::cfg::toYaml(w.document()->raw);
    QVERIFY(!w.openFile(write("broken.yaml", "p:\n  steps: [\n")));
    QVERIFY2(w.lastError().contains("broken.yaml:") && w.lastError().contains("malformed YAML"),
             qPrintable(w.lastError()));
    QCOMPARE(w.currentFile(), good);
    QCOMPARE(tf::cfg::toYaml(w.document()->raw), before);
    QCOMPARE(w.stepList()->topLevelItemCount(), 5);
    QVERIFY(!w.openFile(tmp_.filePath("does-not-exist.yaml")));
    QCOMPARE(w.currentFile(), good);
    // Nested aliases that would need ~40 GB: refused with the file's name, document kept.
    const std::string laughs = tftest::nestedAliases() + "p:\n  steps: []\n";
    QVERIFY(!w.openFile(write("laughs.yaml", QByteArray::fromStdString(laughs))));
    QVERIFY2(w.lastError().contains("laughs.yaml:") && w.lastError().contains("YAML aliases"), qPrintable(w.lastError()));
    QCOMPARE(w.currentFile(), good);
    QCOMPARE(tf::cfg::toYaml(w.document()->raw), before);
    // A data file that crashes HDF5 itself (found by fuzz_h5_info): refused, the window lives.
    QVERIFY(!w.openFile(tftest::source("tests/fixtures/damaged/hdf5-null-deref.h5")));
    QVERIFY2(w.lastError().contains("crashed with signal") && w.lastError().contains("damaged"),
             qPrintable(w.lastError()));
    // TWINFORGE_TEST_SHOTS=DIR keeps a picture of what the user sees, for looking at it.
    if (qEnvironmentVariableIsSet("TWINFORGE_TEST_SHOTS")) {
      w.resize(1100, 700);
      w.show();
      QCoreApplication::processEvents();
      w.grab().save(qEnvironmentVariable("TWINFORGE_TEST_SHOTS") + "/damaged-file.png");
    }
    QCOMPARE(w.currentFile(), good);
    QCOMPARE(tf::cfg::toYaml(w.document()->raw), before);
  }

  void unknownComponentsOpenAsPlaceholders() {
    tf::ui::MainWindow w(tftest::registry());
    const QString file = write("itwinai.yaml",
                               "training_pipeline:\n  _target_: itwinai.pipeline.Pipeline\n  steps:\n"
                               "    - _target_: itwinai.torch.trainer.TorchTrainer\n      epochs: 2\n");
    QVERIFY(w.openFile(file));
    QCOMPARE(w.stepList()->status("torch_trainer"), StepStatus::Unknown);
    QVERIFY(!w.startRun());  // not runnable, says why instead
    QVERIFY(w.lastError().isEmpty());
  }

  void invalidParametersAreMarked() {
    tf::ui::MainWindow w(tftest::registry());
    QVERIFY(
        w.openFile(write("invalid.yaml", "p:\n  steps:\n    - {_target_: synthetic.RegressionSet, samples: 1.5}\n")));
    QCOMPARE(w.stepList()->status("regression_set"), StepStatus::Invalid);
    QVERIFY2(w.stepList()->info("regression_set").startsWith("samples: expected an integer >= 2, got 1.5"),
             qPrintable(w.stepList()->info("regression_set")));
    QCOMPARE(w.properties()->valueOf("samples"), QStringLiteral("1.5"));
  }

  void saveAsRoundTrips() {
    tf::ui::MainWindow w(tftest::registry());
    QVERIFY(w.openFile(tftest::source("resources/pipelines/mlp-regression.yaml")));
    const QString out = tmp_.filePath("saved.yaml");
    QVERIFY(w.saveAs(out));
    QCOMPARE(w.currentFile(), out);
    tf::ui::MainWindow w2(tftest::registry());
    QVERIFY(w2.openFile(out));
    QVERIFY(w2.document()->raw == w.document()->raw);
    QVERIFY(w2.save());
    QFile a(out);
    QVERIFY(a.open(QIODevice::ReadOnly));
    // What was opened, comment header included, is what is written.
    QFile src(tftest::source("resources/pipelines/mlp-regression.yaml"));
    QVERIFY(src.open(QIODevice::ReadOnly));
    const QString saved = QString::fromUtf8(a.readAll());
    QVERIFY(saved.startsWith("# Train a small MLP"));
    QVERIFY(saved.endsWith(QString::fromStdString(tf::cfg::toYaml(w.document()->raw))));
  }

  void preferencesPersistAndResetClearsThem() {
    tf::ui::Preferences p = tf::ui::Preferences::load();
    QCOMPARE(p.workspace, tmp_.filePath("ws"));
    QCOMPARE(p.threads, 2);
    // The real program with --reset-settings forgets them (it shares this test's settings file).
    QProcess proc;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    proc.setProcessEnvironment(env);
    QSettings probe("TwinForge", "twinforge");
    probe.setValue("prefs/threads", 7);
    probe.sync();
    proc.start(tftest::bin("twinforge"), {"--reset-settings", "--screenshot", tmp_.filePath("shot.png")});
    QVERIFY(proc.waitForFinished(60000));
    QCOMPARE(proc.exitCode(), 0);
    QVERIFY(QFile::exists(tmp_.filePath("shot.png")));
    QSettings after("TwinForge", "twinforge");
    QVERIFY(!after.contains("prefs/threads"));
  }
};

QTEST_MAIN(TestGui)
#include "test_gui.moc"
