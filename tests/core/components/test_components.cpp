// Built-in components on real HDF5 files and real LibTorch training.
#include "TestSupport.h"
#include "exec/Artifact.h"
#include "exec/Executor.h"
#include "exec/RunStore.h"
#include "io/Hdf5Tensor.h"
#include "pipeline/PipelineLoader.h"

#include <ATen/ATen.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <sstream>

using namespace tf;
namespace fs = std::filesystem;

namespace {

struct Outcome {
  Executor::Status status;
  std::string error;
  fs::path dir;
  std::map<std::string, Artifacts> outputs;  // in memory: recomputable steps store none
};

Outcome runText(const std::string& text, const fs::path& dir, const fs::path& ws) {
  auto lp = PipelineLoader(tftest::registry()).loadText(text, "c.yaml");
  if (!lp.runnable()) qFatal("%s", lp.diagnostics.str().c_str());
  Executor ex(tftest::registry(), lp.pipeline, dir);
  RunOptions o;
  o.workspace = ws;
  o.threads = 2;
  auto st = ex.run(o);
  Outcome out{st, ex.error(), dir, {}};
  for (const auto& s : lp.pipeline.steps)
    if (const Artifacts* a = ex.outputs(s.name)) out.outputs[s.name] = *a;
  return out;
}

Artifact output(const Outcome& o, const std::string& step, const std::string& port) {
  if (auto it = o.outputs.find(step); it != o.outputs.end() && it->second.count(port)) return it->second.at(port);
  return Artifact::load(RunStore::stepArtifactsDir(o.dir, step) / port);
}

void writeFile(const fs::path& p, const at::Tensor& x, const at::Tensor& y) {
  h5::File f = h5::File::create(p.string());
  h5::writeTensor(f, "/features/x", x);
  h5::writeTensor(f, "y", y);
}

}  // namespace

