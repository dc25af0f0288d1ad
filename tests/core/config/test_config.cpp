// The configuration tree: YAML parsing with locations, typed scalars, emission, interpolation.
#include "config/Diagnostics.h"
#include "config/Node.h"
#include "pipeline/PipelineLoader.h"

#include <QtTest>

using tf::cfg::Node;

class TestConfig : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void locationsAreOneBased() {
    Node n = tf::cfg::parseYaml("a: 1\nb:\n  c: [1, 2]\n", "f.yaml");
    QCOMPARE(n.find("a")->location().line, 1);
    QCOMPARE(n.find("a")->location().column, 4);
    const Node* c = n.find("b")->find("c");
    QCOMPARE(c->location().line, 3);
    QCOMPARE(QString::fromStdString(n.find("b")->keyLocation("c").str()), QStringLiteral("f.yaml:3:3"));
  }

  void quotedScalarsAreStrings() {
    Node n = tf::cfg::parseYaml("a: 3\nb: \"3\"\nc: 1e-3\nd: true\ne: abc\n", "f.yaml");
    QVERIFY(n.find("a")->asInt().has_value());
    QVERIFY(!n.find("b")->asInt().has_value());
    QCOMPARE(*n.find("c")->asDouble(), 1e-3);
    QCOMPARE(*n.find("d")->asBool(), true);
    QVERIFY(!n.find("e")->asDouble());
    QVERIFY(*n.find("a") != *n.find("b"));  // 3 and "3" differ
  }

  void malformedYamlNamesLine() {
    try {
      tf::cfg::parseYaml("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml");
      QFAIL("expected a parse error");
    } catch (const tf::cfg::ParseError& e) {
      QVERIFY2(QString(e.what()).startsWith("bad.yaml:"), e.what());
      QVERIFY(e.where.line >= 2);
    }
  }

  void duplicateKeysAreErrors() {
    QVERIFY_THROWS_EXCEPTION(tf::cfg::ParseError, tf::cfg::parseYaml("a: 1\na: 2\n", "d.yaml"));
  }

  void emitRoundTripsWithOrder() {
    const char* text =
        "zeta: 1\nalpha:\n  list: [1, 2, 3]\n  s: \"007\"\n  empty: ~\n  nested:\n    - {x: 1}\n    - y\n";
    Node a = tf::cfg::parseYaml(text, "a.yaml");
    std::string out = tf::cfg::toYaml(a);
    Node b = tf::cfg::parseYaml(out, "b.yaml");
    QVERIFY(a == b);
    QVERIFY(out.find("zeta") < out.find("alpha"));  // insertion order kept
    QVERIFY2(out.find("\"007\"") != std::string::npos, out.c_str());
  }

  void interpolationKeepsTypes() {
    qputenv("TF_TEST_VAR", "42");
    qunsetenv("TF_TEST_UNSET");
    Node n = tf::cfg::parseYaml(
        "lr: 1e-3\nsizes: [8, 16]\nroot: /data\nnested: {deep: {v: 5}}\n"
        "a: ${lr}\nb: ${sizes}\nc: ${root}/file.h5\nd: ${nested.deep.v}\ne: ${sizes.1}\n"
        "f: ${oc.env:TF_TEST_VAR}\ng: ${oc.env:TF_TEST_UNSET,7}\nh: ${a}\ni: \"\\\\${not}\"\n",
        "i.yaml");
    tf::Diagnostics d;
    Node r = tf::interpolate(n, d);
    QVERIFY2(!d.hasErrors(), d.str().c_str());
    QCOMPARE(*r.find("a")->asDouble(), 1e-3);
    QVERIFY(r.find("b")->isSequence());
    QCOMPARE(r.find("c")->text(), std::string("/data/file.h5"));
    QCOMPARE(*r.find("d")->asInt(), 5);
    QCOMPARE(*r.find("e")->asInt(), 16);
    QCOMPARE(*r.find("f")->asInt(), 42);
    QCOMPARE(*r.find("g")->asInt(), 7);
    QCOMPARE(*r.find("h")->asDouble(), 1e-3);              // chains resolve
    QCOMPARE(r.find("i")->text(), std::string("${not}"));  // escaped
  }

  void interpolationErrorsNameTheKey() {
    Node n = tf::cfg::parseYaml("a: ${missing.key}\nb: ${c}\nc: ${b}\nd: ${oc.env:TF_SURELY_UNSET_VAR}\n", "e.yaml");
    tf::Diagnostics d;
    tf::interpolate(n, d);
    const QString s = QString::fromStdString(d.str());
    QVERIFY2(s.contains("e.yaml:1:4: ${missing.key} refers to a key that does not exist"), qPrintable(s));
    QVERIFY2(s.contains("circular interpolation"), qPrintable(s));
    QVERIFY2(s.contains("TF_SURELY_UNSET_VAR"), qPrintable(s));
  }
};

QTEST_APPLESS_MAIN(TestConfig)
#include "test_config.moc"
