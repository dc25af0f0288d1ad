// Data-parallel runs through twinforge-run: --nproc 2 against one process over the same global
// batch, two 2-rank runs against each other, a rank killed mid-run (with and without the
// launcher), a busy rendezvous port, and a killed 2-rank run resumed.
#include "TestSupport.h"
#include "exec/Artifact.h"

#include <ATen/ATen.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

namespace {

// 1001 samples: 801 train after the split. With 32 per rank the global batch is 64 and each
// epoch ends with 33 samples, split 16/17: ranks weigh their gradients by their share.
QStringList trainingArgs(int batch, int epochs = 3) {
  return {tftest::source("resources/pipelines/mlp-regression.yaml"),
          "--threads", "1",
          "--set", "epochs=" + QString::number(epochs),
          "--set", "samples=1001",
          "--set", "batch_size=" + QString::number(batch),
          "-q"};
}

using Result = tftest::ToolResult;
Result runTool(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  tftest::ToolOptions o;
  o.env = env;
  o.hangGuardMs = 300000;
  Result r = tftest::runTool(args, o);
  if (r.code != 0) qInfo("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, qPrintable(r.out), qPrintable(r.err));
  return r;
}

tf::Artifact model(const QString& ws, const QString& runId) {
  return tf::Artifact::load((ws + "/mlruns/0/" + runId + "/artifacts/steps/train/model").toStdString());
}

// The launcher's children, from /proc.
QList<qint64> childrenOf(qint64 pid) {
  QList<qint64> out;
  QFile f(QString("/proc/%1/task/%1/children").arg(pid));
  if (f.open(QIODevice::ReadOnly))
    for (const auto& s : QString(f.readAll()).split(' ', Qt::SkipEmptyParts)) out << s.toLongLong();
  return out;
}

bool fileContains(const QString& path, const QByteArray& what) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) && f.readAll().contains(what);
}

QProcessEnvironment rankEnv(int rank, int port) {
  auto env = QProcessEnvironment::systemEnvironment();
  env.insert("RANK", QString::number(rank));
  env.insert("LOCAL_RANK", QString::number(rank));
  env.insert("WORLD_SIZE", "2");
  env.insert("LOCAL_WORLD_SIZE", "2");
  env.insert("MASTER_ADDR", "127.0.0.1");
  env.insert("MASTER_PORT", QString::number(port));
  return env;
}

int freePort() {
  QTcpServer s;
  if (!s.listen(QHostAddress::LocalHost, 0)) qFatal("no free port");
  return s.serverPort();
}

}  // namespace

