// The executor: order, artifacts between ports, events, partial runs from saved outputs,
// failures and cancellation; and the run store it writes into.
#include "TestSupport.h"
#include "exec/Artifact.h"
#include "exec/Executor.h"
#include "exec/RunStore.h"
#include "pipeline/PipelineLoader.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <fstream>
#include <thread>

using namespace tf;

namespace {

struct Recorder : EventObserver {
  std::vector<Event> events;
  std::function<void(const Event&)> hook;
  void onEvent(const Event& e) override {
    events.push_back(e);
    if (hook) hook(e);
  }
  std::vector<std::string> types(const std::string& step = {}) const {
    std::vector<std::string> out;
    for (const auto& e : events)
      if (step.empty() || e.step == step) out.push_back(eventTypeName(e.type));
    return out;
  }
};

const char* kGraph = R"(
g:
  steps:
    total:
      _target_: test.Sum
      inputs: {a: plus.out, b: right}
    left: {_target_: test.Source, value: 1}
    plus: {_target_: test.Add, amount: 10, inputs: [left]}
    right: {_target_: test.Source, value: 100, inputs: []}
)";

LoadedPipeline load(const char* text) {
  auto lp = PipelineLoader(tftest::registry()).loadText(text, "t.yaml");
  if (!lp.runnable()) qFatal("%s", lp.diagnostics.str().c_str());
  return lp;
}

double valueOf(const std::filesystem::path& runDir, const std::string& step) {
  return Artifact::load(RunStore::stepArtifactsDir(runDir, step) / "out").meta.at("value").get<double>();
}

}  // namespace