class TestComponents : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  fs::path ws() const { return tmp_.path().toStdString(); }

 private Q_SLOTS:
  void hdf5ReaderReadsAnyDatasetPath() {
    at::Tensor x = at::arange(30, at::kFloat).reshape({10, 3});
    at::Tensor y = at::arange(10, at::kLong);
    writeFile(ws() / "ok.h5", x, y);
    auto o = runText(
        "p:\n  steps:\n    - {_target_: core.HDF5Reader, file: ok.h5, features: /features/x, targets: y, "
        "features_shape: [-1, 3]}\n",
        ws() / "r1", ws());
    QCOMPARE(o.status, Executor::Status::Finished);
    Artifact ds = output(o, "hdf5_reader", "dataset");
    QVERIFY(ds.tensor("x").equal(x));
    QVERIFY(ds.tensor("y").equal(y));
    QCOMPARE(ds.tensor("y").scalar_type(), at::kLong);
  }

  void hdf5ReaderErrorsNameFileAndDataset() {
    writeFile(ws() / "bad.h5", at::zeros({4, 2}), at::zeros({5}));
    QFile notH5(QString::fromStdString((ws() / "text.h5").string()));
    QVERIFY(notH5.open(QIODevice::WriteOnly));
    notH5.write("hello");
    notH5.close();
    struct Case {
      const char* args;
      const char* expect;
    } cases[] = {
        {"file: missing.h5", "missing.h5': no such file"},
        {"file: text.h5", "text.h5': not an HDF5 file"},
        {"file: bad.h5, features: /nope", "bad.h5': no dataset '/nope'; datasets in the file: /features/x, /y"},
        {"file: bad.h5, features: /features/x, features_shape: [-1, 3]",
         "dataset '/features/x' has shape (4, 2), expected (any, 3)"},
        {"file: bad.h5, features: /features/x", "'/features/x' has 4 rows but 'y' has 5"},
        {"features: /features/x", "no file: set the 'file' parameter"},
    };
    int i = 0;
    for (const auto& c : cases) {
      auto o = runText(std::string("p:\n  steps:\n    - {_target_: core.HDF5Reader, ") + c.args + "}\n",
                       ws() / ("e" + std::to_string(i++)), ws());
      QCOMPARE(o.status, Executor::Status::Failed);
      QVERIFY2(QString::fromStdString(o.error).contains(c.expect), o.error.c_str());
    }
  }

  void splitIsDisjointAndSeeded() {
    writeFile(ws() / "s.h5", at::arange(100, at::kFloat).reshape({100, 1}), at::arange(100, at::kFloat));
    const std::string text =
        "p:\n  steps:\n    - {_target_: core.HDF5Reader, file: s.h5, features: /features/x}\n    - {_target_: "
        "core.TrainValSplit, val_fraction: 0.3, seed: 5}\n";
    auto a = runText(text, ws() / "s1", ws());
    auto b = runText(text, ws() / "s2", ws());
    QCOMPARE(a.status, Executor::Status::Finished);
    at::Tensor tx = output(a, "train_val_split", "train").tensor("x"),
               vx = output(a, "train_val_split", "val").tensor("x");
    QCOMPARE(tx.size(0), 70);
    QCOMPARE(vx.size(0), 30);
    QVERIFY(std::get<0>(at::cat({tx, vx}).flatten().sort()).equal(at::arange(100, at::kFloat)));  // a partition
    QVERIFY(vx.equal(output(b, "train_val_split", "val").tensor("x")));    // same seed, same split
    QVERIFY(!vx.equal(at::arange(70, 100, at::kFloat).reshape({30, 1})));  // shuffled
  }

  void trainerLearnsRegression() {
    auto o = runText(R"(
p:
  steps:
    - {_target_: synthetic.RegressionSet, file: reg.h5, samples: 2048, seed: 3}
    - {_target_: core.HDF5Reader}
    - {_target_: core.TrainValSplit}
    - {_target_: core.MLPTrainer, epochs: 15, batch_size: 64, lr: 3e-3, model: {_target_: core.MLP, hidden: [32, 32]}}
    - {_target_: core.ModelSaver, name: reg}
)",
                     ws() / "train", ws());
    QVERIFY2(o.status == Executor::Status::Finished, o.error.c_str());
    auto m = output(o, "mlp_trainer", "metrics").meta;
    const double first = m["first_train_loss"], last = m["final_train_loss"], val = m["final_val_loss"];
    QVERIFY2(last < 0.3 * first, qPrintable(QString("loss %1 -> %2").arg(first).arg(last)));
    QVERIFY2(val < 0.3 * first, qPrintable(QString("val loss %1").arg(val)));
    // The saver wrote weights and a summary that carries the metrics.
    const fs::path saveDir = RunStore::stepArtifactsDir(o.dir, "model_saver");
    QVERIFY(fs::file_size(saveDir / "reg.pt") > 1000);
    QFile js(QString::fromStdString((saveDir / "reg.summary.json").string()));
    QVERIFY(js.open(QIODevice::ReadOnly));
    auto summary = nlohmann::json::parse(js.readAll().toStdString());
    QCOMPARE(summary["parameters"].get<int>(), 8 * 32 + 32 + 32 * 32 + 32 + 32 + 1);
    QCOMPARE(summary["metrics"]["final_train_loss"].get<double>(), last);
    QVERIFY(fs::exists(saveDir / "reg.summary.yaml"));
  }

  void trainerLearnsClassification() {
    auto o = runText(R"(
p:
  steps:
    - {_target_: synthetic.RegressionSet, file: cls.h5, task: classification, classes: 3, samples: 3000, seed: 4}
    - {_target_: core.HDF5Reader}
    - {_target_: core.TrainValSplit}
    - {_target_: core.MLPTrainer, epochs: 20, lr: 3e-3}
)",
                     ws() / "cls", ws());
    QVERIFY2(o.status == Executor::Status::Finished, o.error.c_str());
    auto m = output(o, "mlp_trainer", "metrics").meta;
    QCOMPARE(m["task"].get<std::string>(), std::string("classification"));
    QVERIFY2(m["final_val_accuracy"].get<double>() > 0.7, m.dump().c_str());  // chance is ~1/3
  }

  void earlyStoppingAndSchedules() {
    struct Lrs : EventObserver {
      std::vector<double> lr;
      void onEvent(const Event& e) override {
        if (e.type == Event::Type::Metric && e.name == "lr") lr.push_back(e.value);
      }
    } lrs;
    // A learning rate too small to change anything: val_loss never improves by min_delta.
    auto lp = PipelineLoader(tftest::registry())
                  .loadText(R"(
p:
  steps:
    - {_target_: synthetic.RegressionSet, file: es.h5, samples: 512}
    - {_target_: core.HDF5Reader}
    - {_target_: core.TrainValSplit}
    - {_target_: core.MLPTrainer, epochs: 20, lr: 1e-12, patience: 2, min_delta: 1.0, schedule: step, step_size: 1, gamma: 0.5}
)",
                            "es.yaml");
    Executor ex(tftest::registry(), lp.pipeline, ws() / "es");
    ex.addObserver(&lrs);
    RunOptions o;
    o.workspace = ws();
    QVERIFY2(ex.run(o) == Executor::Status::Finished, ex.error().c_str());
    auto m = Artifact::load(RunStore::stepArtifactsDir(ws() / "es", "mlp_trainer") / "metrics").meta;
    QVERIFY(m["stopped_early"].get<bool>());
    QCOMPARE(m["epochs"].get<int>(), 3);  // first validation sets the best, two more without improvement
    QCOMPARE(lrs.lr, (std::vector<double>{1e-12, 0.5e-12, 0.25e-12}));
  }

  void torchScriptExportPredictsLikeTheModel() {
    for (const char* act : {"gelu", "tanh"}) {
      auto o = runText(std::string(R"(
p:
  steps:
    gen: {_target_: synthetic.RegressionSet, file: ts.h5, samples: 1024}
    read: {_target_: core.HDF5Reader}
    split: {_target_: core.TrainValSplit}
    train: {_target_: core.MLPTrainer, epochs: 3, model: {_target_: core.MLP, hidden: [16, 8], dropout: 0.2, activation: )") + act + R"(}}
    save: {_target_: core.ModelSaver, name: net}
    predict: {_target_: core.TorchScriptPredictor, inputs: {dataset: split.val, path: save.path}}
)",
                       ws() / (std::string("ts-") + act), ws());
      QVERIFY2(o.status == Executor::Status::Finished, o.error.c_str());
      const double val = output(o, "train", "metrics").meta["final_val_loss"];
      const double mse = output(o, "predict", "metrics").meta["mse"];
      QVERIFY2(std::abs(val - mse) < 1e-5 * std::max(1.0, val), qPrintable(QString("%1: val_loss %2, TorchScript mse %3").arg(act).arg(val).arg(mse)));
      QCOMPARE(output(o, "predict", "predictions").tensor("prediction").size(0), 205);
    }
    // A file that is not TorchScript is named in the error.
    auto bad = runText("p:\n  steps:\n    - {_target_: synthetic.RegressionSet, file: b.h5, samples: 64}\n    - {_target_: core.HDF5Reader}\n"
                       "    - {_target_: core.TorchScriptPredictor, file: b.h5, inputs: {dataset: hdf5_reader.dataset}}\n",
                       ws() / "ts-bad", ws());
    QCOMPARE(bad.status, Executor::Status::Failed);
    QVERIFY2(QString::fromStdString(bad.error).contains("b.h5': not a TorchScript file"), bad.error.c_str());
  }

  void generatorIsDeterministic() {
    auto a = runText("p:\n  steps:\n    - {_target_: synthetic.RegressionSet, file: d1.h5, samples: 64, seed: 9}\n",
                     ws() / "g1", ws());
    auto b = runText("p:\n  steps:\n    - {_target_: synthetic.RegressionSet, file: d2.h5, samples: 64, seed: 9}\n",
                     ws() / "g2", ws());
    QCOMPARE(a.status, Executor::Status::Finished);
    QCOMPARE(b.status, Executor::Status::Finished);
    h5::File f1 = h5::File::open((ws() / "d1.h5").string()), f2 = h5::File::open((ws() / "d2.h5").string());
    QVERIFY(h5::readTensor(f1, "y").equal(h5::readTensor(f2, "y")));
    QCOMPARE(f1.attributes("/").at("twinforge_format"), std::string("twinforge-synthetic"));
  }

  void artifactRoundTrip() {
    Artifact a;
    a.type = "TensorMap";
    a.tensors["f"] = at::randn({3, 4});
    a.tensors["i"] = at::arange(5, at::kLong);
    a.meta = {{"k", "v"}};
    a.save(ws() / "art");
    Artifact b = Artifact::load(ws() / "art");
    QCOMPARE(b.type, std::string("TensorMap"));
    QVERIFY(b.tensor("f").equal(a.tensor("f")));
    QVERIFY(b.tensor("i").equal(a.tensor("i")));
    QCOMPARE(b.meta["k"].get<std::string>(), std::string("v"));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, Artifact::load(ws() / "no-such-artifact"));
  }

  void inspectorsDescribeFiles() {
    writeFile(ws() / "plain.h5", at::zeros({6, 2}), at::zeros({6}));
    std::ostringstream out;
    bool recognised = false;
    for (const auto& insp : tftest::registry().fileInspectors())
      if ((recognised = insp.inspect((ws() / "plain.h5").string(), out))) break;
    QVERIFY(recognised);
    const QString s = QString::fromStdString(out.str());
    QVERIFY2(
        s.contains("Format: HDF5") && s.contains("/features/x  (6, 2)  float32") && s.contains("/y  (6,)  float32"),
        qPrintable(s));
  }
};

QTEST_GUILESS_MAIN(TestComponents)
#include "test_components.moc"
