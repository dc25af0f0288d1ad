// The canvas' graph model without a window: nodes from a loaded pipeline, links between typed
// ports, and every rule a new link must pass (ports exist, types compatible, one link per
// input, no cycles), with the reason a refused link gets.
#include "TestSupport.h"
#include "pipeline/Graph.h"
#include "pipeline/PipelineLoader.h"

#include <QtTest>

using namespace tf;

namespace {

// A pipeline with gaps (save and a are fed by nothing), a placeholder, and a -> b. The loader
// reports the gaps; the graph is built from the steps as they are, as the canvas's is.
const char* kSteps = R"(p:
  steps:
    read: {_target_: core.HDF5Reader, file: x.h5}
    split: {_target_: core.TrainValSplit, inputs: {dataset: read.dataset}}
    train: {_target_: core.MLPTrainer, inputs: {train: split.train}}
    save: {_target_: core.ModelSaver, inputs: {}}
    ghost_step: {_target_: x.A, inputs: {}}
    a: {_target_: test.Add, inputs: {}}
    b: {_target_: test.Add, inputs: {in: a.out}}
)";

Graph graphOf(const char* yaml) {
  const auto lp = PipelineLoader(tftest::registry()).loadText(yaml, "g.yaml");
  return Graph::fromPipeline(tftest::registry(), lp.pipeline);
}

}  // namespace

class TestGraph : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void placeholdersKeepTheirClass() {
    const Graph g = graphOf(kSteps);
    const Graph::Node* a = g.node("ghost_step");
    QVERIFY(a && !a->info);  // an unknown component is kept as a placeholder
    QCOMPARE(a->classPath, std::string("x.A"));
    QVERIFY(g.node("train") && g.node("train")->info);
    QVERIFY(!g.node("nope"));
  }

  void linksFollowTheRules() {
    Graph g = graphOf(kSteps);
    QCOMPARE(g.unconnectedInputs("save"), std::vector<std::string>{"model"});

    auto refused = [&](const Graph::Link& l, const char* why) {
      const Graph::Check c = g.connectionPossible(l);
      QVERIFY2(!c.ok, why);
      QVERIFY2(QString::fromStdString(c.why).contains(why), c.why.c_str());
    };
    refused({"split", "val", "save", "model"}, "takes Model, 'split.val' gives Dataset");
    refused({"split", "nope", "train", "val"}, "has no output 'nope'");
    refused({"split", "val", "train", "nope"}, "has no input 'nope'");
    refused({"split", "val", "train", "train"}, "already takes 'split.train'");
    refused({"split", "train", "train", "train"}, "already connected");
    refused({"train", "model", "train", "train"}, "cannot feed itself");
    refused({"ghost", "x", "train", "val"}, "no step 'ghost'");
    QVERIFY(g.connectionPossible({"train", "model", "save", "model"}));
    // Cycles: b is fed by a, so a cannot be fed by b.
    QVERIFY(g.connectionPossible({"b", "out", "train", "val"}).why.find("cycle") == std::string::npos);
    refused({"b", "out", "a", "in"}, "would make a cycle");

    // Order: producers first, otherwise as written.
    const auto order = g.order();
    auto pos = [&](const char* n) { return std::find(order.begin(), order.end(), n) - order.begin(); };
    QVERIFY(pos("read") < pos("split") && pos("split") < pos("train"));
    QVERIFY(pos("a") < pos("b"));

    // Dropping a link frees the input it fed.
    QVERIFY(g.disconnect({"split", "train", "train", "train"}));
    QCOMPARE(g.unconnectedInputs("train"), std::vector<std::string>{"train"});
    QVERIFY(!g.disconnect({"split", "train", "train", "train"}));
  }

  void builtFromALoadedPipeline() {
    auto lp = PipelineLoader(tftest::registry()).loadFile(tftest::source("resources/pipelines/calo-3dgan.yaml").toStdString());
    QVERIFY2(lp.runnable(), lp.diagnostics.str().c_str());
    const Graph g = Graph::fromPipeline(tftest::registry(), lp.pipeline);
    QCOMPARE(g.nodes().size(), std::size_t(8));
    const std::vector<Graph::Link>& links = g.links();
    auto has = [&](const Graph::Link& l) { return std::find(links.begin(), links.end(), l) != links.end(); };
    QVERIFY(has({"mc", "path", "read", "path"}));          // explicit inputs
    QVERIFY(has({"read", "dataset", "split", "dataset"}));  // implicit: the previous step's outputs
    QVERIFY(has({"mc_test", "path", "validate", "reference"}));
    QVERIFY(has({"train", "model", "generate", "model"}));
    QCOMPARE(g.order().back(), std::string("validate"));
  }
};

QTEST_GUILESS_MAIN(TestGraph)
#include "test_graph.moc"
