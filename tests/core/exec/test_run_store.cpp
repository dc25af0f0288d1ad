// The run store's readers, which the GUI uses instead of parsing the layout itself: runs with
// their status, times, parameters, tags and metric histories; earlier runs of a pipeline;
// the files a step's outputs point at; deleting only what is a run.
#include "exec/ArtifactFiles.h"
#include "exec/RunStore.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <thread>

using namespace tf;
namespace fs = std::filesystem;

class TestRunStore : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void writtenRunsReadBack() {
    QTemporaryDir tmp;
    const RunStore store(tmp.path().toStdString());
    const RunInfo a = store.createRun("first");
    store.logParam(a, "train.lr", "0.001");
    store.setTag(a, "twinforge.pipeline_key", "p");
    store.logMetric(a, "train.loss", 0.5, 1, 1000);
    store.logMetric(a, "train.loss", 0.25, 2, 2000);
    store.finishRun(a, RunStore::Status::Finished);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const RunInfo b = store.createRun("second");

    const auto runs = store.listRuns();
    QCOMPARE(runs.size(), std::size_t(2));
    QCOMPARE(runs[0].name, std::string("second"));  // newest first
    QVERIFY(runs[0].status == RunStore::Status::Running);
    QCOMPARE(runs[0].endMs, std::int64_t(0));
    const RunStore::Record& r = runs[1];
    QCOMPARE(r.id, a.id);
    QVERIFY(r.status == RunStore::Status::Finished);
    QCOMPARE(std::string(RunStore::statusName(r.status)), std::string("finished"));
    QVERIFY(r.endMs >= r.startMs && r.startMs > 0);
    QCOMPARE(r.params.at("train.lr"), std::string("0.001"));
    QCOMPARE(r.tags.at("twinforge.pipeline_key"), std::string("p"));
    QCOMPARE(r.tags.at("mlflow.runName"), std::string("first"));
    const auto& loss = r.metrics.at("train.loss");
    QCOMPARE(loss.size(), std::size_t(2));
    QCOMPARE(loss[1].step, std::int64_t(2));
    QCOMPARE(loss[1].value, 0.25);
    QCOMPARE(loss[1].timeMs, std::int64_t(2000));
    QCOMPARE(RunStore::metricHistory(a.dir, "train.loss").size(), std::size_t(2));
    QVERIFY(!RunStore::readRun(tmp.filePath("nothing").toStdString()));
    QCOMPARE(store.runDir(b.id), b.dir);
    QCOMPARE(RunStore::configFile(a.dir), a.dir / "artifacts" / "config.yaml");
  }

  void earlierRunsOfAPipelineNewestFirst() {
    QTemporaryDir tmp;
    const RunStore store(tmp.path().toStdString());
    std::vector<RunInfo> runs;
    for (int i = 0; i < 3; ++i) {
      runs.push_back(store.createRun("r"));
      store.setTag(runs.back(), "twinforge.pipeline_file", i == 1 ? "/other.yaml" : "/p.yaml");
      store.setTag(runs.back(), "twinforge.pipeline_key", "k");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      store.finishRun(runs.back(), RunStore::Status::Finished);
    }
    const auto found = store.runsOfPipeline("/p.yaml", "k");
    QCOMPARE(found, (std::vector<fs::path>{runs[2].dir, runs[0].dir}));
    QVERIFY(store.runsOfPipeline("/p.yaml", "other").empty());
  }

  void stepOutputFilesAndDeletion() {
    QTemporaryDir tmp;
    const RunStore store(tmp.path().toStdString());
    const RunInfo run = store.createRun("r");
    const fs::path port = RunStore::stepArtifactsDir(run.dir, "validate") / "metrics";
    fs::create_directories(port);
    std::ofstream(artifactMetaFile(port)) << R"({"type": "Metrics", "meta": {"report": "/x/report.json"}})";
    const fs::path junk = RunStore::stepArtifactsDir(run.dir, "validate") / "junk";
    fs::create_directories(junk);
    std::ofstream(artifactMetaFile(junk)) << "not json";
    QCOMPARE(RunStore::stepOutputFiles(run.dir, "validate"), std::vector<fs::path>{"/x/report.json"});
    QVERIFY(RunStore::stepOutputFiles(run.dir, "absent").empty());

    std::string why;
    QVERIFY(!store.deleteRun(tmp.path().toStdString(), &why));  // the workspace itself is no run
    QVERIFY2(why.find("is not a run") != std::string::npos, why.c_str());
    QVERIFY(fs::exists(run.dir));
    QVERIFY(store.deleteRun(run.dir, &why));
    QVERIFY(!fs::exists(run.dir));
    QVERIFY(store.listRuns().empty());
  }
};

QTEST_GUILESS_MAIN(TestRunStore)
#include "test_run_store.moc"
