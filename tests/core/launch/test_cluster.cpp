// The SLURM and SSH launchers against real services: munged, slurmctld and slurmd on this
// machine and sshd on 127.0.0.1 (tests/fixtures/cluster.sh, started by ctest's fixture). A
// 2-task data-parallel training submitted through an SSH profile comes back into the local run
// store; a second job is cancelled; a failing job, a missing partition, a wrong key, a changed
// host key and an unreachable host give clear messages. Every path and name that reaches the
// remote shell holds spaces, quotes, $ and ;.
#include "TestSupport.h"
#include "exec/Artifact.h"
#include "exec/ExitCodes.h"
#include "exec/RunStore.h"
#include "launch/ClusterProfile.h"
#include "launch/SlurmLauncher.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <csignal>

using namespace tf;
using namespace tf::launch;

namespace {

// Names a remote shell must not split, expand or run.
const QString kOdd = QStringLiteral("it's a \"$HOME\"; `true` dir");

std::string readText(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
}

}  // namespace

class TestCluster : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::map<QString, QString> env_;

  ClusterProfile sshProfile(const QString& remoteWs) const {
    ClusterProfile p;
    p.name = "test ssh";
    p.kind = "ssh";
    p.host = "127.0.0.1";
    p.user = "root";
    p.port = env_.at("TWINFORGE_TEST_SSH_PORT").toInt();
    p.identityFile = env_.at("TWINFORGE_TEST_SSH_KEY").toStdString();
    p.knownHostsFile = env_.at("TWINFORGE_TEST_SSH_KNOWN_HOSTS").toStdString();
    p.remoteWorkspace = remoteWs.toStdString();
    p.runner = tftest::bin("twinforge-run").toStdString();
    p.time = "00:10:00";
    p.tasksPerNode = 2;
    p.pollSeconds = 0.5;
    p.setup = {"export OMP_NUM_THREADS=1"};
    for (auto& l : tftest::sanitizerSetupLines()) p.setup.push_back(l);
    return p;
  }

  // A launch as the GUI makes it: the pipeline file, the workspace, a run id chosen here.
  LaunchSpec spec(const QString& pipeline, const QString& ws, const QStringList& sets) const {
    LaunchSpec s;
    s.workspace = ws.toStdString();
    s.runId = RunStore::newRunId();
    s.files = {pipeline.toStdString()};
    s.args = {pipeline.toStdString(), "--workspace", s.workspace, "--run-id", s.runId, "--threads", "1", "-q"};
    for (const auto& o : sets) s.args.insert(s.args.end(), {"--set", o.toStdString()});
    return s;
  }

  // A failed check leaves a long job running, and the next test's job would wait behind it for
  // the node: each submitted job is cancelled after its test, whatever happened.
  std::vector<std::string> submitted_;
  void cleanup() {
    for (const auto& id : submitted_) runProcess({"scancel", id});
    submitted_.clear();
  }

  // What SLURM and the job's files say, for a failure message.
  static std::string diagnosis(const Job& job, const QString& remoteWs, const LaunchSpec& s) {
    std::string d = "state " + std::to_string(int(job.state())) + ", detail '" + job.detail() + "', health '" + job.health() +
                    "', failure '" + job.failure() + "'\nscontrol: " + runProcess({"scontrol", "show", "job", "-o", job.id()}).out;
    const QString jobs = remoteWs + "/.twinforge/jobs/" + QString::fromStdString(s.runId);
    for (const QString& f : QDir(jobs).entryList({"slurm-*.out", "rank-*.log"}, QDir::Files)) {
      const std::string text = readText(jobs + "/" + f);
      d += "\n-- " + f.toStdString() + " (last 2000 bytes):\n" + text.substr(text.size() > 2000 ? text.size() - 2000 : 0);
    }
    return d;
  }

  QString oddPipeline() {
    const QString dir = tmp_.filePath(kOdd);
    QDir().mkpath(dir);
    const QString file = dir + "/pipe line $x;'.yaml";
    QFile::remove(file);
    if (!QFile::copy(tftest::source("resources/pipelines/mlp-regression.yaml"), file)) qFatal("copy failed");
    return file;
  }

 private Q_SLOTS:
  void initTestCase() {
    env_ = tftest::clusterEnv();
    if (!env_.count("TWINFORGE_TEST_SSH_PORT"))
      QFAIL("no cluster: run through ctest (fixture cluster_start) or set TWINFORGE_TEST_CLUSTER_DIR to a folder "
            "started with tests/fixtures/cluster.sh");
    qputenv("SLURM_CONF", env_["SLURM_CONF"].toLocal8Bit());
  }

  void shellQuotingSurvivesAShell() {
    for (const std::string& s : {std::string("plain"), std::string("a b"), std::string("it's"), std::string("$HOME;rm -rf x"),
                                std::string("`id`\n\"q\"\\"), std::string()}) {
      CommandResult r = runProcess({"/bin/sh", "-c", "printf %s " + shellQuote(s)});
      QCOMPARE(r.out, s);
    }
  }

  void profilesRoundTripAndBadOnesAreNamed() {
    ClusterProfile p = sshProfile("/scratch/" + kOdd);
    p.partition = "gpu";
    p.extraSbatch = {"--constraint=a100", "#SBATCH --exclusive"};
    const auto file = profilesFile(tmp_.filePath("profiles").toStdString());
    saveProfiles(file, {p});
    auto back = loadProfiles(file);
    QCOMPARE(back.size(), std::size_t(1));
    QCOMPARE(back[0].remoteWorkspace, p.remoteWorkspace);
    QCOMPARE(back[0].port, p.port);
    QCOMPARE(back[0].extraSbatch, p.extraSbatch);
    QCOMPARE(back[0].setup, p.setup);
    QVERIFY(back[0].problems().empty());
    QVERIFY(readText(QString::fromStdString(file.string())).find("passphrase") != std::string::npos);  // the comment only

    const QString bad = tftest::writeFile(tmp_, "bad-clusters.yaml", "clusters:\n  a:\n    host: h\n    nodes: two\n");
    try {
      loadProfiles(bad.toStdString());
      QFAIL("no error");
    } catch (const std::exception& e) {
      QVERIFY2(QString(e.what()).contains(":4:") && QString(e.what()).contains("nodes: expected a whole number"), e.what());
    }
    const QString unknown = tftest::writeFile(tmp_, "unknown-clusters.yaml", "clusters:\n  a:\n    hots: h\n");
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, loadProfiles(unknown.toStdString()));
  }

  void batchScriptQuotesDataAndParses() {
    ClusterProfile p = sshProfile("/scratch/" + kOdd);
    p.partition = "debug";
    p.gpusPerNode = 4;
    const QString input = tftest::writeFile(tmp_, "input $1.h5", "data");
    LaunchSpec s = spec(oddPipeline(), tmp_.filePath("ws"), {"trainer.note=a b;$c", "data=" + input});
    s.files.push_back(input.toStdString());
    const std::string script = previewScript(p, s);
    QVERIFY2(script.find("#SBATCH --gpus-per-node=4") != std::string::npos, script.c_str());
    QVERIFY(script.find("#SBATCH --ntasks-per-node=2") != std::string::npos);
    QVERIFY(script.find("srun --kill-on-bad-exit=1 --output=rank-%t.log") != std::string::npos);
    QVERIFY(script.find("'trainer.note=a b;$c'") != std::string::npos);
    // Files the job reads are the uploaded copies, the pipeline's and an override's value alike.
    QVERIFY2(script.find("/.twinforge/files/") != std::string::npos && script.find("input $1.h5'") != std::string::npos &&
                 script.find(input.toStdString()) == std::string::npos && script.find(s.files[0]) == std::string::npos,
             script.c_str());
    const QString f = tftest::writeFile(tmp_, "job.sh", QByteArray::fromStdString(script));
    QCOMPARE(runProcess({"bash", "-n", f.toStdString()}).code, 0);
  }

  void sshTwoRankTrainingComesBackAndASecondIsCancelled() {
    const QString remote = tmp_.filePath("cluster side/" + kOdd);
    const QString ws = tmp_.filePath("local " + kOdd);
    auto l = launcherFor(sshProfile(remote));
    QCOMPARE(l->name(), std::string("ssh+slurm"));
    const QString pipeline = oddPipeline();
    LaunchSpec s = spec(pipeline, ws, {"epochs=3", "samples=1001", "batch_size=32"});
    auto job = l->submit(s);
    submitted_.push_back(job->id());
    QCOMPARE(l->uploadedFiles(), 1);
    std::vector<OutputLine> lines;
    bool sawRunning = false;
    const auto start = std::chrono::steady_clock::now();
    while (!job->finished() && std::chrono::steady_clock::now() - start < std::chrono::minutes(5)) {  // hang guard
      job->poll(200, [&](const OutputLine& o) { lines.push_back(o); });
      sawRunning |= job->state() == JobState::Running;
    }
    QVERIFY2(job->state() == JobState::Completed, diagnosis(*job, remote, s).c_str());
    QCOMPARE(job->exitCode(), 0);
    QVERIFY(sawRunning);
    qInfo("%s: %zu log lines", job->describe().c_str(), lines.size());

    const QString run = QString::fromStdString(RunStore(s.workspace).runDir(s.runId).string());
    // Metrics, the model, the per-rank logs and the script are in the local run store.
    const auto rec = RunStore::readRun(run.toStdString());
    QVERIFY(rec.has_value());
    QCOMPARE(RunStore::statusName(rec->status), "finished");
    QVERIFY(!RunStore::metricHistory(run.toStdString(), "train_loss").empty() ||
            !QDir(run + "/metrics").entryList(QDir::Files).isEmpty());
    QVERIFY(tf::Artifact::load((run + "/artifacts/steps/train/model").toStdString()).tensors.size() > 0);
    QCOMPARE(readText(run + "/tags/twinforge.world_size"), std::string("2"));
    for (const char* f : {"rank-0.log", "rank-1.log", "job.sh", "job.txt"})
      QVERIFY2(QFile::exists(run + "/artifacts/slurm/" + f), f);
    QVERIFY(readText(run + "/events.jsonl").find("\"metric\"") != std::string::npos);
    QVERIFY(readText(run + "/meta.yaml").find("artifact_uri: file://" + (run + "/artifacts").toStdString()) != std::string::npos);

    // The same pipeline again: not uploaded twice. This one runs long and is cancelled.
    LaunchSpec s2 = spec(pipeline, ws, {"epochs=4000", "samples=1001", "batch_size=8"});
    auto second = l->submit(s2);
    submitted_.push_back(second->id());
    QCOMPARE(l->unchangedFiles(), 1);
    QTRY_VERIFY2_WITH_TIMEOUT((second->poll(100, {}), second->state() == JobState::Running), diagnosis(*second, remote, s2).c_str(), 60000);
    QVERIFY2(second->detail().find("on " + env_.at("TWINFORGE_TEST_SLURM_HOST").toStdString() + ", ") == 0, diagnosis(*second, remote, s2).c_str());
    second->cancel();
    QTRY_VERIFY_WITH_TIMEOUT((second->poll(100, {}), second->finished()), 60000);
    QVERIFY(second->state() == JobState::Cancelled);
    QCOMPARE(second->exitCode(), int(kCancelled));
  }

  void droppedConnectionIsRetriedAndTheJobReattachedAfterARestart() {
    const QString dir = QString::fromLocal8Bit(qgetenv("TWINFORGE_TEST_CLUSTER_DIR"));
    const QString remote = tmp_.filePath("remote-drop");
    LaunchSpec s = spec(oddPipeline(), tmp_.filePath("ws-drop"), {"epochs=150", "samples=1001", "batch_size=8"});
    std::string jobId;
    {
      auto l = launcherFor(sshProfile(remote));
      auto job = l->submit(s);
      jobId = job->id();
      submitted_.push_back(jobId);
      QTRY_VERIFY2_WITH_TIMEOUT((job->poll(100, {}), job->state() == JobState::Running), diagnosis(*job, remote, s).c_str(), 60000);
      // The login node goes away: sshd stops listening and the shared connection drops.
      QFile pidFile(dir + "/run/sshd.pid");
      QVERIFY(pidFile.open(QIODevice::ReadOnly));
      const pid_t sshd = pidFile.readAll().trimmed().toInt();
      pidFile.close();
      QVERIFY(::kill(sshd, SIGTERM) == 0);
      l->host().disconnect();
      QTRY_VERIFY_WITH_TIMEOUT((job->poll(100, {}), !job->health().empty()), 30000);
      QVERIFY2(job->health().find("connection lost, retrying in") != std::string::npos, job->health().c_str());
      QVERIFY(!job->finished());
      // The workbench closes here (the job object goes; SLURM's job goes on).
    }
    // sshd is back, on the same port; the fixture stops it by the pid written here.
    CommandResult back = runProcess({"/bin/sh", "-c", "/usr/sbin/sshd -D -e -f " + shellQuote((dir + "/ssh/sshd_config").toStdString()) +
                                                          " >> " + shellQuote((dir + "/log/sshd.log").toStdString()) +
                                                          " 2>&1 & echo $! > " + shellQuote((dir + "/run/sshd.pid").toStdString())});
    QCOMPARE(back.code, 0);
    auto again = launcherFor(sshProfile(remote));
    std::unique_ptr<Job> job;
    QTRY_VERIFY_WITH_TIMEOUT([&] {
      try {
        job = again->attach(jobId, s);
        return true;
      } catch (const ConnectionError&) {
        return false;  // sshd not listening yet
      }
    }(), 10000);
    const auto start = std::chrono::steady_clock::now();
    while (!job->finished() && std::chrono::steady_clock::now() - start < std::chrono::minutes(5)) job->poll(200, {});
    QVERIFY2(job->state() == JobState::Completed, (job->failure() + job->health()).c_str());
    const QString run = QString::fromStdString(RunStore(s.workspace).runDir(s.runId).string());
    QVERIFY(QFile::exists(run + "/artifacts/steps/train/model"));
    // events.jsonl followed from the start again: one "run finished", not two.
    const std::string events = readText(run + "/events.jsonl");
    QVERIFY(events.find("\"run_finished\"") == events.rfind("\"run_finished\""));
  }

  void jobSlurmForgotIsReadFromTheCompletionFile() {
    // Submitted, then not looked at until slurmctld has forgotten it (MinJobAge) and no
    // accounting knows it: the job-completion file says how it ended.
    LaunchSpec s = spec(oddPipeline(), tmp_.filePath("ws-forgot"), {"epochs=1", "samples=200"});
    std::string id;
    {
      auto l = launcherFor(sshProfile(tmp_.filePath("remote-forgot")));
      id = l->submit(s)->id();
    }
    QTRY_VERIFY_WITH_TIMEOUT(runProcess({"scontrol", "show", "job", id}).code != 0, 90000);
    auto l = launcherFor(sshProfile(tmp_.filePath("remote-forgot")));
    auto job = l->attach(id, s);
    const auto start = std::chrono::steady_clock::now();
    while (!job->finished() && std::chrono::steady_clock::now() - start < std::chrono::minutes(2)) job->poll(200, {});
    QVERIFY2(job->state() == JobState::Completed, (job->failure() + job->health()).c_str());
    QCOMPARE(l->monitor().status(id).source, std::string("jobcomp"));
    QVERIFY(QFile::exists(QString::fromStdString((RunStore(s.workspace).runDir(s.runId) / "artifacts/steps/train/model").string())));
  }

  void fullRemoteDiskIsNamed() {
    const QString full = tmp_.filePath("full disk");
    QDir().mkpath(full);
    QCOMPARE(runProcess({"mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", full.toStdString()}).code, 0);
    struct Unmount {
      std::string dir;
      ~Unmount() { runProcess({"umount", dir}); }
    } unmount{full.toStdString()};
    const QString big = tftest::writeFile(tmp_, "big input.h5", QByteArray(256 * 1024, 'x'));
    LaunchSpec s = spec(oddPipeline(), tmp_.filePath("ws-full"), {"data=" + big});
    s.files.push_back(big.toStdString());
    try {
      launcherFor(sshProfile(full))->submit(s);
      QFAIL("submitted");
    } catch (const std::exception& e) {
      QVERIFY2(QString(e.what()).contains("No space left on device") && QString(e.what()).contains("big input.h5"), e.what());
    }
  }

  void jobsOfOneLoginShareOneSqueue() {
    const ClusterProfile p = sshProfile(tmp_.filePath("remote-shared"));
    auto l1 = launcherFor(p), l2 = launcherFor(p);
    QCOMPARE(&l1->monitor(), &l2->monitor());  // one connection, one monitor
    const QString ws = tmp_.filePath("ws-shared");
    auto a = l1->submit(spec(oddPipeline(), ws, {"epochs=40", "samples=1001"}));
    auto b = l2->submit(spec(oddPipeline(), ws, {"epochs=40", "samples=1001"}));
    submitted_.insert(submitted_.end(), {a->id(), b->id()});
    const int before = l1->monitor().queries();
    const auto start = std::chrono::steady_clock::now();
    int polls = 0;
    while ((!a->finished() || !b->finished()) && std::chrono::steady_clock::now() - start < std::chrono::minutes(3)) {
      a->poll(50, {});
      b->poll(50, {});
      polls += 2;
    }
    QVERIFY(a->state() == JobState::Completed && b->state() == JobState::Completed);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int queries = l1->monitor().queries() - before;
    qInfo("%d polls of 2 jobs in %.1f s: %d squeue calls (interval %.1f s)", polls, seconds, queries, p.pollSeconds);
    QVERIFY2(queries <= seconds / p.pollSeconds + 2, qPrintable(QString::number(queries)));
  }

  void twinforgeRunSubmitsWithAProfile() {
    const QString ws = tmp_.filePath("cli ws " + kOdd);
    ClusterProfile p = sshProfile(tmp_.filePath("cli remote"));
    p.name = "hpc";
    saveProfiles(profilesFile(ws.toStdString()), {p});
    const QString id(32, 'e');
    QProcess run;
    run.start(tftest::bin("twinforge-run"), {oddPipeline(), "-w", ws, "--cluster", "hpc", "--run-id", id, "--threads", "1",
                                             "--set", "epochs=3", "--set", "samples=1001"});
    QVERIFY(run.waitForFinished(300000));  // a hang guard
    const QString out = run.readAllStandardOutput(), err = run.readAllStandardError();
    QVERIFY2(run.exitCode() == 0, qPrintable(out + err));
    QVERIFY2(out.contains("submitted run " + id) && out.contains("[rank 0]") && out.contains("copied back"), qPrintable(out));
    QVERIFY(QFile::exists(ws + "/mlruns/0/" + id + "/artifacts/steps/train/model"));

    QProcess bad;
    bad.start(tftest::bin("twinforge-run"), {oddPipeline(), "-w", ws, "--cluster", "nope"});
    QVERIFY(bad.waitForFinished(60000));
    QCOMPARE(bad.exitCode(), int(kUsage));
    QVERIFY(QString(bad.readAllStandardError()).contains("no such profile"));
  }

  void failingJobShowsTheTailOfItsLog() {
    auto l = launcherFor(sshProfile(tmp_.filePath("remote-fail")));
    LaunchSpec s = spec(oddPipeline(), tmp_.filePath("ws-fail"), {"epochs=fast"});
    auto job = l->submit(s);
    const auto start = std::chrono::steady_clock::now();
    while (!job->finished() && std::chrono::steady_clock::now() - start < std::chrono::minutes(3)) job->poll(200, {});
    QVERIFY(job->state() == JobState::Failed);
    QVERIFY(job->exitCode() != 0);
    QVERIFY2(job->failure().find("FAILED") != std::string::npos && job->failure().find("epochs") != std::string::npos,
             job->failure().c_str());
  }

  void missingPartitionShowsSlurmsMessage() {
    ClusterProfile p = sshProfile(tmp_.filePath("remote-part"));
    p.partition = "no-such-partition";
    auto l = launcherFor(p);
    try {
      l->submit(spec(oddPipeline(), tmp_.filePath("ws-part"), {}));
      QFAIL("submitted");
    } catch (const std::exception& e) {
      QVERIFY2(QString(e.what()).contains("invalid partition"), e.what());
    }
  }

  void jobSqueueLeavesOutIsShownWhereItRuns() {
    // A busy controller's squeue can answer without a job scontrol shows running (seen once
    // under the sanitizers): the job is still shown running, on its node, for as long as it has.
    ClusterProfile p = sshProfile(tmp_.filePath("local quiet"));
    p.kind = "slurm";
    p.tasksPerNode = 1;
    p.setup = {"squeue() { :; }  # answers, lists nothing"};
    auto l = launcherFor(p);
    LaunchSpec s = spec(oddPipeline(), tmp_.filePath("ws-quiet"), {"epochs=4000", "samples=1001", "batch_size=8"});
    auto job = l->submit(s);
    submitted_.push_back(job->id());
    QTRY_VERIFY2_WITH_TIMEOUT((job->poll(100, {}), job->state() == JobState::Running), diagnosis(*job, tmp_.filePath("local quiet"), s).c_str(), 60000);
    QVERIFY2(job->detail().find("on " + env_.at("TWINFORGE_TEST_SLURM_HOST").toStdString() + ", ") == 0 &&
                 job->detail().find(" elapsed") != std::string::npos,
             job->detail().c_str());
    QCOMPARE(l->monitor().status(job->id()).source, std::string("scontrol"));
    job->cancel();
    QTRY_VERIFY_WITH_TIMEOUT((job->poll(100, {}), job->finished()), 60000);
    QVERIFY(job->state() == JobState::Cancelled);
  }

  void localSlurmLauncherRunsOnThisMachine() {
    ClusterProfile p = sshProfile(tmp_.filePath("local slurm " + kOdd));
    p.kind = "slurm";
    p.tasksPerNode = 1;
    auto l = launcherFor(p);
    QCOMPARE(l->name(), std::string("slurm"));
    LaunchSpec s = spec(oddPipeline(), tmp_.filePath("ws-local"), {"epochs=1", "samples=200"});
    auto job = l->submit(s);
    QCOMPARE(waitFor(*job, {}), 0);
    QVERIFY(QFile::exists(QString::fromStdString((RunStore(s.workspace).runDir(s.runId) / "artifacts/slurm/rank-0.log").string())));
  }

  void wrongKeyIsRefused() {
    ClusterProfile p = sshProfile(tmp_.filePath("remote-key"));
    p.identityFile = env_.at("TWINFORGE_TEST_SSH_OTHER_KEY").toStdString();
    try {
      launcherFor(p)->submit(spec(oddPipeline(), tmp_.filePath("ws-key"), {}));
      QFAIL("connected");
    } catch (const ConnectionError& e) {
      QVERIFY2(QString(e.what()).contains("key was not accepted"), e.what());
      QVERIFY(e.permanent);
    }
  }

  void lockedKeyConnectsWithItsPassphraseOnly() {
    ClusterProfile p = sshProfile(tmp_.filePath("remote-locked"));
    p.identityFile = env_.at("TWINFORGE_TEST_SSH_LOCKED_KEY").toStdString();
    const std::string passphrase = env_.at("TWINFORGE_TEST_SSH_LOCKED_PASSPHRASE").toStdString();
    QVERIFY(passphrase.find('$') != std::string::npos && passphrase.find(' ') != std::string::npos);
    try {
      launcherFor(p)->host().run("true", {}, std::chrono::seconds(20));
      QFAIL("connected without the passphrase");
    } catch (const ConnectionError& e) {
      QVERIFY2(QString(e.what()).contains("passphrase"), e.what());
    }
    try {
      launcherFor(p, "wrong")->host().run("true", {}, std::chrono::seconds(20));
      QFAIL("connected with a wrong passphrase");
    } catch (const ConnectionError& e) {
      QVERIFY2(QString(e.what()).contains("check the passphrase"), e.what());
    }
    auto l = launcherFor(p, passphrase);
    CommandResult r = l->host().run("echo connected", {}, std::chrono::seconds(20));
    QCOMPARE(r.out, std::string("connected\n"));
    // Reused connection: no passphrase needed for the next command; none was written to disk.
    QCOMPARE(l->host().run("echo again", {}, std::chrono::seconds(20)).out, std::string("again\n"));
  }

  void changedHostKeyIsRefusedWithItsFingerprint() {
    // known_hosts that remembers another key for this host and port.
    const QString other = QString::fromStdString(readText(env_.at("TWINFORGE_TEST_SSH_OTHER_KEY") + ".pub")).section(' ', 0, 1);
    const QString kh = tftest::writeFile(tmp_, "changed_known_hosts",
                                         QString("[127.0.0.1]:%1 %2\n").arg(env_.at("TWINFORGE_TEST_SSH_PORT"), other).toUtf8());
    ClusterProfile p = sshProfile(tmp_.filePath("remote-hk"));
    p.knownHostsFile = kh.toStdString();
    p.knownHosts = "accept-new";  // accepting new keys never accepts a changed one
    try {
      launcherFor(p)->submit(spec(oddPipeline(), tmp_.filePath("ws-hk"), {}));
      QFAIL("connected");
    } catch (const ConnectionError& e) {
      QVERIFY2(QString(e.what()).contains("CHANGED") && QString(e.what()).contains("SHA256:"), e.what());
    }
  }

  void unreachableHostFailsQuickly() {
    ClusterProfile p = sshProfile(tmp_.filePath("remote-none"));
    p.port = 1;  // nothing listens there
    try {
      launcherFor(p)->submit(spec(oddPipeline(), tmp_.filePath("ws-none"), {}));
      QFAIL("connected");
    } catch (const ConnectionError& e) {
      QVERIFY2(QString(e.what()).contains("connection refused"), e.what());
      QVERIFY(!e.permanent);
    }
  }
};

QTEST_GUILESS_MAIN(TestCluster)
#include "test_cluster.moc"
