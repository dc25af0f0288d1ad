// Reading tried in a child process: a crash or a hang there is reported, not shared.
#include "TestSupport.h"

#include "io/Isolate.h"

#include <csignal>
#include <stdexcept>
#include <thread>

#include <QProcess>
#include <QtTest>

class TestIsolate : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void cleanWorkAndErrorsAreLeftToTheCaller() {
    QCOMPARE(QString::fromStdString(tf::io::runIsolated([] {})), QString());
    QCOMPARE(QString::fromStdString(tf::io::runIsolated([] { throw std::runtime_error("bad file"); })), QString());
  }

  void aCrashIsReportedAndSurvived() {
    const std::string r = tf::io::runIsolated([] { std::raise(SIGSEGV); });
    QVERIFY2(r.find("crashed with signal " + std::to_string(SIGSEGV) + " (") == 0, r.c_str());
  }

  void aHangIsCutShort() {
    const std::string r = tf::io::runIsolated([] { std::this_thread::sleep_for(std::chrono::seconds(30)); }, 300);
    QCOMPARE(QString::fromStdString(r), QStringLiteral("did not finish reading it in 0 s"));
  }

  // The file fuzz_h5_info found: HDF5 itself dies on it.
  void aFileThatCrashesHdf5IsRefusedByInfo() {
    const QString damaged = tftest::source("tests/fixtures/damaged/hdf5-null-deref.h5");
    QProcess p;
    p.start(tftest::bin("twinforge-run"), {"info", damaged});
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 4);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains(damaged) && err.contains("crashed with signal") && err.contains("the file is damaged"),
             qPrintable(err));
  }
};

QTEST_GUILESS_MAIN(TestIsolate)
#include "test_isolate.moc"
