// The canvas' document without a window: every edit changes the YAML tree, which validates
// again; untouched files save unchanged; positions live in `layout:`, which the engine ignores.
#include "TestSupport.h"
#include "pipeline/Document.h"
#include "pipeline/PipelineLoader.h"

#include <QtTest>

using namespace tf;
using cfg::Node;

namespace {
std::string read(const QString& rel) {
  QFile f(tftest::source(rel));
  if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(rel));
  return f.readAll().toStdString();
}
bool hasLink(const Graph& g, const Graph::Link& l) {
  return std::find(g.links().begin(), g.links().end(), l) != g.links().end();
}
}  // namespace

class TestDocument : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void untouchedFilesRoundTrip() {
    PipelineDocument d(tftest::registry());
    d.setText(read("resources/pipelines/mlp-regression.yaml"), "mlp-regression.yaml");
    QVERIFY(d.loaded().runnable());
    QCOMPARE(d.graph().nodes().size(), std::size_t(5));
    QVERIFY(d.header().rfind("# Train a small MLP", 0) == 0);  // the comment block survives
    const std::string once = d.yaml();
    PipelineDocument again(tftest::registry());
    again.setText(once, "x.yaml");
    QCOMPARE(again.yaml(), once);
    QVERIFY(again.raw() == d.raw());
    QVERIFY(!d.hasLayout());  // nothing added until the user moves something
    // Positions still exist: a layered layout along the links.
    auto pos = d.positions();
    QVERIFY(pos.at("read").x > pos.at("generate").x);
    QVERIFY(pos.at("train").x > pos.at("split").x);
  }

  void buildsARunnablePipelineStepByStep() {
    PipelineDocument d(tftest::registry());
    QCOMPARE(d.graph().nodes().size(), std::size_t(0));
    std::string gen, rd, sp, tr, sv;
    QVERIFY(d.addStep("synthetic.RegressionSet", {0, 0}, &gen));
    QVERIFY(d.addStep("core.HDF5Reader", {250, 0}, &rd));
    QVERIFY(d.addStep("core.TrainValSplit", {500, 0}, &sp));
    QVERIFY(d.addStep("core.MLPTrainer", {750, 0}, &tr));
    QVERIFY(d.addStep("core.ModelSaver", {1000, 0}, &sv));
    QCOMPARE(tr, std::string("mlp_trainer"));
    QVERIFY(d.graph().links().empty());  // dropped steps start unconnected
    QVERIFY(!d.loaded().runnable());     // the trainer needs its input
    QVERIFY(d.connect({gen, "path", rd, "path"}));
    QVERIFY(d.connect({rd, "dataset", sp, "dataset"}));
    QVERIFY(d.connect({sp, "train", tr, "train"}));
    QVERIFY(d.connect({sp, "val", tr, "val"}));
    QVERIFY(d.connect({tr, "model", sv, "model"}));
    QVERIFY2(d.loaded().runnable(), d.loaded().diagnostics.str().c_str());
    QVERIFY(d.setParam(gen, "samples", Node::scalar("256")));
    QVERIFY(d.setParam(tr, "epochs", Node::scalar("2")));
    QVERIFY(d.setParam(tr, "model.hidden", cfg::parseYamlValue("[16, 16]", {})));
    QCOMPARE(d.loaded().pipeline.step(tr)->params.find("model")->find("hidden")->items().size(), std::size_t(2));
    QVERIFY(d.hasLayout());
    QCOMPARE(d.positions().at(sv).x, 1000.0);

    // The engine runs exactly this text: it loads back with the same steps, links and values,
    // and the layout block is not a pipeline.
    PipelineLoader loader(tftest::registry());
    LoadedPipeline lp = loader.loadText(d.yaml(), "built.yaml");
    QVERIFY2(lp.runnable(), lp.diagnostics.str().c_str());
    QCOMPARE(lp.pipelineKeys, std::vector<std::string>{"pipeline"});
    QCOMPARE(lp.pipeline.steps.size(), std::size_t(5));
    QVERIFY(QString::fromStdString(d.yaml()).contains("inputs: {train: train_val_split.train, val: train_val_split.val}"));
  }

  void connectReplacesAndRefusesWithReasons() {
    PipelineDocument d(tftest::registry());
    d.setText(read("resources/pipelines/mlp-regression.yaml"), "m.yaml");
    // The trainer takes split's outputs implicitly; re-feeding its train input from val replaces it.
    QVERIFY(hasLink(d.graph(), {"split", "train", "train", "train"}));
    QVERIFY(d.connect({"split", "val", "train", "train"}));
    QVERIFY(hasLink(d.graph(), {"split", "val", "train", "train"}));
    QVERIFY(!hasLink(d.graph(), {"split", "train", "train", "train"}));
    QVERIFY(hasLink(d.graph(), {"split", "val", "train", "val"}) ||
            !hasLink(d.graph(), {"split", "val", "train", "val"}));
    auto c = d.connectionPossible({"save", "path", "generate", "path"});
    QVERIFY(!c);  // generate has no inputs
    c = d.connectionPossible({"train", "model", "split", "dataset"});
    QVERIFY(!c);
    QVERIFY2(QString::fromStdString(c.why).contains("Dataset"), c.why.c_str());
    c = d.connectionPossible({"split", "train", "read", "path"});
    QVERIFY(!c);
    const std::string before = d.yaml();
    QVERIFY(!d.connect({"train", "model", "split", "dataset"}));
    QCOMPARE(d.yaml(), before);  // refused: nothing changed
    QVERIFY(d.disconnect({"split", "val", "train", "train"}));
    QVERIFY(!d.loaded().runnable());  // the trainer lost its input, and says so
    QVERIFY(QString::fromStdString(d.loaded().diagnostics.str()).contains("needs input 'train'"));
  }

  void parametersValidateAndReset() {
    PipelineDocument d(tftest::registry());
    d.setText(read("resources/pipelines/mlp-regression.yaml"), "m.yaml");
    auto diags = d.checkParam("train", "lr", Node::scalar("fast"));
    QCOMPARE(diags.size(), std::size_t(1));
    QVERIFY2(QString::fromStdString(diags[0].message).contains("number"), diags[0].message.c_str());
    QVERIFY(d.checkParam("train", "lr", Node::scalar("0.01")).empty());
    QVERIFY(!d.checkParam("train", "epochs", Node::scalar("-3")).empty());
    QVERIFY(d.setParam("train", "optimizer", Node::scalar("sgd")));
    QCOMPARE(d.rawArguments("train")->find("optimizer")->text(), std::string("sgd"));
    QVERIFY(d.resetParam("train", "optimizer"));
    QVERIFY(!d.rawArguments("train")->find("optimizer"));
    QVERIFY(!d.setParam("train", "inputs", Node::scalar("x")));  // structure is not a parameter
  }

  void removeAndRenameKeepTheLinksAsDrawn() {
    PipelineDocument d(tftest::registry());
    d.setText(read("resources/pipelines/mlp-regression.yaml"), "m.yaml");
    QVERIFY(d.renameStep("split", "holdout"));
    QVERIFY(!d.renameStep("read", "train"));
    QVERIFY(!d.renameStep("read", "bad name"));
    QVERIFY(hasLink(d.graph(), {"holdout", "train", "train", "train"}));
    QVERIFY(d.loaded().runnable());
    // Removing the reader leaves split unfed rather than silently fed by 'generate'.
    QVERIFY(d.removeSteps({"read"}));
    QVERIFY(!d.graph().node("read"));
    QVERIFY(!hasLink(d.graph(), {"generate", "path", "holdout", "dataset"}));
    QCOMPARE(d.graph().unconnectedInputs("holdout"), std::vector<std::string>{"dataset"});
    QVERIFY(hasLink(d.graph(), {"holdout", "train", "train", "train"}));
  }

  void listFormStepsBecomeNamedOnStructuralEdits() {
    PipelineDocument d(tftest::registry());
    d.setText(read("tests/fixtures/itwinai-jsonargparse.yaml"), "j.yaml");
    const Node* before = stepsOf(*d.raw().find(d.pipelineKey()));
    const bool wasList = before && before->isSequence();
    const auto names = d.graph().order();
    QVERIFY(!names.empty());
    std::string added;
    QVERIFY(d.addStep("core.ModelSaver", {10, 10}, &added));
    const Node* after = stepsOf(*d.raw().find(d.pipelineKey()));
    QVERIFY(after->isMap());
    for (const auto& n : names) QVERIFY2(after->find(n), n.c_str());
    // The file's style (class_path + init_args) is kept for new steps.
    if (wasList) QVERIFY(after->find(added)->find("class_path"));
  }

  void copyPasteRenamesAndKeepsInnerLinks() {
    PipelineDocument d(tftest::registry());
    d.setText(read("resources/pipelines/mlp-regression.yaml"), "m.yaml");
    const std::string clip = d.copySteps({"split", "train"});
    QVERIFY(QString::fromStdString(clip).contains("twinforge_steps"));
    auto added = d.paste(clip, {40, 40});
    QCOMPARE(added, (std::vector<std::string>{"split_2", "train_2"}));
    QVERIFY(hasLink(d.graph(), {"split_2", "train", "train_2", "train"}));
    QVERIFY(hasLink(d.graph(), {"read", "dataset", "split_2", "dataset"}));  // outside link kept
    QVERIFY(d.loaded().runnable());
    // Into another pipeline, links to steps it lacks are dropped.
    PipelineDocument e(tftest::registry());
    added = e.paste(clip, {0, 0});
    QCOMPARE(added.size(), std::size_t(2));
    QCOMPARE(e.graph().links().size(), std::size_t(2));  // split -> train (train and val)
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, e.paste("a: 1\n", {0, 0}));
  }

  void unknownComponentsAreKeptVerbatim() {
    const std::string text = read("tests/fixtures/itwinai-hydra.yaml");
    PipelineDocument d(tftest::registry());
    d.setText(text, "h.yaml");
    QVERIFY(d.loaded().pipeline.hasUnknownComponents());
    PipelineDocument again(tftest::registry());
    again.setText(d.yaml(), "h2.yaml");
    QVERIFY(again.raw() == d.raw());
    // Moving a placeholder works and only adds the layout block.
    const std::string first = d.graph().nodes().front().name;
    d.setPositions({{first, {123, 456}}});
    QCOMPARE(d.positions().at(first).x, 123.0);
    Node stripped = d.raw();
    stripped.erase("layout");
    QVERIFY(stripped == again.raw());
  }

  void autoLayoutPlacesByDepth() {
    PipelineDocument d(tftest::registry());
    d.setText(read("resources/pipelines/calo-3dgan.yaml"), "c.yaml");
    d.setPositions({{"validate", {0, 0}}});
    d.autoLayout();
    auto p = d.positions();
    QVERIFY(p.at("validate").x > p.at("generate").x);
    QVERIFY(p.at("train").x > p.at("split").x);
    QCOMPARE(p.at("mc").x, p.at("mc_test").x);  // both sources in the first column
    QVERIFY(p.at("mc").y != p.at("mc_test").y);
  }
};

QTEST_GUILESS_MAIN(TestDocument)
#include "test_document.moc"
