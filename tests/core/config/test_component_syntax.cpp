// itwinai's component syntax, owned by config/ComponentSyntax: both styles name a class and
// hold arguments, structural keys are never arguments, steps are found in both places and
// list-form steps are named the same way everywhere.
#include "config/ComponentSyntax.h"

#include <QtTest>

using namespace tf;
using cfg::Node;

class TestComponentSyntax : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void bothStylesNameAClassAndArguments() {
    const Node hydra = cfg::parseYaml("_target_: core.MLP\nhidden: [8]\ninputs: {x: a.b}\n_name_: net\n", "h.yaml");
    QCOMPARE(classPathOf(hydra), std::string("core.MLP"));
    QVERIFY(syntax::styleOf(hydra) == syntax::Style::Hydra);
    const Node args = argumentsOf(hydra);
    QVERIFY(args.find("hidden"));
    QVERIFY(!args.find("_target_") && !args.find("inputs") && !args.find("_name_"));

    const Node jsonarg = cfg::parseYaml("class_path: core.MLP\ninit_args:\n  hidden: [8]\n", "j.yaml");
    QCOMPARE(classPathOf(jsonarg), std::string("core.MLP"));
    QVERIFY(syntax::styleOf(jsonarg) == syntax::Style::JsonArgParse);
    QCOMPARE(argumentsOf(jsonarg).entries().size(), std::size_t(1));
    QVERIFY(argumentsOf(jsonarg).find("hidden"));

    QVERIFY(!syntax::isComponent(cfg::parseYaml("hidden: [8]\n", "n.yaml")));
    QCOMPARE(classPathOf(cfg::parseYaml("hidden: [8]\n", "n.yaml")), std::string());
  }

  void settingsLeaveOutStructure() {
    // What the inspector and the canvas list for a placeholder step: never _name_ or inputs.
    const Node step = cfg::parseYaml("_target_: x.Unknown\n_name_: s\ninputs: {a: b}\nlr: 0.1\nname: n\n", "s.yaml");
    std::vector<std::string> keys;
    for (const auto& [k, v] : syntax::settingsOf(step)) keys.push_back(k);
    QCOMPARE(keys, (std::vector<std::string>{"lr", "name"}));
    for (const char* k : {"_target_", "class_path", "init_args", "inputs", "_name_"}) QVERIFY(syntax::isStructuralKey(k));
    QVERIFY(!syntax::isStructuralKey("name"));
  }

  void newComponentsAndArgumentsKeepTheStyle() {
    Node j = syntax::makeComponent("core.MLP", syntax::Style::JsonArgParse);
    QCOMPARE(classPathOf(j), std::string("core.MLP"));
    Node* args = syntax::argumentsNode(j, true);
    QVERIFY(args && args->isMap());
    args->set("hidden", Node::scalar("8"));
    QVERIFY(j.find("init_args") && j.find("init_args")->find("hidden"));
    Node h = syntax::makeComponent("core.MLP");
    QVERIFY(syntax::argumentsNode(h, true) == &h);
    QCOMPARE(syntax::componentFlow("core.MLP"), std::string("{_target_: core.MLP}"));
    QCOMPARE(classPathOf(cfg::parseYamlValue(syntax::componentFlow("core.MLP"), {})), std::string("core.MLP"));
  }

  void stepsInBothPlacesAndTheirNames() {
    Node p = cfg::parseYaml("class_path: itwinai.pipeline.Pipeline\ninit_args:\n  steps:\n"
                            "    - {_target_: core.MLPTrainer}\n    - {_target_: core.MLPTrainer}\n"
                            "    - {_target_: core.HDF5Reader, _name_: read}\n",
                            "p.yaml");
    QVERIFY(isPipelineNode(p));
    QCOMPARE(syntax::stepsPath(p), std::string("init_args.steps"));
    const Node* steps = stepsOf(p);
    QVERIFY(steps && steps->isSequence());
    QCOMPARE(listStepNames(*steps), (std::vector<std::string>{"mlp_trainer", "mlp_trainer_2", "read"}));
    Node* second = syntax::stepNamed(*syntax::stepsOf(p), "mlp_trainer_2");
    QVERIFY(second == &syntax::stepsOf(p)->items()[1]);
    QVERIFY(!syntax::stepNamed(*syntax::stepsOf(p), "nope"));
    QCOMPARE(defaultStepName("calo.GAN3DTrainer"), std::string("gan3_d_trainer"));
    QCOMPARE(defaultStepName(""), std::string("step"));
    const Node named = cfg::parseYaml("steps:\n  a: {_target_: x.Y}\n", "n.yaml");
    QCOMPARE(syntax::stepsPath(named), std::string("steps"));
  }
};

QTEST_GUILESS_MAIN(TestComponentSyntax)
#include "test_component_syntax.moc"
