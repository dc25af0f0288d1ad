// The workbench runs a pipeline on a cluster profile: Run on → the SSH profile, Run; the Jobs
// panel shows the SLURM job pending/running with its nodes, the loss curve grows live from the
// copied events, and the run lands in the Runs browser when it ends. A second run is cancelled
// from the Jobs panel. Real services: the cluster fixture (slurmctld, slurmd, munged, sshd).
// TWINFORGE_SCREENSHOT_DIR=DIR saves the profiles dialog and the window while the remote job
// runs there (docs/images).
#include "TestSupport.h"
#include "exec/RunStore.h"
#include "launch/ClusterProfile.h"

#include "ClusterProfilesDialog.h"
#include "JobsPanel.h"
#include "MainWindow.h"
#include "MetricsChart.h"
#include "PreferencesDialog.h"
#include "Secrets.h"
#include "RunController.h"

#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

namespace {

QString stateOf(tf::ui::JobsPanel* p, const QString& runId) {
  QTableWidget* t = p->table();
  for (int r = 0; r < t->rowCount(); ++r)
    if (t->item(r, 0)->data(Qt::UserRole).toString() == runId) return t->item(r, 3)->text();
  return {};
}

}  // namespace

class TestGuiCluster : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::map<QString, QString> env_;

  // The example pipeline with more epochs, so the job is seen running.
  QString pipeline(int epochs) {
    QFile in(tftest::source("resources/pipelines/mlp-regression.yaml"));
    if (!in.open(QIODevice::ReadOnly)) qFatal("example missing");
    QByteArray text = in.readAll().replace("epochs: 30", "epochs: " + QByteArray::number(epochs));
    return tftest::writeFile(tmp_, QString("mlp %1 epochs.yaml").arg(epochs), text);
  }

 private Q_SLOTS:
  void initTestCase() {
    env_ = tftest::clusterEnv();
    if (!env_.count("TWINFORGE_TEST_SSH_PORT")) QFAIL("no cluster: run through ctest (fixture cluster_start)");
    QApplication::setOrganizationName("TwinForgeTest");
    QApplication::setApplicationName("test_gui_cluster");
    QSettings().clear();
    tf::ui::Preferences p = tf::ui::Preferences::load();
    p.workspace = tmp_.filePath("workspace");
    p.threads = 1;
    p.save();
    tf::launch::ClusterProfile c;
    c.name = "login-node";
    c.host = "127.0.0.1";
    c.user = "root";
    c.port = env_["TWINFORGE_TEST_SSH_PORT"].toInt();
    c.identityFile = env_["TWINFORGE_TEST_SSH_KEY"].toStdString();
    c.knownHostsFile = env_["TWINFORGE_TEST_SSH_KNOWN_HOSTS"].toStdString();
    c.remoteWorkspace = tmp_.filePath("cluster scratch").toStdString();
    c.runner = tftest::bin("twinforge-run").toStdString();
    c.partition = "debug";
    c.tasksPerNode = 2;
    c.time = "00:20:00";
    c.pollSeconds = 0.5;
    c.setup = tftest::sanitizerSetupLines();
    tf::launch::saveProfiles(tf::launch::profilesFile(p.workspace.toStdString()), {c});
  }

  void profilesDialogShowsAndChecksTheFile() {
    tf::ui::ClusterProfilesDialog d(tmp_.filePath("workspace"));
    QCOMPARE(d.profiles().size(), std::size_t(1));
    if (const QString dir = qEnvironmentVariable("TWINFORGE_SCREENSHOT_DIR"); !dir.isEmpty()) {
      d.show();
      QVERIFY(QTest::qWaitForWindowExposed(&d));
      QVERIFY(d.grab().save(dir + "/cluster-profiles.png"));
    }
    QCOMPARE(d.profiles()[0].port, env_["TWINFORGE_TEST_SSH_PORT"].toInt());
    QVERIFY(d.save());  // unchanged: still usable
    // A passphrase goes to the OS keyring or nowhere: without a keyring service (as here) saving
    // says so, and the file never holds it.
    d.setPassphrase("top secret");
    const bool stored = d.save();
    QFile f(QString::fromStdString(tf::launch::profilesFile(tmp_.filePath("workspace").toStdString()).string()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(!f.readAll().contains("top secret"));
    if (!stored) QVERIFY2(d.errorText().contains("keyring is not available") && d.errorText().contains("ssh-agent"),
                          qPrintable(d.errorText()));
    QElapsedTimer t;
    t.start();
    QString err;
    const QString back = tf::ui::secrets::passphrase("login-node", &err);
    qInfo("keyring: %s; reading a passphrase took %lld ms (%s)", stored ? "stored" : "not available", t.elapsed(),
          qPrintable(err.isEmpty() ? QStringLiteral("ok") : err));
    if (stored) QCOMPARE(back, QStringLiteral("top secret"));
  }

  void runsOnTheClusterWithALiveLossCurve() {
    tf::ui::MainWindow w(tftest::registry());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY2(w.openFile(pipeline(400)), qPrintable(w.lastError()));
    QVERIFY(w.setRunTarget("login-node"));
    QVERIFY(!w.processesBox()->isEnabled());  // the profile says how many ranks
    QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
    QVERIFY(w.startRun());
    const QString run = w.runController()->runId();
    w.findChild<QDockWidget*>("jobsDock")->raise();
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(w.jobsPanel(), run), QStringLiteral("running"), 60000);
    // The loss curve grows while SLURM's job runs.
    QTRY_VERIFY_WITH_TIMEOUT(w.metricsChart()->pointCount("train_loss") >= 3 || finished.count() > 0, 120000);
    if (const QString dir = qEnvironmentVariable("TWINFORGE_SCREENSHOT_DIR"); !dir.isEmpty() && finished.count() == 0) {
      QTest::qWait(1500);
      QVERIFY(w.grab().save(dir + "/jobs-panel-cluster-run.png"));
    }
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
    QCOMPARE(finished.at(0).at(0).toInt(), 0);
    QCOMPARE(stateOf(w.jobsPanel(), run), QStringLiteral("completed"));
    QVERIFY(w.metricsChart()->pointCount("train_loss") >= 3);
    QVERIFY(w.jobsPanel()->scriptOf(run).contains("srun"));
    QVERIFY(w.jobsPanel()->logsOf(run).contains("rank-1.log"));
    QVERIFY(QFile::exists(w.runController()->runDir() + "/artifacts/steps/train/model"));
  }

  void reattachesAfterARestart() {
    QString run;
    {
      tf::ui::MainWindow w(tftest::registry());
      QVERIFY(w.openFile(pipeline(300)));
      QVERIFY(w.setRunTarget("login-node"));
      QVERIFY(w.startRun());
      run = w.runController()->runId();
      QTRY_COMPARE_WITH_TIMEOUT(stateOf(w.jobsPanel(), run), QStringLiteral("running"), 60000);
    }  // the workbench closes; SLURM's job goes on
    tf::ui::MainWindow again(tftest::registry());
    QCOMPARE(stateOf(again.jobsPanel(), run).isEmpty(), false);  // found in the workspace at start
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(again.jobsPanel(), run), QStringLiteral("completed"), 300000);
    const auto dir = tf::RunStore(tmp_.filePath("workspace").toStdString()).runDir(run.toStdString());
    QVERIFY(QFile::exists(QString::fromStdString((dir / "artifacts/steps/train/model").string())));
    QVERIFY(tf::RunStore::readRun(dir).has_value());
  }

  void cancelFromTheJobsPanel() {
    tf::ui::MainWindow w(tftest::registry());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.openFile(pipeline(20000)));
    QVERIFY(w.setRunTarget("login-node"));
    QSignalSpy finished(&w, &tf::ui::MainWindow::runFinished);
    QVERIFY(w.startRun({}));
    const QString run = w.runController()->runId();
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(w.jobsPanel(), run), QStringLiteral("running"), 60000);
    w.jobsPanel()->selectRun(run);
    auto* cancel = w.jobsPanel()->findChild<QPushButton*>("cancelJob");
    QVERIFY(cancel->isEnabled());
    cancel->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(finished.at(0).at(0).toInt(), 130);
    QCOMPARE(stateOf(w.jobsPanel(), run), QStringLiteral("cancelled"));
  }
};

QTEST_MAIN(TestGuiCluster)
#include "test_gui_cluster.moc"
