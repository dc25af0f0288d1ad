// Checkpoints and resume: a run killed with SIGKILL mid-epoch and resumed ends with exactly
// the weights of an uninterrupted run; bad checkpoints and diverging losses fail clearly.
#include "TestSupport.h"
#include "exec/Artifact.h"
#include "exec/Executor.h"
#include "exec/RunStore.h"
#include "pipeline/PipelineLoader.h"

#include <ATen/ATen.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

namespace fs = std::filesystem;

namespace {

QStringList trainingArgs() {
  return {tftest::source("resources/pipelines/mlp-regression.yaml"),
          "--threads", "1",
          "--set", "epochs=10",
          "--set", "samples=4096",
          "--set", "batch_size=32",
          "--set", "training_pipeline.steps.train.checkpoint_every=37",
          "--set", "training_pipeline.steps.train.model.dropout=0.1",  // random layers must resume too
          "-q"};
}

int runTool(const QStringList& args) {
  QProcess p;
  p.start(tftest::bin("twinforge-run"), args);
  p.waitForFinished(300000);
  if (p.exitCode() != 0) qWarning("%s", p.readAllStandardError().constData());
  return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

tf::Artifact model(const QString& ws, const QString& runId) {
  return tf::Artifact::load((ws + "/mlruns/0/" + runId + "/artifacts/steps/train/model").toStdString());
}

}  // namespace

class TestResume : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void killedRunResumesBitForBit() {
    const QString ws = tmp_.filePath("ws");
    const QString full = "11111111111111111111111111111111", killed = "22222222222222222222222222222222";
    QCOMPARE(runTool(trainingArgs() << "-w" << ws << "--run-id" << full), 0);

    QProcess p;
    p.start(tftest::bin("twinforge-run"), trainingArgs() << "-w" << ws << "--run-id" << killed);
    QVERIFY(p.waitForStarted());
    const QString events = ws + "/mlruns/0/" + killed + "/events.jsonl";
    // Kill it in the middle of an epoch, after a few checkpoints.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
          QFile f(events);
          return f.open(QIODevice::ReadOnly) && f.readAll().contains("\"epoch 4/10");
        }(),
        120000);
    QTest::qWait(120);
    ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);
    QVERIFY(!QFile::exists(ws + "/mlruns/0/" + killed + "/artifacts/steps/train/.done"));

    QCOMPARE(runTool({"--resume", killed, "-w", ws, "--threads", "1", "-q"}), 0);
    tf::Artifact a = model(ws, full), b = model(ws, killed);
    QCOMPARE(a.tensors.size(), b.tensors.size());
    for (const auto& [name, t] : a.tensors) QVERIFY2(t.equal(b.tensor(name)), name.c_str());
    QFile meta(ws + "/mlruns/0/" + killed + "/meta.yaml");
    QVERIFY(meta.open(QIODevice::ReadOnly));
    QVERIFY(meta.readAll().contains("status: 3"));
    // The resumed events say what was skipped and from where training continued.
    QFile ev(events);
    QVERIFY(ev.open(QIODevice::ReadOnly));
    const QByteArray log = ev.readAll();
    QVERIFY(log.contains("\"type\":\"step_skipped\""));
    QVERIFY(log.contains("resuming from"));
    // Resume refuses changes to what it continues.
    QCOMPARE(runTool({"--resume", killed, "-w", ws, "--set", "epochs=3"}), 2);
    QCOMPARE(runTool({"--resume", "ffffffffffffffffffffffffffffffff", "-w", ws}), 2);
  }

  void checkpointOfAnotherModelIsRefused() {
    auto pipeline = [](const char* hidden) {
      return std::string("p:\n  steps:\n") +
             "    gen: {_target_: synthetic.RegressionSet, file: d.h5, samples: 256}\n"
             "    read: {_target_: core.HDF5Reader}\n"
             "    train: {_target_: core.MLPTrainer, epochs: 2, model: {_target_: core.MLP, hidden: " +
             hidden + "}}\n";
    };
    const fs::path ws = tmp_.filePath("ws2").toStdString(), dir = ws / "run";
    tf::PipelineLoader loader(tftest::registry());
    auto small = loader.loadText(pipeline("[8]"), "a.yaml");
    tf::RunOptions o;
    o.workspace = ws;
    QCOMPARE(tf::Executor(tftest::registry(), small.pipeline, dir).run(o), tf::Executor::Status::Finished);
    // Training again in the same folder with a wider network finds the old checkpoint.
    auto wide = loader.loadText(pipeline("[16]"), "b.yaml");
    tf::Executor ex(tftest::registry(), wide.pipeline, dir);
    o.only = {"train"};
    QCOMPARE(ex.run(o), tf::Executor::Status::Failed);
    QVERIFY2(QString::fromStdString(ex.error()).contains("written for another model: '0.weight' has shape [8, 8] there and [16, 8] here"),
             ex.error().c_str());
  }

  void divergingLossStopsWithTheLastGoodCheckpoint() {
    const fs::path ws = tmp_.filePath("ws3").toStdString();
    auto lp = tf::PipelineLoader(tftest::registry())
                  .loadText("p:\n  steps:\n    - {_target_: synthetic.RegressionSet, file: d.h5, samples: 512}\n"
                            "    - {_target_: core.HDF5Reader}\n"
                            "    - {_target_: core.MLPTrainer, epochs: 50, optimizer: sgd, lr: 1e6, momentum: 0.5, checkpoint_every: 1}\n",
                            "nan.yaml");
    tf::Executor ex(tftest::registry(), lp.pipeline, ws / "run");
    tf::RunOptions o;
    o.workspace = ws;
    QCOMPARE(ex.run(o), tf::Executor::Status::Failed);
    const QString err = QString::fromStdString(ex.error());
    QVERIFY2(err.contains("the loss became") && err.contains("lower the learning rate"), qPrintable(err));
    QVERIFY2(err.contains("the last good checkpoint is kept"), qPrintable(err));
    QVERIFY(fs::exists(ws / "run" / "artifacts" / "steps" / "mlp_trainer" / "checkpoint.pt"));
  }
};

QTEST_GUILESS_MAIN(TestResume)
#include "test_resume.moc"
