// The pipeline canvas under a real display (Xvfb in CI): a pipeline is built from the palette by
// drag and drop and mouse drags between ports, a parameter is edited in the inspector, undone
// and redone, saved, reloaded (identical YAML), and run in a child twinforge-run until every
// node is done and the loss chart has its points; the runs browser then shows the run.
#include "TestSupport.h"

#include "ComponentPalette.h"
#include "Inspector.h"
#include "MainWindow.h"
#include "MetricsChart.h"
#include "PipelineCanvas.h"
#include "PipelineEditor.h"
#include "PreferencesDialog.h"
#include "RunController.h"
#include "RunsBrowser.h"
#include "pipeline/Document.h"

#include <QApplication>
#include <QClipboard>
#include <QDropEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QUndoStack>
#include <QtTest>

using tf::StepStatus;

namespace {

QString readFile(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

// Drops a component from the palette onto the canvas at `pos` (viewport coordinates): the
// payload is the one the palette's own drag produces.
bool dropFromPalette(tf::ui::MainWindow& w, const QString& classPath, QPoint pos) {
  QTreeWidget* tree = w.palette()->tree();
  QModelIndex found;
  for (int g = 0; g < tree->topLevelItemCount() && !found.isValid(); ++g)
    for (int i = 0; i < tree->topLevelItem(g)->childCount(); ++i)
      if (tree->topLevelItem(g)->child(i)->data(0, Qt::UserRole).toString() == classPath) {
        found = tree->model()->index(i, 0, tree->model()->index(g, 0));
        break;
      }
  if (!found.isValid()) return false;
  std::unique_ptr<QMimeData> mime(tree->model()->mimeData({found}));
  if (!mime) return false;
  QWidget* vp = w.canvas()->viewport();
  QDragEnterEvent enter(pos, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(vp, &enter);
  if (!enter.isAccepted()) return false;
  QDragMoveEvent move(pos, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(vp, &move);
  QDropEvent drop(pos, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(vp, &drop);
  return drop.isAccepted();
}

// Drags with the mouse from one output port to an input port.
void dragLink(tf::ui::PipelineCanvas* c, const QString& from, const QString& out, const QString& to, const QString& in) {
  const QPoint a = c->portPosition(from, out, true), b = c->portPosition(to, in, false);
  QVERIFY2(!a.isNull() && !b.isNull(), qPrintable(from + "." + out + " -> " + to + "." + in));
  QTest::mousePress(c->viewport(), Qt::LeftButton, {}, a);
  QTest::mouseMove(c->viewport(), (a + b) / 2);
  QTest::mouseMove(c->viewport(), b);
  QTest::mouseRelease(c->viewport(), Qt::LeftButton, {}, b);
}

bool hasLink(const tf::ui::MainWindow& w, const tf::Graph::Link& l) {
  const auto& links = w.editor()->document().graph().links();
  return std::find(links.begin(), links.end(), l) != links.end();
}

}  // namespace

class TestCanvas : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void initTestCase() {
    qputenv("TWINFORGE_NO_DIALOGS", "1");
    QApplication::setOrganizationName("TwinForgeTest");
    QApplication::setApplicationName("test_canvas");
    QSettings().clear();
    QStandardPaths::setTestModeEnabled(true);
    tf::ui::Preferences p = tf::ui::Preferences::load();
    p.workspace = tmp_.filePath("ws");
    p.threads = 2;
    p.save();
  }

  void buildEditSaveReloadAndRun() {
    tf::ui::MainWindow w(tftest::registry());
    w.resize(1500, 950);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.newPipeline(true));
    tf::ui::PipelineCanvas* c = w.canvas();
    QCOMPARE(c->nodeItem("regression_set"), nullptr);

    // Four components dragged from the palette, left to right.
    const int y = c->viewport()->height() / 3;
    QVERIFY(dropFromPalette(w, "synthetic.RegressionSet", QPoint(130, y)));
    QVERIFY(dropFromPalette(w, "core.HDF5Reader", QPoint(130, y + 170)));
    QVERIFY(dropFromPalette(w, "core.TrainValSplit", QPoint(420, y + 170)));
    QVERIFY(dropFromPalette(w, "core.MLPTrainer", QPoint(420, y)));
    QCOMPARE(int(w.editor()->document().graph().nodes().size()), 4);
    QVERIFY(w.isModified());
    QVERIFY(w.windowTitle().contains("[*]") && w.isWindowModified());
    // Connected by dragging between ports.
    dragLink(c, "regression_set", "path", "hdf5_reader", "path");
    dragLink(c, "hdf5_reader", "dataset", "train_val_split", "dataset");
    dragLink(c, "train_val_split", "train", "mlp_trainer", "train");
    dragLink(c, "train_val_split", "val", "mlp_trainer", "val");
    QVERIFY(hasLink(w, {"regression_set", "path", "hdf5_reader", "path"}));
    QVERIFY(hasLink(w, {"train_val_split", "val", "mlp_trainer", "val"}));
    QCOMPARE(c->linkCount(), 4);
    // A refused link (a Model into a Dataset input) changes nothing and says why.
    const int undoBefore = w.editor()->undoStack()->count();
    dragLink(c, "train_val_split", "train", "hdf5_reader", "path");
    QCOMPARE(w.editor()->undoStack()->count(), undoBefore);
    // A link dragged into empty space offers compatible components; picking one adds it, linked.
    qputenv("TWINFORGE_TEST_PICK", "core.ModelSaver");
    const QPoint from = c->portPosition("mlp_trainer", "model", true);
    QTest::mousePress(c->viewport(), Qt::LeftButton, {}, from);
    QTest::mouseMove(c->viewport(), from + QPoint(120, 10));
    QTest::mouseRelease(c->viewport(), Qt::LeftButton, {}, from + QPoint(140, 10));
    qunsetenv("TWINFORGE_TEST_PICK");
    QVERIFY(c->componentsAccepting("Model").contains("core.ModelSaver"));
    QVERIFY(!c->componentsAccepting("Model").contains("core.HDF5Reader"));
    QVERIFY(hasLink(w, {"mlp_trainer", "model", "model_saver", "model"}));

    // Parameters in the inspector, selected by clicking the node.
    QTest::mouseClick(c->viewport(), Qt::LeftButton, {}, c->nodeCenter("regression_set"));
    QCOMPARE(c->selectedSteps(), QStringList{"regression_set"});
    QCOMPARE(w.properties()->step(), QStringLiteral("regression_set"));
    QVERIFY(w.properties()->edit("samples", "600"));
    QVERIFY(w.properties()->edit("file", "data/canvas-built.h5"));
    QTest::mouseClick(c->viewport(), Qt::LeftButton, {}, c->nodeCenter("mlp_trainer"));
    QCOMPARE(w.properties()->step(), QStringLiteral("mlp_trainer"));
    // Validation as you type: a bad value is refused with the schema's words, not written.
    QVERIFY(!w.properties()->edit("epochs", "-2"));
    QVERIFY2(w.properties()->messageFor("epochs").contains(">= 1") ||
                 w.properties()->messageFor("epochs").contains("integer"),
             qPrintable(w.properties()->messageFor("epochs")));
    QVERIFY(!w.editor()->document().rawArguments("mlp_trainer")->find("epochs"));
    QVERIFY(w.properties()->edit("epochs", "3"));
    QVERIFY(w.properties()->messageFor("epochs").isEmpty());
    QVERIFY(w.properties()->edit("model.hidden", "[16, 16]"));
    QCOMPARE(w.properties()->valueOf("epochs"), QStringLiteral("3"));
    QVERIFY2(w.editor()->document().loaded().runnable(), w.editor()->document().loaded().diagnostics.str().c_str());

    // Undo and redo, through the Edit menu's actions.
    QUndoStack* undo = w.editor()->undoStack();
    const std::string built = w.editor()->document().yaml();
    undo->undo();  // model.hidden
    undo->undo();  // epochs
    QVERIFY(!w.editor()->document().rawArguments("mlp_trainer")->find("epochs"));
    QCOMPARE(w.properties()->valueOf("epochs"), QStringLiteral("20"));  // the default again
    undo->redo();
    undo->redo();
    QCOMPARE(w.editor()->document().yaml(), built);
    // The text view follows every edit.
    QCOMPARE(w.editor()->textView()->toPlainText().toStdString(), built);

    // Save, reload: the same YAML, byte for byte.
    const QString file = tmp_.filePath("built.yaml");
    QVERIFY(w.saveAs(file));
    QVERIFY(!w.isModified());
    QCOMPARE(readFile(file).toStdString(), built);
    {
      tf::ui::MainWindow w2(tftest::registry());
      QVERIFY2(w2.openFile(file), qPrintable(w2.lastError()));
      QCOMPARE(w2.editor()->document().yaml(), built);
      QVERIFY(w2.save());
      QCOMPARE(readFile(file).toStdString(), built);
      QCOMPARE(int(w2.editor()->document().graph().links().size()), 5);
    }

    // Run: every node reaches done, the loss chart fills while it goes.
    QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
    QVERIFY(w.startRun());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 180000);
    QCOMPARE(finished.at(0).at(0).toInt(), 0);
    for (const char* step : {"regression_set", "hdf5_reader", "train_val_split", "mlp_trainer", "model_saver"})
      QVERIFY2(c->status(step) == StepStatus::Done, step);
    QVERIFY2(w.metricsChart()->seriesNames().contains("train_loss"),
             qPrintable(w.metricsChart()->seriesNames().join(",")));
    QCOMPARE(w.metricsChart()->pointCount("train_loss"), 3);
    QVERIFY(w.metricsChart()->pointCount("val_loss") >= 3);
    // The finished run is in the runs browser, selected.
    tf::ui::RunsBrowser* rb = w.runsBrowser();
    QCOMPARE(rb->selectedRunIds(), QStringList{w.runController()->runId()});
    QVERIFY(rb->visibleRows() >= 1);

    // Run up to the split: only the steps it depends on run.
    c->selectSteps({"train_val_split"});
    QVERIFY(w.runUpToSelected());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
    QCOMPARE(finished.at(1).at(0).toInt(), 0);
    QCOMPARE(c->status("train_val_split"), StepStatus::Done);
    QCOMPARE(c->status("mlp_trainer"), StepStatus::Idle);
    QVERIFY(w.runController()->lastArguments().contains("regression_set,hdf5_reader,train_val_split"));
  }

  void paletteGroupsByPluginInPipelineOrder() {
    // core's groups first; each plugin's groups together, data before training before
    // validation, its itwinai class paths last.
    tf::ui::MainWindow w(tftest::registry());
    QTreeWidget* tree = w.palette()->tree();
    QStringList groups;
    for (int g = 0; g < tree->topLevelItemCount(); ++g) groups << tree->topLevelItem(g)->text(0);
    QVERIFY2(groups.size() > 10 && groups.first() == QStringLiteral("core · Data"), qPrintable(groups.join(", ")));
    QStringList pluginsSeen;
    for (int i = 0; i < groups.size(); ++i) {
      const QString plugin = groups[i].section(QStringLiteral(" · "), 0, 0);
      if (pluginsSeen.isEmpty() || pluginsSeen.last() != plugin) {
        QVERIFY2(!pluginsSeen.contains(plugin), qPrintable(plugin + " split: " + groups.join(", ")));
        pluginsSeen << plugin;
      }
      if (groups[i].endsWith(QStringLiteral(" · itwinai")) && i + 1 < groups.size())
        QVERIFY2(!groups[i + 1].startsWith(plugin + " · "), qPrintable(groups.join(", ")));
    }
    for (const QString& plugin : pluginsSeen) {
      const auto data = groups.indexOf(plugin + " · Data"), training = groups.indexOf(plugin + " · Training"),
                 validation = groups.indexOf(plugin + " · Validation");
      if (data >= 0 && training >= 0) QVERIFY2(data < training, qPrintable(groups.join(", ")));
      if (training >= 0 && validation >= 0) QVERIFY2(training < validation, qPrintable(groups.join(", ")));
    }
  }

  void runsBrowserListsFiltersComparesAndDeletes() {
    tf::ui::RunsBrowser rb;
    rb.setWorkspace(tmp_.filePath("ws"));
    QVERIFY(rb.runs().size() >= 2);  // from the test above
    const QString id = rb.runs().back().id;
    rb.setFilter("no-such-run");
    QCOMPARE(rb.visibleRows(), 0);
    rb.setFilter("finished");
    QVERIFY(rb.visibleRows() >= 2);
    rb.setFilter({});
    rb.selectRuns({id});
    QCOMPARE(rb.selectedRunIds(), QStringList{id});
    rb.compareSelected();
    QVERIFY(!rb.chart()->seriesNames().isEmpty());
    const int n = rb.runs().size();
    QVERIFY(rb.deleteSelected(false));
    QCOMPARE(int(rb.runs().size()), n - 1);
  }

  void movesAreUndoableAndSaved() {
    tf::ui::MainWindow w(tftest::registry());
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.openFile(tftest::source("resources/pipelines/mlp-regression.yaml")));
    QVERIFY(!w.editor()->document().hasLayout());
    tf::ui::PipelineCanvas* c = w.canvas();
    const auto before = w.editor()->document().positions().at("train");
    const QPoint p = c->nodeCenter("train");
    QTest::mousePress(c->viewport(), Qt::LeftButton, {}, p);
    QTest::mouseMove(c->viewport(), p + QPoint(20, 30));
    QTest::mouseMove(c->viewport(), p + QPoint(40, 60));
    QTest::mouseRelease(c->viewport(), Qt::LeftButton, {}, p + QPoint(40, 60));
    const auto after = w.editor()->document().positions().at("train");
    QVERIFY2(after.y > before.y + 10, qPrintable(QString("%1 -> %2").arg(before.y).arg(after.y)));
    QVERIFY(w.editor()->document().hasLayout());
    QVERIFY(w.isModified());
    w.editor()->undoStack()->undo();
    QVERIFY(!w.editor()->document().hasLayout());
    QVERIFY(!w.isModified());
    // Delete and undo.
    c->selectSteps({"split"});
    QTest::keyClick(c, Qt::Key_Delete);
    QVERIFY(!w.editor()->document().graph().node("split"));
    w.editor()->undoStack()->undo();
    QVERIFY(w.editor()->document().graph().node("split"));
    // Wheel zoom and fit.
    const double z = c->zoom();
    c->zoomBy(1.5);
    QVERIFY(c->zoom() > z);
    c->zoomToFit();
    QVERIFY(c->zoom() <= 1.25);
  }