class TestExecutor : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void runsGraphInOrderAndPassesArtifacts() {
    auto lp = load(kGraph);
    const std::filesystem::path dir = tmp_.filePath("run1").toStdString();
    Executor ex(tftest::registry(), lp.pipeline, dir);
    Recorder rec;
    ex.addObserver(&rec);
    QCOMPARE(ex.run({}), Executor::Status::Finished);
    QCOMPARE(valueOf(dir, "total"), 111.0);
    // Events: run started with the plan, then each step started/.../finished, then run finished.
    QCOMPARE(rec.events.front().type, Event::Type::RunStarted);
    QCOMPARE(rec.events.front().steps, (std::vector<std::string>{"left", "plus", "right", "total"}));
    QCOMPARE(rec.events.back().type, Event::Type::RunFinished);
    QCOMPARE(rec.types("left"), (std::vector<std::string>{"step_started", "log", "metric", "step_finished"}));
    QCOMPARE(rec.types("plus"), (std::vector<std::string>{"step_started", "progress", "step_finished"}));
  }

  void partialRunReusesSavedOutputs() {
    auto lp = load(kGraph);
    const std::filesystem::path first = tmp_.filePath("full").toStdString();
    QCOMPARE(Executor(tftest::registry(), lp.pipeline, first).run({}), Executor::Status::Finished);

    // Change a parameter of `plus` and re-run from it: `left` and `right` come from the first run.
    auto changed =
        PipelineLoader(tftest::registry()).loadText(kGraph, "t.yaml", LoadOptions{"", {"g.steps.plus.amount=20"}});
    const std::filesystem::path second = tmp_.filePath("partial").toStdString();
    Executor ex(tftest::registry(), changed.pipeline, second);
    Recorder rec;
    ex.addObserver(&rec);
    RunOptions opts;
    opts.only = {"plus", "total"};
    opts.reuseRuns = {first};
    QCOMPARE(ex.run(opts), Executor::Status::Finished);
    QCOMPARE(rec.events.front().steps, (std::vector<std::string>{"plus", "total"}));
    QCOMPARE(valueOf(second, "total"), 121.0);
    QVERIFY(!std::filesystem::exists(RunStore::stepArtifactsDir(second, "left")));

    // Without a run to reuse, the missing input is a clear failure.
    Executor lonely(tftest::registry(), changed.pipeline, tmp_.filePath("lonely").toStdString());
    RunOptions o2;
    o2.from = "total";
    QCOMPARE(lonely.run(o2), Executor::Status::Failed);
    QVERIFY2(QString::fromStdString(lonely.error())
                 .contains("step 'plus' is not part of this run and no saved output 'out' was found"),
             lonely.error().c_str());
  }

  void rangesAndUnknownSteps() {
    auto lp = load(kGraph);
    StepSelection o;
    o.from = "plus";
    o.to = "right";
    QCOMPARE(selectSteps(lp.pipeline, o), (std::vector<std::string>{"plus", "right"}));
    o.from = "nope";
    try {
      selectSteps(lp.pipeline, o);
      QFAIL("expected invalid_argument");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(QString(e.what()).contains("no step 'nope' in pipeline g; steps are: left, plus, right, total"),
               e.what());
    }
  }

  void failingStepStopsTheRun() {
    auto lp = load(
        "p:\n  steps:\n    - {_target_: test.Source}\n    - {_target_: test.Fail, message: the detector is on fire}\n  "
        "  - {_target_: test.Add}\n");
    Executor ex(tftest::registry(), lp.pipeline, tmp_.filePath("fail").toStdString());
    Recorder rec;
    ex.addObserver(&rec);
    QCOMPARE(ex.run({}), Executor::Status::Failed);
    QCOMPARE(ex.failedStep(), std::string("fail"));
    QCOMPARE(ex.error(), std::string("the detector is on fire"));
    QVERIFY(rec.types("add").empty());  // never started
    QCOMPARE(rec.events.back().type, Event::Type::RunFailed);
    QVERIFY(QString::fromStdString(rec.events.back().message).contains("step 'fail' failed: the detector is on fire"));
  }

  void cancellationStopsAStepMidway() {
    auto lp = load("p:\n  steps:\n    - {_target_: test.Slow, milliseconds: 5000}\n    - {_target_: test.Add}\n");
    Executor ex(tftest::registry(), lp.pipeline, tmp_.filePath("cancel").toStdString());
    std::atomic<bool> cancel{false};
    Recorder rec;
    rec.hook = [&](const Event& e) {
      if (e.type == Event::Type::Progress) cancel = true;  // cancel as soon as it is under way
    };
    ex.addObserver(&rec);
    RunOptions o;
    o.cancel = &cancel;
    QCOMPARE(ex.run(o), Executor::Status::Cancelled);
    QCOMPARE(rec.events.back().type, Event::Type::RunCancelled);
    QVERIFY(rec.types("add").empty());
    int progress = 0;
    for (const auto& e : rec.events) progress += e.type == Event::Type::Progress;
    QVERIFY2(progress < 100, "the step ran to the end despite the cancel");
  }

  void runStoreWritesMlflowLayout() {
    RunStore store(tmp_.filePath("ws").toStdString());
    RunInfo run = store.createRun("my run");
    QCOMPARE(int(run.id.size()), 32);
    auto lp = load(kGraph);
    RunRecorder recorder(store, run);
    Executor ex(tftest::registry(), lp.pipeline, run.dir, run.id);
    ex.addObserver(&recorder);
    QCOMPARE(ex.run({}), Executor::Status::Finished);
    store.finishRun(run, RunStore::Status::Finished);

    auto read = [](const std::filesystem::path& p) {
      QFile f(QString::fromStdString(p.string()));
      if (!f.open(QIODevice::ReadOnly)) return QString();
      return QString::fromUtf8(f.readAll());
    };
    const QString meta = read(run.dir / "meta.yaml");
    QVERIFY2(meta.contains("status: 3"), qPrintable(meta));
    QVERIFY(meta.contains("run_id: " + QString::fromStdString(run.id)));
    QVERIFY(meta.contains("experiment_id: '0'"));
    QVERIFY(read(store.experimentDir() / "meta.yaml").contains("name: Default"));
    QCOMPARE(read(run.dir / "tags" / "mlflow.runName"), QStringLiteral("my run"));
    // Metric lines: "<timestamp ms> <value> <step>".
    const QStringList metric = read(run.dir / "metrics" / "left.value").trimmed().split(' ');
    QCOMPARE(metric.size(), 3);
    QVERIFY(metric[0].toLongLong() > 1600000000000LL);
    QCOMPARE(metric[1], QStringLiteral("1"));
    QCOMPARE(metric[2], QStringLiteral("1"));
    // events.jsonl parses back line by line.
    std::ifstream ev(RunStore::eventsFile(run.dir));
    std::string line;
    int n = 0;
    while (std::getline(ev, line)) {
      QVERIFY2(Event::fromJson(line).has_value(), line.c_str());
      ++n;
    }
    QVERIFY(n >= 10);
    QCOMPARE(store.findRun(run.id)->string(), run.dir.string());
    QVERIFY(!store.findRun("0123"));
  }

  void eventJsonRoundTrip() {
    Event e;
    e.type = Event::Type::Metric;
    e.timeMs = 123;
    e.step = "train";
    e.name = "loss";
    e.value = 0.25;
    e.index = 7;
    auto back = Event::fromJson(e.toJson());
    QVERIFY(back);
    QCOMPARE(back->type, Event::Type::Metric);
    QCOMPARE(back->value, 0.25);
    QCOMPARE(back->index, std::int64_t(7));
    QVERIFY(!Event::fromJson("{\"type\":\"nonsense\"}"));
    QVERIFY(!Event::fromJson("{\"type\":\"log\""));  // half-written line
  }
};

QTEST_GUILESS_MAIN(TestExecutor)
#include "test_executor.moc"
