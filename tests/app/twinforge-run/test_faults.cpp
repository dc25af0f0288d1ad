// Faults during work, met for real: a disk that fills while a run writes checkpoints (a small
// tmpfs mounted by the test; needs root, as CI has), data files cut short under a reader.
#include "TestSupport.h"

#include "data/ShowerFile.h"
#include "exec/ExitCodes.h"

#include <sys/mount.h>
#include <unistd.h>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <filesystem>
#include <vector>

namespace {

struct Result {
  int code = -1;
  QString out, err;
};

Result run(const QStringList& args, const QString& cwd) {
  QProcess p;
  p.setWorkingDirectory(cwd);
  p.start(tftest::bin("twinforge-run"), args);
  if (!p.waitForFinished(300000)) {
    p.kill();
    p.waitForFinished();
  }
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

QStringList filesUnder(const QString& dir, const QString& pattern) {
  QStringList found;
  QDirIterator it(dir, {pattern}, QDir::Files, QDirIterator::Subdirectories);
  while (it.hasNext()) found << it.next();
  return found;
}

}  // namespace

class TestFaults : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString mounted_;

 private Q_SLOTS:
  void cleanup() {
    if (!mounted_.isEmpty()) ::umount2(mounted_.toLocal8Bit().constData(), MNT_DETACH);
    mounted_.clear();
  }

  // The second checkpoint does not fit beside the first: the step fails naming the file and
  // the reason, the first checkpoint stays whole, no temporary is left filling the disk, and
  // once there is room the run resumes from that checkpoint and finishes.
  void fullDiskKeepsTheCheckpointAndTheRunResumable() {
    if (::geteuid() != 0) QSKIP("mounting a small tmpfs needs root (CI runs as root)");
    const QString disk = tmp_.filePath("small-disk");
    QVERIFY(QDir().mkpath(disk));
    if (::mount("tmpfs", disk.toLocal8Bit().constData(), "tmpfs", 0, "size=1600k") != 0)
      QSKIP(qPrintable("cannot mount a tmpfs here: " + QString::fromLocal8Bit(std::strerror(errno))));
    mounted_ = disk;
    const QString ws = disk + "/ws";
    // The data lives off the small disk; a checkpoint of this MLP with Adam is about 820 KiB.
    const QStringList args{tftest::source("resources/pipelines/mlp-regression.yaml"), "--workspace", ws,
                           "--set", "data_file=" + tmp_.filePath("d.h5"), "--set", "epochs=3",
                           "--set", "training_pipeline.steps.train.model.hidden=[256,256]",
                           "--set", "training_pipeline.steps.train.checkpoint_every=20"};
    const Result r = run(args, tmp_.path());
    QCOMPARE(r.code, static_cast<int>(tf::kRunFailed));
    QVERIFY2(r.err.contains("cannot write ") && r.err.contains("checkpoint.pt: No space left on device") &&
                 r.err.contains("the previous version is kept"),
             qPrintable(r.err));
    const QStringList ckpts = filesUnder(ws, "checkpoint.pt");
    QCOMPARE(ckpts.size(), 1);
    QVERIFY(QFileInfo(ckpts.first()).size() > 500 * 1024);
    QVERIFY2(filesUnder(ws, "*.tmp").isEmpty(), qPrintable(filesUnder(ws, "*.tmp").join(", ")));

    QCOMPARE(::mount("tmpfs", disk.toLocal8Bit().constData(), "tmpfs", MS_REMOUNT, "size=16m"), 0);
    const QString runId = QFileInfo(ckpts.first()).absoluteDir().absolutePath().section('/', -4, -4);
    const Result resumed = run({"--resume", runId, "--workspace", ws}, tmp_.path());
    QVERIFY2(resumed.code == 0, qPrintable(resumed.out + resumed.err));
    QVERIFY2(resumed.out.contains("resuming from") && resumed.out.contains("batch 20"), qPrintable(resumed.out));
    QCOMPARE(filesUnder(ws, "mlp-regression.pt").size(), 1);
  }

  // A shower file cut short after it was opened (a copy still in progress, a full disk on
  // the writer's side): reading the missing events names the file.
  void truncatedWhileReadingNamesTheFile() {
    const QString file = tmp_.filePath("showers.h5");
    const Result gen = run({tftest::source("resources/pipelines/calo-toymc.yaml"), "--workspace",
                            tmp_.filePath("calo-ws"), "--set", "events=64", "--set",
                            "toymc_pipeline.steps.showers.file=" + file},
                           tmp_.path());
    if (gen.code != 0) QSKIP(qPrintable("could not make a shower file: " + gen.err));
    const tf::data::ShowerFile f(file.toStdString());
    QVERIFY(f.events() >= 64);
    std::filesystem::resize_file(file.toStdString(), std::filesystem::file_size(file.toStdString()) / 3);
    std::vector<float> cells(static_cast<std::size_t>(f.cellsPerEvent()));
    try {
      for (std::int64_t e = 0; e < f.events(); ++e) f.readCells(e, e + 1, cells.data());
      QFAIL("reading past the end of a truncated file succeeded");
    } catch (const std::runtime_error& e) {
      QVERIFY2(QString(e.what()).contains(file), e.what());
    }
    // And opened afresh, it is refused by name.
    const Result info = run({"info", file}, tmp_.path());
    QCOMPARE(info.code, static_cast<int>(tf::kDataError));
    QVERIFY2(info.err.contains(file), qPrintable(info.err));
  }
};

QTEST_GUILESS_MAIN(TestFaults)
#include "test_faults.moc"
