// Loading pipelines as itwinai writes them, validating against the schema, overrides, and
// the errors a user sees for bad files.
#include "TestSupport.h"
#include "config/Node.h"
#include "pipeline/PipelineLoader.h"

#include <QtTest>

#include <filesystem>

using namespace tf;

namespace {
LoadedPipeline load(const std::string& text, LoadOptions opts = {}) {
  return PipelineLoader(tftest::registry()).loadText(text, "p.yaml", opts);
}
QString diag(const LoadedPipeline& lp) { return QString::fromStdString(lp.diagnostics.str()); }
}  // namespace

class TestPipelineLoader : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void hydraListSteps() {
    auto lp = load(R"(
epochs: 4
training_pipeline:
  _target_: itwinai.pipeline.Pipeline
  steps:
    - _target_: test.Source
      value: 2
    - _target_: test.Add
      amount: ${epochs}
    - _target_: test.Add
)");
    QVERIFY2(lp.runnable(), qPrintable(diag(lp)));
    const auto& s = lp.pipeline.steps;
    QCOMPARE(s.size(), size_t(3));
    QCOMPARE(s[0].name, std::string("source"));
    QCOMPARE(s[1].name, std::string("add"));
    QCOMPARE(s[2].name, std::string("add_2"));
    QCOMPARE(*s[1].params.find("amount")->asInt(), 4);
    QCOMPARE(s[2].inputs.size(), size_t(1));
    QCOMPARE(s[2].inputs[0].fromStep, std::string("add"));
    QVERIFY(!lp.pipeline.dag);
  }

  void jsonargparseStyleNestedInHydra() {
    auto lp = load(R"(
pipeline:
  class_path: itwinai.pipeline.Pipeline
  init_args:
    steps:
      - class_path: core.TrainValSplit
        init_args:
          val_fraction: 0.25
      - _target_: core.MLPTrainer
        model:
          class_path: core.MLP
          init_args:
            hidden: [16, 8]
        epochs: 2
)");
    // The split has no producer of its dataset: that is the only error.
    QCOMPARE(int(lp.diagnostics.all().size()), 1);
    QVERIFY2(diag(lp).contains("needs input 'dataset' (Dataset)"), qPrintable(diag(lp)));
    QCOMPARE(lp.pipeline.steps[0].name, std::string("train_val_split"));
    QCOMPARE(*lp.pipeline.steps[0].params.find("val_fraction")->asDouble(), 0.25);
    QCOMPARE(lp.pipeline.steps[1].inputs.size(), size_t(2));  // train and val from the split
  }

  void namedStepsWithInputsFormADag() {
    auto lp = load(R"(
graph:
  steps:
    total:
      _target_: test.Sum
      inputs: {a: left.out, b: right}
    left:
      _target_: test.Source
      value: 1
    right:
      _target_: test.Source
      value: 2
      inputs: []
)");
    QVERIFY2(lp.runnable(), qPrintable(diag(lp)));
    QVERIFY(lp.pipeline.dag);
    // Topological order puts the sum last although it is written first.
    QCOMPARE(lp.pipeline.steps.back().name, std::string("total"));
    const auto& in = lp.pipeline.step("total")->inputs;
    QCOMPARE(in.size(), size_t(2));
    QCOMPARE(in[0].port + "<-" + in[0].fromStep, std::string("a<-left"));
    QCOMPARE(in[1].port + "<-" + in[1].fromStep + "." + in[1].fromPort, std::string("b<-right.out"));
  }

  void cyclesAreReported() {
    auto lp = load(R"(
g:
  steps:
    a: {_target_: test.Add, inputs: [b]}
    b: {_target_: test.Add, inputs: [a]}
)");
    QVERIFY(!lp.runnable());
    QVERIFY2(diag(lp).contains("cycle"), qPrintable(diag(lp)));
  }

  void severalPipelinesAndKeySelection() {
    const char* text = R"(
training_pipeline:
  steps: [{_target_: test.Source}]
inference_pipeline:
  steps: [{_target_: test.Source, value: 9}, {_target_: test.Add}]
)";
    auto first = load(text);
    QCOMPARE(first.pipeline.key, std::string("training_pipeline"));
    QCOMPARE(first.pipelineKeys.size(), size_t(2));
    auto second = load(text, LoadOptions{"inference_pipeline", {}});
    QCOMPARE(second.pipeline.steps.size(), size_t(2));
    try {
      load(text, LoadOptions{"nope", {}});
      QFAIL("expected LoadError");
    } catch (const LoadError& e) {
      QVERIFY2(QString(e.what()).contains("pipelines are: training_pipeline, inference_pipeline"), e.what());
    }
  }

  void unknownComponentsStillLoadWithSuggestions() {
    // A real itwinai file: the trainer and loader classes are not ours.
    auto lp = load(R"(
batch_size: 32
training_pipeline:
  _target_: itwinai.pipeline.Pipeline
  steps:
    - _target_: itwinai.plugins.mnist.MNISTDataModuleTorch
      save_path: .tmp/
    - _target_: itwinai.torch.trainer.TorchTrainer
      config:
        batch_size: ${batch_size}
    - _target_: core.MLPTrainr
)");
    QVERIFY(!lp.runnable());
    QCOMPARE(lp.pipeline.steps.size(), size_t(3));
    QVERIFY(lp.pipeline.hasUnknownComponents());
    const QString d = diag(lp);
    QVERIFY2(d.contains("p.yaml:5:16: source: unknown component 'itwinai.plugins.mnist.MNISTDataModuleTorch'") ||
                 d.contains("unknown component 'itwinai.plugins.mnist.MNISTDataModuleTorch'"),
             qPrintable(d));
    QVERIFY2(d.contains("unknown component 'itwinai.torch.trainer.TorchTrainer'; closest known: core.MLPTrainer"),
             qPrintable(d));
    QVERIFY2(d.contains("unknown component 'core.MLPTrainr'; closest known: core.MLPTrainer"), qPrintable(d));
    // Variables still resolve inside unknown components.
    QCOMPARE(*lp.pipeline.steps[1].params.find("config")->find("batch_size")->asInt(), 32);
    QCOMPARE(lp.pipeline.steps[1].suggestions.front(), std::string("core.MLPTrainer"));
  }

  void everyProblemReportedWithLocation() {
    auto lp = load(R"(p:
  steps:
    - _target_: core.TrainValSplit
      val_fraction: 1.5
      shufle: true
      seed: fast
    - _target_: core.MLPTrainer
      optimizer: adamm
      epochs: -1
      model: {_target_: core.MLP, hidden: [8, -1], activation: sigmoid}
)");
    const QString d = diag(lp);
    QVERIFY2(d.contains("p.yaml:4:21: train_val_split.val_fraction: expected a number > 0 and < 1, got 1.5"),
             qPrintable(d));
    QVERIFY2(d.contains("p.yaml:5:7: train_val_split.shufle: unknown parameter for core.TrainValSplit; it takes: "
                        "val_fraction, shuffle, seed"),
             qPrintable(d));
    QVERIFY2(d.contains("p.yaml:6:13: train_val_split.seed: expected an integer >= 0, got \"fast\""), qPrintable(d));
    QVERIFY2(d.contains("mlp_trainer.optimizer: expected one of adam, adamw, sgd, got \"adamm\"") ||
                 d.contains("optimizer: expected one of adam, adamw, sgd, got \"adamm\""),
             qPrintable(d));
    QVERIFY2(d.contains("epochs: expected an integer >= 0, got -1"), qPrintable(d));
    QVERIFY2(d.contains("model.hidden: expected a list of integers >= 1, got -1"), qPrintable(d));
    QVERIFY2(d.contains("model.activation: expected one of relu, tanh, gelu, silu"), qPrintable(d));
    QVERIFY(lp.diagnostics.all().size() >= 7);
  }

  void wrongKindOfComponent() {
    auto lp = load(
        "p:\n  steps:\n    - _target_: core.MLP\n    - _target_: core.MLPTrainer\n      model: {_target_: "
        "core.TrainValSplit}\n");
    const QString d = diag(lp);
    QVERIFY2(d.contains("core.MLP is a 'model', not a pipeline step"), qPrintable(d));
    QVERIFY2(d.contains("expected a component of kind 'model', but core.TrainValSplit is a pipeline step"),
             qPrintable(d));
  }

  void overridesAreTypeChecked() {
    const char* text = R"(
epochs: 3
p:
  steps:
    gen: {_target_: test.Source, value: 1}
    train:
      class_path: core.MLPTrainer
      init_args: {epochs: "${epochs}"}
      inputs: {train: gen.out}
)";
    auto lp = load(text, LoadOptions{"", {"epochs=7", "p.steps.gen.value=2.5", "p.steps.train.lr=0.01"}});
    QCOMPARE(*lp.pipeline.step("gen")->params.find("value")->asDouble(), 2.5);
    QCOMPARE(*lp.pipeline.step("train")->params.find("lr")->asDouble(), 0.01);  // reached into init_args
    auto bad = load(text, LoadOptions{"", {"p.steps.train.lr=fast", "p.steps.nope.x=1", "epochs"}});
    const QString d = diag(bad);
    QVERIFY2(d.contains("--set p.steps.train.lr=fast: train.lr: expected a number > 0, got \"fast\""), qPrintable(d));
    QVERIFY2(d.contains("no key 'nope' in p.steps; it has: gen, train"), qPrintable(d));
    QVERIFY2(d.contains("expected KEY=VALUE"), qPrintable(d));
  }

  void overrideListStepByName() {
    auto lp = load("p:\n  steps:\n    - {_target_: test.Source}\n    - {_target_: test.Add}\n",
                   LoadOptions{"", {"p.steps.add.amount=5", "p.steps.0.value=3"}});
    QVERIFY2(lp.runnable(), qPrintable(diag(lp)));
    QCOMPARE(*lp.pipeline.steps[1].params.find("amount")->asInt(), 5);
    QCOMPARE(*lp.pipeline.steps[0].params.find("value")->asInt(), 3);
  }

  void unusableFilesThrowWithLocation() {
    PipelineLoader loader(tftest::registry());
    QVERIFY_THROWS_EXCEPTION(LoadError, loader.loadText("p: [unclosed\n", "bad.yaml"));
    QVERIFY_THROWS_EXCEPTION(LoadError, loader.loadText("just: values\n", "nopipe.yaml"));
    QVERIFY_THROWS_EXCEPTION(LoadError, loader.loadText("", "empty.yaml"));
    try {
      loader.loadFile("/nonexistent/pipeline.yaml");
      QFAIL("expected LoadError");
    } catch (const LoadError& e) {
      QVERIFY2(QString(e.what()).contains("/nonexistent/pipeline.yaml: cannot open file"), e.what());
    }
  }

  void itwinaiLightningStyleFileLoads() {
    PipelineLoader loader(tftest::registry());
    const std::string file = tftest::source("tests/fixtures/itwinai-jsonargparse.yaml").toStdString();
    auto lp = loader.loadFile(file);
    // Three pipelines; the first is the default; the reused top-level step resolves into it.
    QCOMPARE(lp.pipelineKeys, (std::vector<std::string>{"training_with_provenance", "inference_pipeline"}));
    QCOMPARE(lp.pipeline.steps.size(), size_t(2));
    QCOMPARE(lp.pipeline.steps[0].classPath, std::string("loaders.ShowerDownloader"));
    QCOMPARE(lp.pipeline.steps[0].params.find("path")->text(), std::string("shower_data/"));
    const cfg::Node& cfgNode = *lp.pipeline.steps[1].params.find("config");
    QCOMPARE(*cfgNode.find("seed_everything")->asInt(), std::int64_t(3141592653));
    QCOMPARE(*cfgNode.find("trainer")->find("max_epochs")->asInt(), std::int64_t(3));
    QVERIFY(cfgNode.find("trainer")->find("gradient_clip_val")->isNull());
    // Only unknown components are reported, each once, with the line of its class_path.
    QCOMPARE(int(lp.diagnostics.all().size()), 2);
    QVERIFY2(diag(lp).contains("itwinai-jsonargparse.yaml:13:15: fetch: unknown component 'loaders.ShowerDownloader'"),
             qPrintable(diag(lp)));
    QVERIFY2(diag(lp).contains("train: unknown component 'trainers.ShowerGANTrainer'"), qPrintable(diag(lp)));

    auto inf = loader.loadFile(
        file, LoadOptions{"inference_pipeline", {"max_epochs=9", "inference_pipeline.steps.save.save_dir=out/"}});
    QCOMPARE(inf.pipeline.steps.size(), size_t(3));
    QCOMPARE(inf.pipeline.step("save")->params.find("save_dir")->text(), std::string("out/"));
    // Round trip keeps every key of the framework configuration.
    auto again = loader.loadText(cfg::toYaml(lp.raw), "again.yaml");
    QVERIFY(again.resolved == lp.resolved);
  }

  void itwinaiHydraStyleFileLoads() {
    PipelineLoader loader(tftest::registry());
    auto lp = loader.loadFile(tftest::source("tests/fixtures/itwinai-hydra.yaml").toStdString());
    QCOMPARE(lp.pipeline.steps.size(), size_t(2));
    const Step& train = lp.pipeline.steps[1];
    QCOMPARE(train.name, std::string("training"));
    QVERIFY(!*train.params.find("config")->find("mixed_precision")->asBool());
    // itwinai's ${itwinai.cwd:} resolver gives the folder twinforge-run was started in.
    const std::string storage = train.params.find("run_config")->find("storage_path")->text();
    QVERIFY2(storage == std::filesystem::current_path().string() + "/checkpoints", storage.c_str());
    QCOMPARE(train.suggestions.front(), std::string("core.MLPTrainer"));
    auto inf = loader.loadFile(tftest::source("tests/fixtures/itwinai-hydra.yaml").toStdString(),
                               LoadOptions{"inference_pipeline", {}});
    QCOMPARE(inf.pipeline.steps[1].name, std::string("multiclass_torch_predictor"));
    QVERIFY(inf.pipeline.steps[2].params.find("class_labels")->isNull());
    // Unknown resolvers are kept as text with a warning, not a failure.
    auto w = load("x: ${my.resolver:1}\np:\n  steps: [{_target_: test.Source}]\n");
    QVERIFY(w.runnable());
    QVERIFY2(diag(w).contains("warning: unknown resolver in ${my.resolver:1}"), qPrintable(diag(w)));
  }

  void exampleRoundTrips() {
    PipelineLoader loader(tftest::registry());
    for (const char* rel : {"resources/pipelines/mlp-regression.yaml", "docs/examples/pipeline-format.yaml"}) {
      const std::string path = tftest::source(rel).toStdString();
      auto a = loader.loadFile(path);
      QVERIFY2(a.runnable(), (path + "\n" + a.diagnostics.str()).c_str());
      const std::string saved = cfg::toYaml(a.raw);
      auto b = loader.loadText(saved, "saved.yaml");
      QVERIFY(a.raw == b.raw);
      QVERIFY(a.resolved == b.resolved);
      QCOMPARE(a.pipeline.steps.size(), b.pipeline.steps.size());
      for (size_t i = 0; i < a.pipeline.steps.size(); ++i) {
        QCOMPARE(a.pipeline.steps[i].name, b.pipeline.steps[i].name);
        QCOMPARE(a.pipeline.steps[i].classPath, b.pipeline.steps[i].classPath);
        QVERIFY(a.pipeline.steps[i].params == b.pipeline.steps[i].params);
        QCOMPARE(a.pipeline.steps[i].inputs.size(), b.pipeline.steps[i].inputs.size());
      }
      QCOMPARE(cfg::toYaml(b.raw), saved);  // saving again changes nothing
    }
  }
};

QTEST_APPLESS_MAIN(TestPipelineLoader)
#include "test_pipeline_loader.moc"
