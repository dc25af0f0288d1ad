// The canvas' graph model without a window: nodes from the registry, links between typed ports,
// and every rule an edit must pass (ports exist, types compatible, one link per input, no
// cycles), with the reason a refused link gets; built from a loaded pipeline too.
#include "TestSupport.h"
#include "pipeline/Graph.h"
#include "pipeline/PipelineLoader.h"

#include <QtTest>

using namespace tf;

class TestGraph : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void namesAndPlaceholders() {
    Graph g(tftest::registry());
    QCOMPARE(g.addNode("core.MLPTrainer"), std::string("mlp_trainer"));
    QCOMPARE(g.addNode("core.MLPTrainer"), std::string("mlp_trainer_2"));
    QCOMPARE(g.addNode("calo.GAN3DTrainer"), std::string("gan3_d_trainer"));
    QCOMPARE(g.addNode("core.HDF5Reader", "read"), std::string("read"));
    const std::string missing = g.addNode("itwinai.torch.trainer.TorchTrainer");
    QVERIFY(g.node(missing) && !g.node(missing)->info);  // kept as a placeholder
    QVERIFY(!g.renameNode("read", "mlp_trainer"));
    QVERIFY(!g.renameNode("read", "bad name"));
    QVERIFY(g.renameNode("read", "load"));
    QVERIFY(g.node("load") && !g.node("read"));
  }

  void linksFollowTheRules() {
    Graph g(tftest::registry());
    g.addNode("core.HDF5Reader", "read");
    g.addNode("core.TrainValSplit", "split");
    g.addNode("core.MLPTrainer", "train");
    g.addNode("core.ModelSaver", "save");
    QVERIFY(g.connect({"read", "dataset", "split", "dataset"}));
    QVERIFY(g.connect({"split", "train", "train", "train"}));
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
    QVERIFY(g.connect({"train", "model", "save", "model"}));
    QVERIFY(g.unconnectedInputs("save").empty());

    // Cycles: between two placeholders (unknown components, whose ports are not checked).
    g.addNode("x.A", "a");
    g.addNode("x.B", "b");
    QVERIFY(g.connect({"a", "out", "b", "in"}));
    refused({"b", "out", "a", "in"}, "would make a cycle");

    // Order: producers first, otherwise as inserted.
    const auto order = g.order();
    auto pos = [&](const char* n) { return std::find(order.begin(), order.end(), n) - order.begin(); };
    QVERIFY(pos("read") < pos("split") && pos("split") < pos("train") && pos("train") < pos("save"));
    QVERIFY(pos("a") < pos("b"));

    // Removing a node removes its links.
    QVERIFY(g.removeNode("split"));
    QCOMPARE(g.unconnectedInputs("train"), std::vector<std::string>{"train"});
    QVERIFY(g.disconnect({"train", "model", "save", "model"}));
    QVERIFY(!g.disconnect({"train", "model", "save", "model"}));
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
