// The local launcher behind twinforge-run --nproc and the GUI's Run: output line by line with
// its stream and rank, exit codes, the torchrun environment of each rank, one failing rank
// stopping the others, and cancelling.
#include "exec/ExitCodes.h"
#include "launch/Host.h"
#include "launch/LocalLauncher.h"

#include <QtTest>

#include <map>
#include <set>

using namespace tf;
using namespace tf::launch;

namespace {

LaunchSpec shell(const std::string& script, int ranks = 1) {
  LaunchSpec s;
  s.program = "/bin/sh";
  s.args = {"-c", script};
  s.ranks = ranks;
  s.graceSeconds = 2;
  return s;
}

}  // namespace

class TestLocalLauncher : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // runProcess, under every SLURM and SSH command: input fed, outputs kept apart, a child that
  // stops reading does not take this process down with SIGPIPE, a hung one is killed.
  void runProcessFeedsCollectsAndSurvives() {
    CommandResult r = runProcess({"sh", "-c", "wc -c; echo err >&2; exit 4"}, std::string(300000, 'x'));
    QCOMPARE(r.code, 4);
    QCOMPARE(r.out, std::string("300000\n"));
    QCOMPARE(r.err, std::string("err\n"));
    r = runProcess({"true"}, std::string(4 << 20, 'x'));  // reads nothing, exits at once
    QCOMPARE(r.code, 0);
    r = runProcess({"sleep", "30"}, {}, std::chrono::milliseconds(300));
    QVERIFY(r.timedOut);
    QVERIFY(!r.ok());
    r = runProcess({"/no/such/program"});
    QCOMPARE(r.code, 127);
    QVERIFY(r.err.find("cannot run /no/such/program") != std::string::npos);
    r = runProcess({"sh", "-c", "printf %s \"$TF_X\""}, {}, std::chrono::seconds(10), {"TF_X=a b$c"});
    QCOMPARE(r.out, std::string("a b$c"));
  }

  void outputAndExitCode() {
    LocalLauncher l;
    QCOMPARE(l.name(), std::string("local"));
    auto job = l.submit(shell("echo one; echo two >&2; printf 'no newline'; exit 3"));
    std::vector<OutputLine> lines;
    QCOMPARE(waitFor(*job, [&](const OutputLine& o) { lines.push_back(o); }), 3);
    QVERIFY(job->state() == JobState::Failed);
    QCOMPARE(lines.size(), std::size_t(3));
    std::map<std::string, bool> seen;
    for (const auto& o : lines) {
      seen[o.text] = o.isError;
      QCOMPARE(o.rank, -1);
    }
    QCOMPARE(seen.at("one"), false);
    QCOMPARE(seen.at("two"), true);
    QVERIFY(seen.count("no newline"));
    QVERIFY2(job->failure().find("exited with status 3") != std::string::npos, job->failure().c_str());
    auto ok = l.submit(shell("true"));
    QCOMPARE(waitFor(*ok, {}), int(kOk));
    QVERIFY(ok->state() == JobState::Completed && ok->failure().empty());
  }

  void ranksGetTheTorchrunEnvironment() {
    auto job = LocalLauncher().submit(shell("echo $RANK/$WORLD_SIZE/$LOCAL_RANK/$MASTER_ADDR:$MASTER_PORT", 3));
    std::set<std::string> texts;
    std::set<int> ranks;
    QCOMPARE(waitFor(*job,
                     [&](const OutputLine& o) {
                       texts.insert(o.text.substr(0, o.text.find(':')));
                       ranks.insert(o.rank);
                       QVERIFY(o.text.find(":0") == std::string::npos);  // a real port
                     }),
             0);
    QCOMPARE(texts, (std::set<std::string>{"0/3/0/127.0.0.1", "1/3/1/127.0.0.1", "2/3/2/127.0.0.1"}));
    QCOMPARE(ranks, (std::set<int>{0, 1, 2}));
    QVERIFY(job->describe().find("3 ranks on this machine") != std::string::npos);
  }

  void oneFailingRankStopsTheOthers() {
    // Rank 1 fails at once; rank 0 would sleep a minute.
    auto job = LocalLauncher().submit(shell("if [ $RANK = 1 ]; then echo 'error: bad shard'; exit 5; fi; sleep 60", 2));
    QElapsedTimer t;
    t.start();
    QCOMPARE(waitFor(*job, {}), 5);
    QVERIFY(t.elapsed() < 30000);
    QVERIFY(job->state() == JobState::Failed);
    QVERIFY2(job->failure().find("rank 1 exited with status 5: error: bad shard") != std::string::npos,
             job->failure().c_str());
  }

  void cancelStopsTheJob() {
    auto job = LocalLauncher().submit(shell("trap 'exit 130' TERM; while true; do sleep 0.05; done"));
    QElapsedTimer t;
    t.start();
    bool asked = false;
    QCOMPARE(waitFor(*job, {}, [&] { return (asked = t.elapsed() > 200); }), int(kCancelled));
    QVERIFY(asked);
    QVERIFY(job->state() == JobState::Cancelled);
    // A program that ignores SIGTERM is killed after the grace time.
    auto stubborn = LocalLauncher().submit(shell("trap '' TERM; sleep 60"));
    stubborn->cancel();
    QCOMPARE(waitFor(*stubborn, {}), int(kCancelled));
  }

  void unstartableProgramsAreRefused() {
    LaunchSpec s;
    s.program = "/nonexistent/twinforge-run";
    try {
      LocalLauncher().submit(s);
      QFAIL("expected an error");
    } catch (const std::runtime_error& e) {
      QVERIFY2(std::string(e.what()).find("is not an executable file") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestLocalLauncher)
#include "test_local_launcher.moc"