  void textViewAppliesValidYamlOnly() {
    tf::ui::MainWindow w(tftest::registry());
    QVERIFY(w.openFile(tftest::source("resources/pipelines/mlp-regression.yaml")));
    QPlainTextEdit* text = w.editor()->textView();
    QString yaml = text->toPlainText();
    yaml.replace("samples: 8192", "samples: 1000");
    text->setPlainText(yaml);
    QTRY_VERIFY(w.editor()->document().raw().find("samples")->text() == "1000");
    QVERIFY(w.isModified());
    text->setPlainText("training_pipeline: [\n");
    QTRY_VERIFY(!w.editor()->textError().isEmpty());
    QCOMPARE(w.editor()->document().raw().find("samples")->text(), std::string("1000"));  // kept
    w.editor()->undoStack()->undo();
    QCOMPARE(w.editor()->document().raw().find("samples")->text(), std::string("8192"));
  }

  void copyPasteBetweenWindows() {
    tf::ui::MainWindow a(tftest::registry()), b(tftest::registry());
    QVERIFY(a.openFile(tftest::source("resources/pipelines/mlp-regression.yaml")));
    a.canvas()->selectSteps({"split", "train"});
    a.editor()->copySelection();
    QVERIFY(QApplication::clipboard()->text().contains("twinforge_steps:"));
    QVERIFY(b.newPipeline(true));
    QVERIFY(b.editor()->paste());
    QCOMPARE(b.canvas()->selectedSteps(), (QStringList{"split", "train"}));
    QVERIFY(hasLink(b, {"split", "train", "train", "train"}));
    // Duplicate within a window.
    a.editor()->duplicateSelection();
    QVERIFY(a.editor()->document().graph().node("train_2"));
    QApplication::clipboard()->setText("not steps");
    QVERIFY(!b.editor()->paste());  // says why, changes nothing
  }

