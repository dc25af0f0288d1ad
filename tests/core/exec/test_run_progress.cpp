// The run-progress model the step list and the canvas observe: statuses from a pipeline's
// load (unknown, invalid) and from a run's events, observers told of each change.
#include "TestSupport.h"
#include "exec/RunProgress.h"
#include "pipeline/PipelineLoader.h"

#include <QtTest>

using namespace tf;

namespace {

const char* kPipeline = R"(p:
  steps:
    read: {_target_: core.HDF5Reader, file: d.h5}
    split: {_target_: core.TrainValSplit, val_fraction: 0.5}
    ghost: {_target_: itwinai.Unknown}
)";

struct Watcher : RunProgress::Observer {
  int rebuilt = 0;
  std::vector<std::pair<std::string, StepStatus>> changes;
  void pipelineChanged() override { ++rebuilt; }
  void stepChanged(const StepProgress& s) override { changes.emplace_back(s.step, s.status); }
};

Event ev(Event::Type t, const std::string& step = {}) {
  Event e;
  e.type = t;
  e.step = step;
  return e;
}

}  // namespace

class TestRunProgress : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void loadMarksUnknownAndInvalidSteps() {
    const auto lp = PipelineLoader(tftest::registry()).loadText(
        std::string(kPipeline) + "", "p.yaml", LoadOptions{"", {"p.steps.split.val_fraction=2"}});
    RunProgress m;
    Watcher w;
    m.addObserver(&w);
    m.setPipeline(lp.pipeline, &lp.diagnostics);
    QCOMPARE(w.rebuilt, 1);
    QCOMPARE(m.steps().size(), std::size_t(3));
    QVERIFY(m.status("read") == StepStatus::Idle);
    QVERIFY(m.status("split") == StepStatus::Invalid);
    QVERIFY2(m.step("split")->info.find("val_fraction") != std::string::npos, m.step("split")->info.c_str());
    QVERIFY(m.status("ghost") == StepStatus::Unknown);
    QVERIFY(m.step("ghost")->info.find("itwinai.Unknown") != std::string::npos);
  }

  void eventsDriveStatuses() {
    const auto lp = PipelineLoader(tftest::registry()).loadText(kPipeline, "p.yaml");
    RunProgress m;
    m.setPipeline(lp.pipeline, &lp.diagnostics);
    Watcher w;
    m.addObserver(&w);
    Event start = ev(Event::Type::RunStarted);
    start.steps = {"read", "split"};
    m.apply(start);
    QVERIFY(m.status("read") == StepStatus::Queued && m.status("split") == StepStatus::Queued);
    m.apply(ev(Event::Type::StepStarted, "read"));
    Event prog = ev(Event::Type::Progress, "read");
    prog.progress = 0.42;
    prog.message = "half";
    m.apply(prog);
    QVERIFY(m.status("read") == StepStatus::Running);
    QCOMPARE(m.step("read")->fraction, 0.42);
    QCOMPARE(m.step("read")->info, std::string("42%  half"));
    Event done = ev(Event::Type::StepFinished, "read");
    done.seconds = 1.5;
    m.apply(done);
    QCOMPARE(m.step("read")->info, std::string("finished in 1.50 s"));
    Event fail = ev(Event::Type::StepFailed, "split");
    fail.message = "boom";
    m.apply(fail);
    QVERIFY(m.status("split") == StepStatus::Failed);
    QCOMPARE(m.step("split")->detail, std::string("boom"));
    QVERIFY(!w.changes.empty());
    QCOMPARE(w.changes.back().first, std::string("split"));

    // A step still queued when the run fails will not run now.
    m.apply(start);
    m.apply(ev(Event::Type::RunCancelled));
    QVERIFY(m.status("read") == StepStatus::Idle);
    QCOMPARE(m.step("read")->info, std::string("not run"));
    QVERIFY(m.status("ghost") == StepStatus::Unknown);  // never reset
  }

  void statusesSurviveAnEditThatKeepsTheStep() {
    const auto lp = PipelineLoader(tftest::registry()).loadText(kPipeline, "p.yaml");
    RunProgress m;
    m.setPipeline(lp.pipeline, &lp.diagnostics);
    m.apply(ev(Event::Type::StepStarted, "read"));
    m.apply(ev(Event::Type::StepFinished, "read"));
    const auto edited = PipelineLoader(tftest::registry())
                            .loadText(kPipeline, "p.yaml", LoadOptions{"", {"p.steps.split.val_fraction=0.3"}});
    m.setPipeline(edited.pipeline, &edited.diagnostics);
    QVERIFY(m.status("read") == StepStatus::Done);
    m.resetStatuses();
    QVERIFY(m.status("read") == StepStatus::Idle);
  }
};

QTEST_GUILESS_MAIN(TestRunProgress)
#include "test_run_progress.moc"
