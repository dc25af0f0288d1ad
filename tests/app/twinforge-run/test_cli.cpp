// twinforge-run as a user meets it: help, listing, describing, running, and exit codes that
// mean something for each kind of bad input.
#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

namespace {

struct Result {
  int code = -1;
  QString out, err;
};

Result run(const QStringList& args, const QString& cwd = {}, int timeoutMs = 300000,
           const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  QProcess p;
  p.setProcessEnvironment(env);
  if (!cwd.isEmpty()) p.setWorkingDirectory(cwd);
  p.start(tftest::bin("twinforge-run"), args);
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
  }
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

QString example() { return tftest::source("resources/pipelines/mlp-regression.yaml"); }

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString ws() const { return tmp_.filePath("ws"); }
  QString write(const QString& name, const QByteArray& text) { return tftest::writeFile(tmp_, name, text); }

 private Q_SLOTS:
  void helpExplainsUsageAndExitCodes() {
    auto r = run({"--help"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("--set"));
    QVERIFY(r.out.contains("--list-components"));
    QVERIFY(r.out.contains("Exit codes: 0 success, 1 a step failed"));
    QCOMPARE(run({"--no-such-option"}).code, 2);
    QCOMPARE(run({}).code, 2);
  }

  void listAndDescribe() {
    auto l = run({"--list-components"});
    QCOMPARE(l.code, 0);
    QVERIFY(l.out.contains("synthetic.RegressionSet"));
    QVERIFY(l.out.contains("core.MLPTrainer"));
    auto d = run({"--describe", "core.HDF5Reader"});
    QCOMPARE(d.code, 0);
    QVERIFY(d.out.contains("features_shape : list[int]"));
    auto u = run({"--describe", "core.HDF5Readr"});
    QCOMPARE(u.code, 2);
    QVERIFY2(u.err.contains("closest known: core.HDF5Reader"), qPrintable(u.err));
  }

  void dryRunShowsPlan() {
    auto r = run({example(), "--dry-run", "-w", ws()});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("train <- split.train") && r.out.contains("valid."), qPrintable(r.out));
    QVERIFY(!QDir(ws() + "/mlruns/0").exists() ||
            QDir(ws() + "/mlruns/0").entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty());
  }

  void runsExampleAndResumesFromAStep() {
    auto r = run({example(), "-w", ws(), "--set", "epochs=3", "--set", "samples=1024", "--run-id",
                  "aaaabbbbccccddddeeeeffff00001111"});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    const QString runDir = ws() + "/mlruns/0/aaaabbbbccccddddeeeeffff00001111";
    QFile meta(runDir + "/meta.yaml");
    QVERIFY(meta.open(QIODevice::ReadOnly));
    QVERIFY(meta.readAll().contains("status: 3"));
    QVERIFY(QFile::exists(runDir + "/events.jsonl"));
    QVERIFY(QFile::exists(runDir + "/artifacts/config.yaml"));
    QVERIFY(QFile::exists(runDir + "/artifacts/steps/save/mlp-regression.pt"));
    QFile param(runDir + "/params/train.epochs");
    QVERIFY(param.open(QIODevice::ReadOnly));
    QCOMPARE(param.readAll(), QByteArray("3"));
    // Not a terminal: plain lines, no carriage returns.
    QVERIFY(!r.out.contains('\r'));

    // Re-run only training with another learning rate: the data file comes from the run above;
    // reading and splitting (recomputable, not stored) run again.
    QVERIFY(!QFile::exists(runDir + "/artifacts/steps/read/dataset/meta.json"));
    auto again = run({example(), "-w", ws(), "--set", "epochs=2", "--from", "train"});
    QVERIFY2(again.code == 0, qPrintable(again.out + again.err));
    QVERIFY2(again.out.contains("4 step(s)"), qPrintable(again.out));
    QVERIFY(!again.out.contains("generate (synthetic.RegressionSet) started"));
    QVERIFY(again.out.contains("read (core.HDF5Reader) started") && again.out.contains("split (core.TrainValSplit) started"));
    // Partial runs chain: after a run of `generate` alone, `--from save` still finds the
    // trained model, in the older run that holds it.
    auto gen = run({example(), "-w", ws(), "--steps", "generate"});
    QVERIFY2(gen.code == 0, qPrintable(gen.out + gen.err));
    auto save = run({example(), "-w", ws(), "--from", "save"});
    QVERIFY2(save.code == 0, qPrintable(save.out + save.err));
    QVERIFY2(save.out.contains("1 step(s)"), qPrintable(save.out));
  }