  void autosaveRestoresUnsavedWork() {
    for (const QString& f : tf::ui::MainWindow::pendingAutosaves()) QFile::remove(f);
    QString yaml;
    {
      tf::ui::MainWindow w(tftest::registry());
      QVERIFY(w.openFile(tftest::source("resources/pipelines/mlp-regression.yaml")));
      QVERIFY(w.editor()->setParam("train", "epochs", tf::cfg::Node::scalar("7")));
      w.writeAutosave();
      yaml = QString::fromStdString(w.editor()->document().yaml());
      QCOMPARE(tf::ui::MainWindow::pendingAutosaves().size(), 1);
      // A crash: the window goes without closeEvent, the autosave stays.
    }
    const QStringList pending = tf::ui::MainWindow::pendingAutosaves();
    QCOMPARE(pending.size(), 1);
    tf::ui::MainWindow w(tftest::registry());
    QVERIFY(w.restoreAutosave(pending.first()));
    QCOMPARE(QString::fromStdString(w.editor()->document().yaml()), yaml);
    QVERIFY(w.isModified());
    QCOMPARE(w.currentFile(), tftest::source("resources/pipelines/mlp-regression.yaml"));
    w.close();  // closed on purpose: nothing left to restore
    QVERIFY(tf::ui::MainWindow::pendingAutosaves().isEmpty());
  }

