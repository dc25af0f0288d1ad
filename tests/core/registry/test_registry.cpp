// The registry and plugin loading: good plugins register, bad ones are reported and harmless.
#include "TestSupport.h"
#include "components/Builtins.h"
#include "registry/Registry.h"

#include <QTemporaryDir>
#include <QFile>
#include <QtTest>

using namespace tf;

class TestRegistry : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void builtinsHaveSchemas() {
    Registry reg;
    registerBuiltins(reg);
    const ComponentInfo* t = reg.find("core.MLPTrainer");
    QVERIFY(t);
    QCOMPARE(t->plugin, std::string("core"));
    QVERIFY(t->param("lr"));
    QCOMPARE(t->param("lr")->expectation(), std::string("a number > 0"));
    QVERIFY(t->input("train") && !t->input("train")->optional);
    QVERIFY(t->input("val")->optional);
    QCOMPARE(reg.find("core.MLP")->kind, ComponentInfo::Kind::Object);
    QVERIFY(!reg.find("core.Nope"));
    QVERIFY(QString::fromStdString(t->describe()).contains("batch_size : int = 64"));
  }

  void duplicatesAndBadNamesRejected() {
    Registry reg;
    registerBuiltins(reg);
    ComponentInfo dup = *reg.find("core.TrainValSplit");
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, reg.add(dup));
    ComponentInfo noDot = dup;
    noDot.classPath = "Split";
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, reg.add(noDot));
  }

  void closestMatches() {
    Registry reg;
    registerBuiltins(reg);
    QCOMPARE(reg.closest("core.HDF5Readr").front(), std::string("core.HDF5Reader"));
    QCOMPARE(reg.closest("itwinai.torch.trainer.TorchTrainer").front(), std::string("core.MLPTrainer"));
    QVERIFY(reg.closest("zzz.Qwxy").empty());
  }

  void pluginsLoadWithTheirName() {
    Registry reg;
    registerBuiltins(reg);
    auto results = loadPlugins(reg, {TF_PLUGIN_DIR, TF_TEST_PLUGIN_DIR, "/nonexistent/dir"});
    // calo, synthetic, test, cyclone where libnetcdf was there to build it, gw where FFTW was
    const bool cyclone = QFile::exists(QStringLiteral(TF_PLUGIN_DIR "/libtwinforge_cyclone.so"));
    const bool gw = QFile::exists(QStringLiteral(TF_PLUGIN_DIR "/libtwinforge_gw.so"));
    QCOMPARE(int(results.size()), 3 + cyclone + gw);
    for (const auto& r : results) QVERIFY2(r.ok, r.error.c_str());
    QCOMPARE(reg.find("synthetic.RegressionSet")->plugin, std::string("synthetic"));
    QCOMPARE(reg.find("test.Sum")->plugin, std::string("test"));
    QCOMPARE(reg.find("calo.ToyMC")->plugin, std::string("calo"));
    QCOMPARE(reg.find("core.MLP")->plugin, std::string("core"));
    // The plugins' inspectors come before core's generic HDF5 one.
    QCOMPARE(reg.fileInspectors().back().plugin, std::string("core"));
    if (gw) QCOMPARE(reg.find("gw.Synthetic")->plugin, std::string("gw"));
    // calo, core; cyclone: fields and track tables; gw: strain
    QCOMPARE(int(reg.fileInspectors().size()), 3 + 2 * cyclone + gw);
    if (cyclone) QCOMPARE(reg.find("cyclone.Baseline")->plugin, std::string("cyclone"));
  }

  void badPluginsAreReportedNotFatal() {
    Registry reg;
    registerBuiltins(reg);
    const auto before = reg.all().size();
    auto results = loadPlugins(reg, {TF_BAD_PLUGIN_DIR});
    QCOMPARE(int(results.size()), 2);
    QString all;
    for (const auto& r : results) {
      QVERIFY(!r.ok);
      all += QString::fromStdString(r.file + ": " + r.error) + "\n";
    }
    QVERIFY2(all.contains("not a TwinForge plugin: it has no 'twinforge_register_plugin' entry point"),
             qPrintable(all));
    QVERIFY2(all.contains("built for plugin ABI 99, this TwinForge has ABI 1; rebuild the plugin"), qPrintable(all));
    QCOMPARE(reg.all().size(), before);
  }

  void corruptLibraryIsReported() {
    QTemporaryDir dir;
    QFile f(dir.filePath("libgarbage.so"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not an ELF file");
    f.close();
    Registry reg;
    auto results = loadPlugins(reg, {dir.path().toStdString()});
    QCOMPARE(int(results.size()), 1);
    QVERIFY(!results[0].ok);
    QVERIFY2(QString::fromStdString(results[0].error).startsWith("cannot load: "), results[0].error.c_str());
  }

  void pluginPathFromEnvironment() {
    qputenv("TWINFORGE_PLUGIN_PATH", "/a/b:/c/d");
    auto dirs = defaultPluginPath();
    QVERIFY(dirs.size() >= 2);
    QCOMPARE(dirs[0], std::string("/a/b"));
    QCOMPARE(dirs[1], std::string("/c/d"));
    qunsetenv("TWINFORGE_PLUGIN_PATH");
  }
};

QTEST_APPLESS_MAIN(TestRegistry)
#include "test_registry.moc"
