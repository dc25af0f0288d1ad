// Parameters declared once: the schema's types and defaults come from the config struct, the
// parsing fills the struct, and a parameter a component leaves out of its schema keeps the
// struct's default. The trainer's schema and struct can no longer disagree.
#include "TestSupport.h"
#include "exec/ParamDecls.h"
#include "train/Trainer.h"

#include <QtTest>

using namespace tf;

namespace {

struct Cfg {
  std::int64_t epochs = 20;
  double lr = 1e-3;
  bool shuffle = true;
  std::string mode = "fast";
  std::string file;
  std::vector<std::int64_t> hidden{64, 64};
  std::vector<double> edges;
  std::uint64_t seed = 7;
};

ParamDecls<Cfg> decls() {
  ParamDecls<Cfg> d;
  d.add("epochs", &Cfg::epochs).atLeast(0).withDoc("passes");
  d.add("lr", &Cfg::lr).above(0);
  d.add("shuffle", &Cfg::shuffle);
  d.choice("mode", &Cfg::mode, {"fast", "slow"});
  d.path("file", &Cfg::file);
  d.add("hidden", &Cfg::hidden);
  d.add("edges", &Cfg::edges);
  d.add("seed", &Cfg::seed);
  return d;
}

const ParamSpec* find(const std::vector<ParamSpec>& s, const std::string& n) {
  for (const auto& p : s)
    if (p.name == n) return &p;
  return nullptr;
}

}  // namespace

class TestParamDecls : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void schemaComesFromTheStruct() {
    const auto s = decls().schema();
    QCOMPARE(s.size(), std::size_t(8));
    QVERIFY(find(s, "epochs")->type == ParamType::Int);
    QCOMPARE(find(s, "epochs")->defaultValue, std::string("20"));
    QCOMPARE(find(s, "epochs")->doc, std::string("passes"));
    QVERIFY(find(s, "lr")->type == ParamType::Float);
    QCOMPARE(find(s, "lr")->defaultValue, std::string("0.001"));
    QVERIFY(find(s, "lr")->minExclusive);
    QCOMPARE(find(s, "shuffle")->defaultValue, std::string("true"));
    QVERIFY(find(s, "mode")->type == ParamType::Enum);
    QCOMPARE(find(s, "mode")->choices, (std::vector<std::string>{"fast", "slow"}));
    QVERIFY(find(s, "file")->type == ParamType::Path);
    QCOMPARE(find(s, "hidden")->defaultValue, std::string("[64, 64]"));
    QCOMPARE(find(s, "edges")->defaultValue, std::string());  // an empty list: no default
    QVERIFY(find(s, "seed")->min && *find(s, "seed")->min == 0);
    QCOMPARE(decls().schemaWithout({"lr", "mode"}).size(), std::size_t(6));
  }

  void parseFillsTheStruct() {
    ComponentInfo info;
    info.classPath = "test.Decls";
    info.params = decls().schema();
    const cfg::Node args =
        cfg::parseYaml("epochs: 3\nlr: 0.5\nmode: slow\nhidden: [4]\nedges: [1, 2.5]\nfile: a.h5\n", "a.yaml");
    const Cfg c = decls().parse(Params(nullptr, &info, args));
    QCOMPARE(c.epochs, std::int64_t(3));
    QCOMPARE(c.lr, 0.5);
    QCOMPARE(c.mode, std::string("slow"));
    QCOMPARE(c.hidden, (std::vector<std::int64_t>{4}));
    QCOMPARE(c.edges, (std::vector<double>{1, 2.5}));
    QCOMPARE(c.file, std::string("a.h5"));
    QCOMPARE(c.shuffle, true);          // the default, from the schema that came from the struct
    QCOMPARE(c.seed, std::uint64_t(7));
  }

  void leftOutParametersKeepTheirDefault() {
    ComponentInfo info;
    info.classPath = "test.Fewer";
    info.params = decls().schemaWithout({"mode"});
    const Cfg c = decls().parse(Params(nullptr, &info, cfg::parseYaml("epochs: 1\n", "f.yaml")));
    QCOMPARE(c.mode, std::string("fast"));
    QCOMPARE(c.epochs, std::int64_t(1));
  }

  void theTrainersSchemaAndStructAgree() {
    const TrainerConfig defaults;
    const auto s = TrainerConfig::params().schema();
    QCOMPARE(find(s, "epochs")->defaultValue, std::to_string(defaults.epochs));
    const ComponentInfo* trainer = tftest::registry().find("core.MLPTrainer");
    QVERIFY(trainer);
    const TrainerConfig parsed = TrainerConfig::fromParams(Params(&tftest::registry(), trainer, cfg::Node::map()));
    QCOMPARE(parsed.epochs, defaults.epochs);
    QCOMPARE(parsed.batchSize, defaults.batchSize);
    QCOMPARE(parsed.lr, defaults.lr);
    QCOMPARE(parsed.bucketMb, defaults.bucketMb);
    QCOMPARE(parsed.optimizer, defaults.optimizer);
  }
};

QTEST_GUILESS_MAIN(TestParamDecls)
#include "test_param_decls.moc"