  // The device parameter: described on every trainer, cpu trains, cuda without a GPU is refused
  // with a message that says what to do, and a malformed value names what is expected.
  void trainsOnTheDeviceItIsGiven() {
    for (const char* trainer : {"core.MLPTrainer", "calo.GAN3DTrainer"}) {
      auto d = run({"--describe", trainer});
      QCOMPARE(d.code, 0);
      QVERIFY2(d.out.contains("device : str") && d.out.contains("cuda:N") && d.out.contains("precision"),
               qPrintable(d.out));
    }
    QVERIFY(run({"--describe", "calo.Generate"}).out.contains("device : str"));

    QProcessEnvironment noGpu = QProcessEnvironment::systemEnvironment();
    noGpu.insert("CUDA_VISIBLE_DEVICES", "");  // no GPU, whatever machine the test runs on
    const QString key = "training_pipeline.steps.train.device=";
    auto lastLoss = [](const QString& workspace, const QString& id) {
      QFile f(workspace + "/mlruns/0/" + id + "/metrics/train.train_loss");
      return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed().split('\n').last().split(' ').value(1) : QByteArray();
    };
    const QStringList common{example(), "--set", "epochs=2", "--set", "samples=512"};
    auto cpu = run(common + QStringList{"-w", ws() + "-dev", "--set", key + "cpu", "--run-id", QString(32, 'c')}, {},
                   300000, noGpu);
    QVERIFY2(cpu.code == 0, qPrintable(cpu.out + cpu.err));
    auto autoDev = run(common + QStringList{"-w", ws() + "-dev", "--set", key + "auto", "--run-id", QString(32, 'a')},
                       {}, 300000, noGpu);
    QVERIFY2(autoDev.code == 0, qPrintable(autoDev.out + autoDev.err));
    // auto without a GPU is the CPU: the same seeded run gives the same losses.
    QVERIFY(!lastLoss(ws() + "-dev", QString(32, 'c')).isEmpty());
    QCOMPARE(lastLoss(ws() + "-dev", QString(32, 'a')), lastLoss(ws() + "-dev", QString(32, 'c')));

    auto cuda = run(common + QStringList{"-w", ws() + "-dev", "--set", key + "cuda"}, {}, 300000, noGpu);
    QCOMPARE(cuda.code, 1);
    QVERIFY2(cuda.err.contains("device: cuda was asked for, but") && cuda.err.contains("use device: cpu"),
             qPrintable(cuda.err));
    auto bad = run(common + QStringList{"-w", ws() + "-dev", "--set", key + "gpu7"}, {}, 300000, noGpu);
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains("device: 'gpu7' is not a device: expected cpu, cuda, cuda:N or auto"), qPrintable(bad.err));

