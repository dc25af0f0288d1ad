// The run session: one object that loads, selects steps, creates the run with its config
// snapshot, provenance, tags and parameters, executes it, and records how it ended; also a
// dry run, partial runs reusing the previous run, usage errors before any run folder exists,
// and resuming.
#include "TestSupport.h"
#include "config/Node.h"
#include "exec/Event.h"
#include "exec/RunSession.h"
#include "exec/RunStore.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>

using namespace tf;
namespace fs = std::filesystem;

namespace {

const char* kPipeline = R"(amount: 10
g:
  steps:
    left: {_target_: test.Source, value: 1}
    plus: {_target_: test.Add, amount: "${amount}"}
    fail: {_target_: test.Fail, message: "stop here"}
)";

struct Counter : EventObserver {
  int* finished;
  explicit Counter(int* f) : finished(f) {}
  void onEvent(const Event& e) override {
    if (e.type == Event::Type::StepFinished) ++*finished;
  }
};

// A session writing its messages to files, so the test can read what a user would see.
struct Captured {
  QTemporaryDir dir;
  std::FILE* out = std::fopen(dir.filePath("out").toLocal8Bit().constData(), "w+");
  std::FILE* err = std::fopen(dir.filePath("err").toLocal8Bit().constData(), "w+");
  ~Captured() {
    std::fclose(out);
    std::fclose(err);
  }
  static std::string read(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string s;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, f)) s.append(buf, n);
    return s;
  }
};

}  // namespace

class TestRunSession : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString file_;

  RunRequest request() const {
    RunRequest r;
    r.pipelineFile = file_.toStdString();
    r.workspace = tmp_.filePath("ws").toStdString();
    r.quiet = true;
    r.commandLine = {"twinforge-run", "p.yaml"};
    return r;
  }

 private Q_SLOTS:
  void initTestCase() { file_ = tftest::writeFile(tmp_, "p.yaml", kPipeline); }

  void aRunIsRecordedWithItsProvenance() {
    RunRequest req = request();
    req.steps = {"left", "plus"};
    req.runId = "0123456789abcdef0123456789abcdef";
    req.overrides = {"amount=20"};
    int finished = 0;
    RunSession s(tftest::registry(), req);
    s.setReporter([&](bool leader) -> std::unique_ptr<EventObserver> {
      return leader ? std::make_unique<Counter>(&finished) : nullptr;
    });
    QCOMPARE(s.run(), int(kOk));
    QCOMPARE(finished, 2);
    const RunStore store(req.workspace);
    const auto run = RunStore::readRun(store.runDir(req.runId));
    QVERIFY(run);
    QVERIFY(run->status == RunStore::Status::Finished);
    QCOMPARE(run->tags.at("twinforge.pipeline_key"), std::string("g"));
    QCOMPARE(run->tags.at("twinforge.pipeline_file"), fs::absolute(req.pipelineFile).string());
    QCOMPARE(run->tags.at("twinforge.overrides"), std::string("amount=20\n"));
    QCOMPARE(run->params.at("plus.amount"), std::string("20"));  // resolved, with the override
    for (const auto& f : {RunStore::configFile(run->dir), RunStore::pipelineFile(run->dir),
                          RunStore::environmentFile(run->dir), RunStore::eventsFile(run->dir)})
      QVERIFY2(fs::exists(f), f.c_str());
    // The snapshot is the resolved configuration: what --resume runs again.
    const cfg::Node config = cfg::parseYamlFile(RunStore::configFile(run->dir).string());
    QCOMPARE(config.find("g")->find("steps")->find("plus")->find("amount")->text(), std::string("20"));
  }

  void aFailedStepEndsTheRunAsFailed() {
    RunRequest req = request();
    req.runId = "ffffffffffffffffffffffffffffffff";
    Captured c;
    RunSession s(tftest::registry(), req);
    s.setStreams(c.out, c.err);
    QCOMPARE(s.run(), int(kRunFailed));
    const auto run = RunStore::readRun(RunStore(req.workspace).runDir(req.runId));
    QVERIFY(run && run->status == RunStore::Status::Failed);
  }

  void dryRunsAndUsageErrorsMakeNoRun() {
    const std::size_t before = RunStore(request().workspace).listRuns().size();
    RunRequest dry = request();
    dry.dryRun = true;
    dry.from = "plus";
    Captured c;
    RunSession s(tftest::registry(), dry);
    s.setStreams(c.out, c.err);
    QCOMPARE(s.run(), int(kOk));
    const std::string out = Captured::read(c.out);
    QVERIFY2(out.find("would run: plus, fail") != std::string::npos, out.c_str());
    QVERIFY2(out.find("other steps' outputs from") != std::string::npos, out.c_str());  // the earlier runs

    RunRequest bad = request();
    bad.steps = {"nope"};
    RunSession b(tftest::registry(), bad);
    b.setStreams(c.out, c.err);
    QCOMPARE(b.run(), int(kUsage));
    QVERIFY(Captured::read(c.err).find("no step 'nope' in pipeline g; steps are: left, plus, fail") != std::string::npos);

    RunRequest broken = request();
    broken.overrides = {"g.steps.plus.amount=lots"};
    RunSession v(tftest::registry(), broken);
    v.setStreams(c.out, c.err);
    QCOMPARE(v.validate(), int(kInvalidPipeline));
    QCOMPARE(RunStore(request().workspace).listRuns().size(), before);
  }

  void resumeContinuesTheSavedConfiguration() {
    RunRequest first = request();
    first.steps = {"left"};
    first.runId = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    QCOMPARE(RunSession(tftest::registry(), first).run(), int(kOk));
    RunRequest again;
    again.workspace = first.workspace;
    again.resume = first.runId;
    again.quiet = true;
    Captured c;
    RunSession r(tftest::registry(), again);
    r.setStreams(c.out, c.err);
    // Every step of the saved pipeline: `left` is skipped (done), `fail` fails.
    QCOMPARE(r.resume(), int(kRunFailed));
    RunRequest missing = again;
    missing.resume = "0000";
    RunSession m(tftest::registry(), missing);
    m.setStreams(c.out, c.err);
    QCOMPARE(m.resume(), int(kUsage));
    QVERIFY(Captured::read(c.err).find("--resume 0000: no run 0000") != std::string::npos);
    RunRequest mixed = again;
    mixed.pipelineFile = file_.toStdString();
    QCOMPARE(RunSession(tftest::registry(), mixed).resume(), int(kUsage));
  }
};

QTEST_GUILESS_MAIN(TestRunSession)
#include "test_run_session.moc"