  void placeholdersSaveUnchanged() {
    tf::ui::MainWindow w(tftest::registry());
    const QString src = tftest::source("tests/fixtures/itwinai-hydra.yaml");
    QVERIFY(w.openFile(src));
    const std::string loaded = w.editor()->document().yaml();
    bool placeholder = false;
    for (const auto& n : w.editor()->document().graph().nodes()) placeholder = placeholder || !n.info;
    QVERIFY(placeholder);
    const QString out = tmp_.filePath("hydra-copy.yaml");
    QVERIFY(w.saveAs(out));
    tf::ui::MainWindow w2(tftest::registry());
    QVERIFY(w2.openFile(out));
    QVERIFY(w2.document()->raw == w.document()->raw);
    QCOMPARE(readFile(out).toStdString(), loaded);
  }

  void examplesOfEveryPlugin() {
    const auto examples = tf::ui::MainWindow::examplePipelines(tftest::registry());
    QStringList plugins;
    for (const auto& e : examples) plugins << e.first;
    QVERIFY2(plugins.contains("calo") && plugins.contains("synthetic"), qPrintable(plugins.join(",")));
    tf::ui::MainWindow w(tftest::registry());
    for (const auto& e : examples)
      if (e.second.endsWith("calo-3dgan.yaml")) QVERIFY(w.newFromExample(e.second));
    QCOMPARE(int(w.editor()->document().graph().nodes().size()), 8);
    QVERIFY(w.currentFile().isEmpty());  // a copy: the shipped example is never overwritten
    QVERIFY(w.isModified());
    QVERIFY(!w.startRun());  // untitled: save first (no dialog in tests)
  }
};

QTEST_MAIN(TestCanvas)
#include "test_canvas.moc"