    // bf16: trains where LibTorch 2.x offers autocast, and is refused by name on 1.13.
    auto bf16 = run(common + QStringList{"-w", ws() + "-dev", "--set", "training_pipeline.steps.train.precision=bf16"},
                    {}, 300000, noGpu);
    if (bf16.code == 0)
      QVERIFY2(bf16.out.contains("training on cpu, precision bf16"), qPrintable(bf16.out));
    else
      QVERIFY2(bf16.err.contains("precision: bf16 needs LibTorch 2.x"), qPrintable(bf16.err));
  }

  void loggersAndProvenance() {
    // The example with TensorBoard and CSV loggers added by an override of the top-level key.
    auto r = run({example(), "-w", ws(), "--set", "epochs=2", "--set", "samples=256", "--set", "loggers=[tensorboard, csv]",
                  "--run-id", "0000111122223333444455556666aaaa"});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    const QString runDir = ws() + "/mlruns/0/0000111122223333444455556666aaaa";
    QVERIFY(!QDir(runDir + "/artifacts/tensorboard").entryList({"events.out.tfevents.*"}).isEmpty());
    QFile csv(runDir + "/artifacts/metrics.csv");
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(csv.readAll()).count("train,train_loss,"), 2);
    QVERIFY(!QFile::exists(runDir + "/metrics/train.train_loss"));  // mlflow not chosen
    QFile env(runDir + "/artifacts/environment.json");
    QVERIFY(env.open(QIODevice::ReadOnly));
    const QByteArray e = env.readAll();
    QVERIFY(e.contains("\"command_line\""));
    if (QFile::exists(tftest::source(".git"))) QVERIFY(QFile::exists(runDir + "/tags/mlflow.source.git.commit"));
    auto bad = run({example(), "-w", ws(), "--set", "loggers=[wandb]"});
    QCOMPARE(bad.code, 3);
    QVERIFY2(bad.err.contains("loggers: expected one of mlflow, tensorboard, csv, console or {mlflow: {tracking_uri: http://..., experiment_name: ...}}, got \"wandb\""), qPrintable(bad.err));
  }

  void badInputGivesClearErrorsAndCodes() {
    // Malformed YAML: file and line.
    auto bad = run({write("bad.yaml", "p:\n  steps: [\n    {_target_: core.MLP\n"), "-w", ws()});
    QCOMPARE(bad.code, 3);
    QVERIFY2(bad.err.contains("bad.yaml:") && bad.err.contains("malformed YAML"), qPrintable(bad.err));
    // Unknown class path with a suggestion.
    auto unk = run({write("unk.yaml", "p:\n  steps:\n    - _target_: core.MLPTrainr\n"), "-w", ws()});
    QCOMPARE(unk.code, 3);
    QVERIFY2(unk.err.contains(
                 "unk.yaml:3:17: mlp_trainr: unknown component 'core.MLPTrainr'; closest known: core.MLPTrainer"),
             qPrintable(unk.err));
    // Wrong parameter type from the command line.
    auto set = run({example(), "-w", ws(), "--set", "training_pipeline.steps.train.lr=fast"});
    QCOMPARE(set.code, 3);
    QVERIFY2(
        set.err.contains("--set training_pipeline.steps.train.lr=fast: train.lr: expected a number > 0, got \"fast\""),
        qPrintable(set.err));
    // Missing HDF5 file: the step fails, naming the file.
    auto missing =
        run({write("missing.yaml", "p:\n  steps:\n    - {_target_: core.HDF5Reader, file: /no/such/file.h5}\n"), "-w",
             ws()});
    QCOMPARE(missing.code, 1);
    QVERIFY2(missing.err.contains("'/no/such/file.h5': no such file"), qPrintable(missing.err));
    // Missing dataset in a real file.
    const QString h5 = tmp_.filePath("ws/data/synthetic-regression.h5");
    QVERIFY(QFile::exists(h5));  // written by runsExampleAndResumesFromAStep
    auto ds = run({write("ds.yaml", "p:\n  steps:\n    - {_target_: core.HDF5Reader, file: " + h5.toUtf8() +
                                        ", features: /ECAL}\n"),
                   "-w", ws()});
    QCOMPARE(ds.code, 1);
    QVERIFY2(ds.err.contains("no dataset '/ECAL'; datasets in the file: /x, /y"), qPrintable(ds.err));
    // Unknown step names and run ids are usage errors.
    QCOMPARE(run({example(), "-w", ws(), "--steps", "nope"}).code, 2);
    QCOMPARE(run({example(), "-w", ws(), "--reuse", "ffff"}).code, 2);
    QCOMPARE(run({example(), "--pipeline", "nope", "-w", ws()}).code, 3);
  }

  void brokenPluginWarnsButRuns() {
    auto r = run({"--plugin-path", TF_BAD_PLUGIN_DIR, "--list-components"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.contains("warning: plugin") && r.err.contains("no 'twinforge_register_plugin' entry point"),
             qPrintable(r.err));
    QVERIFY(r.out.contains("core.MLPTrainer"));
  }

  void infoRecognisesFormats() {
    run({example(), "-w", ws(), "--steps", "generate", "--set", "samples=100"});
    auto r = run({"info", ws() + "/data/synthetic-regression.h5"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("Format: TwinForge synthetic regression set") && r.out.contains("/x  (100, 8)  float32"),
             qPrintable(r.out));
    auto bad = run({"info", write("notes.txt", "hello")});
    QCOMPARE(bad.code, 4);
    QVERIFY2(bad.err.contains("not a format TwinForge recognises"), qPrintable(bad.err));
    QCOMPARE(run({"info", "/no/such.h5"}).code, 4);
  }

  void interruptCancelsWithCode130() {
    QProcess p;
    p.start(tftest::bin("twinforge-run"), {example(), "-w", ws(), "--set", "epochs=100000", "--set", "samples=512"});
    QVERIFY(p.waitForStarted());
    // Wait until training is under way, then interrupt like Ctrl-C.
    QString out;
    QTRY_VERIFY_WITH_TIMEOUT(
        (out += QString::fromUtf8(p.readAllStandardOutput())).contains("train (core.MLPTrainer) started"), 60000);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 130);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("run cancelled"));
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