class TestDist : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void twoRanksMatchOneRankOverTheGlobalBatch() {
    const QString ws = tmp_.filePath("match");
    QCOMPARE(runTool(trainingArgs(64) << "-w" << ws << "--run-id" << QString(32, '1')).code, 0);
    QCOMPARE(runTool(trainingArgs(32) << "-w" << ws << "--run-id" << QString(32, '2') << "--nproc" << "2").code, 0);
    tf::Artifact one = model(ws, QString(32, '1')), two = model(ws, QString(32, '2'));
    QCOMPARE(one.tensors.size(), two.tensors.size());
    // Float32 sums in another order differ near 1e-7 per step. Tolerance: 1e-5 of the tensor's
    // largest weight after 3 epochs of Adam (measured here: at most 2e-7, about one ulp).
    for (const auto& [name, a] : one.tensors) {
      const at::Tensor& b = two.tensor(name);
      const double err = (a - b).abs().max().item<double>(), scale = a.abs().max().item<double>();
      QVERIFY2(err <= 1e-5 * scale, qPrintable(QString("%1: max difference %2, scale %3")
                                                    .arg(QString::fromStdString(name)).arg(err).arg(scale)));
      qInfo("%s: max |1 rank - 2 ranks| = %.3g (largest weight %.3g)", name.c_str(), err, scale);
    }
    // The run records how many ranks trained it.
    QVERIFY(fileContains(ws + "/mlruns/0/" + QString(32, '2') + "/tags/twinforge.world_size", "2"));
  }

  void twoRankRunsWithTheSameSeedAreBitIdentical() {
    const QString ws = tmp_.filePath("repeat");
    for (char c : {'a', 'b'})
      QCOMPARE(runTool(trainingArgs(32) << "-w" << ws << "--run-id" << QString(32, c) << "--nproc" << "2").code, 0);
    tf::Artifact a = model(ws, QString(32, 'a')), b = model(ws, QString(32, 'b'));
    for (const auto& [name, t] : a.tensors) QVERIFY2(t.equal(b.tensor(name)), name.c_str());
  }

  void killedRankStopsTheJobAndIsNamed() {
    const QString ws = tmp_.filePath("kill"), id(32, 'c');
    QProcess p;
    p.start(tftest::bin("twinforge-run"), trainingArgs(8, 400) << "-w" << ws << "--run-id" << id << "--nproc" << "2");
    QVERIFY(p.waitForStarted());
    const QString events = ws + "/mlruns/0/" + id + "/events.jsonl";
    QTRY_VERIFY_WITH_TIMEOUT(fileContains(events, "\"epoch 2/400"), 120000);
    const auto kids = childrenOf(p.processId());
    QCOMPARE(kids.size(), 2);
    ::kill(static_cast<pid_t>(kids[1]), SIGKILL);  // rank 1: started second
    QVERIFY(p.waitForFinished(120000));             // a hang guard: it ends within a second here
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY(p.exitCode() != 0);
    const QString err = p.readAllStandardError();
    QVERIFY2(err.contains("rank 1 was killed by signal 9"), qPrintable(err));
    QVERIFY(fileContains(ws + "/mlruns/0/" + id + "/meta.yaml", "status: 4"));  // MLflow's FAILED
    for (auto pid : kids) QVERIFY2(!QFile::exists(QString("/proc/%1/status").arg(pid)) ||
                                       fileContains(QString("/proc/%1/status").arg(pid), "State:\tZ"),
                                   "a rank is still running");
  }

  void survivorWithoutLauncherExitsWhenItsPeerDies() {
    // As under torchrun or srun: two independent processes, no launcher to stop the survivor.
    const QString ws = tmp_.filePath("nolauncher");
    const int port = freePort();
    QProcess r0, r1;
    r0.setProcessEnvironment(rankEnv(0, port));
    r1.setProcessEnvironment(rankEnv(1, port));
    r0.start(tftest::bin("twinforge-run"), trainingArgs(8, 400) << "-w" << ws << "--run-id" << QString(32, 'd'));
    r1.start(tftest::bin("twinforge-run"), trainingArgs(8, 400) << "-w" << ws);
    QVERIFY(r0.waitForStarted() && r1.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(fileContains(ws + "/mlruns/0/" + QString(32, 'd') + "/events.jsonl", "\"epoch 2/400"),
                             120000);
    ::kill(static_cast<pid_t>(r1.processId()), SIGKILL);
    QVERIFY(r0.waitForFinished(120000));
    QCOMPARE(r0.exitCode(), 1);
    const QString out = r0.readAllStandardOutput() + r0.readAllStandardError();
    QVERIFY2(out.contains("a collective with the other ranks failed"), qPrintable(out));
    r1.waitForFinished(10000);
  }

  void busyPortIsReported() {
    QTcpServer busy;
    QVERIFY(busy.listen(QHostAddress::Any, 0));
    auto r = runTool(trainingArgs(32) << "-w" << tmp_.filePath("busy") << "--nproc" << "2" << "--master-port"
                                      << QString::number(busy.serverPort()));
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("rank 0") && r.err.contains("already in use") && r.err.contains("--master-port"),
             qPrintable(r.err));
  }

  void nprocInsideAJobIsRefused() {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("WORLD_SIZE", "4");
    auto r = runTool(trainingArgs(32) << "--nproc" << "2", env);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("already data-parallel"), qPrintable(r.err));
  }

  void killedTwoRankRunResumesBitForBit() {
    const QString ws = tmp_.filePath("resume"), full(32, 'e'), killed(32, 'f');
    auto args = [&](const QString& id) {
      return trainingArgs(8, 6) << "--set" << "training_pipeline.steps.train.checkpoint_every=17"
                                << "--set" << "training_pipeline.steps.train.model.dropout=0.1"
                                << "-w" << ws << "--run-id" << id << "--nproc" << "2";
    };
    QCOMPARE(runTool(args(full)).code, 0);
    QProcess p;
    p.start(tftest::bin("twinforge-run"), args(killed));
    QVERIFY(p.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(fileContains(ws + "/mlruns/0/" + killed + "/events.jsonl", "\"epoch 3/6"), 120000);
    QTest::qWait(50);
    const auto kids = childrenOf(p.processId());
    QCOMPARE(kids.size(), 2);
    ::kill(static_cast<pid_t>(kids[0]), SIGKILL);  // rank 0, the one that writes
    QVERIFY(p.waitForFinished(120000));
    QVERIFY(p.exitCode() != 0);
    QVERIFY(!QFile::exists(ws + "/mlruns/0/" + killed + "/artifacts/steps/train/.done"));

    QCOMPARE(runTool({"--resume", killed, "-w", ws, "--threads", "1", "-q", "--nproc", "2"}).code, 0);
    tf::Artifact a = model(ws, full), b = model(ws, killed);
    QCOMPARE(a.tensors.size(), b.tensors.size());
    for (const auto& [name, t] : a.tensors) QVERIFY2(t.equal(b.tensor(name)), name.c_str());
  }
};

QTEST_GUILESS_MAIN(TestDist)
#include "test_dist.moc"
