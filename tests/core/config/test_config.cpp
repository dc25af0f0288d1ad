// The configuration tree: YAML parsing with locations, typed scalars, emission, interpolation.
#include "TestSupport.h"
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

  // Found by fuzz_pipeline: bytes that are not UTF-8 were read as they came and saved back as
  // U+FFFD, so Save changed the file. They are refused, naming where.
  void nonUtf8TextIsRefusedWithItsPlace() {
    try {
      tf::cfg::parseYaml("a: 1\n# 5 \xB5m pitch\nb: 2\n", "latin1.yaml");
      QFAIL("expected an encoding error");
    } catch (const tf::cfg::ParseError& e) {
      QVERIFY2(QString(e.what()).startsWith("latin1.yaml:2:5: the file is not UTF-8 text (byte 0xB5)"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(tf::cfg::ParseError, tf::cfg::parseYaml("a: \xC0\xAF\n", "overlong.yaml"));
    QVERIFY_THROWS_EXCEPTION(tf::cfg::ParseError, tf::cfg::parseYaml("a: \xED\xA0\x80\n", "surrogate.yaml"));
    QVERIFY_THROWS_EXCEPTION(tf::cfg::ParseError, tf::cfg::parseYaml("a: \xE2\x82", "cut.yaml"));
    // A NUL or other control byte inside a key was saved back as U+FFFD (fuzz_pipeline).
    try {
      tf::cfg::parseYaml(std::string("a: 1\nb\0c: 2\n", 12), "nul.yaml");
      QFAIL("expected a control-character error");
    } catch (const tf::cfg::ParseError& e) {
      QVERIFY2(QString(e.what()).startsWith("nul.yaml:2:2: character U+0000 is not allowed"), e.what());
    }
    QCOMPARE(tf::cfg::parseYaml("a: \"tab\there \\x01 escaped\"\r\n", "esc.yaml").find("a")->text(),
             std::string("tab\there \x01 escaped"));
    // Real UTF-8 reads and survives a save.
    Node n = tf::cfg::parseYaml("unit: \"\xC2\xB5m\"\nname: \xE6\xB8\xA9\xF0\x9F\x8C\x80\n", "utf8.yaml");
    QCOMPARE(n.find("unit")->text(), std::string("\xC2\xB5m"));
    QVERIFY(tf::cfg::parseYaml(tf::cfg::toYaml(n), "again.yaml") == n);
  }

  // Found by fuzz_pipeline: a lone CR (a YAML line break) stayed inside the scalar before it,
  // so the value and the saved file differed from what was read.
  void loneCarriageReturnsAreLineBreaks() {
    Node n = tf::cfg::parseYaml("a: 600   \r\rb: x\r\nc: y\r", "cr.yaml");
    QCOMPARE(*n.find("a")->asInt(), std::int64_t{600});
    QCOMPARE(n.find("b")->text(), std::string("x"));
    QCOMPARE(n.find("c")->location().line, 4);
    QVERIFY(tf::cfg::parseYaml(tf::cfg::toYaml(n), "again.yaml") == n);
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

  // "Billion laughs": nine levels of nine aliases would expand to 387 million values (~40 GB);
  // before the budget this aborted with std::bad_alloc, taking the workbench with it.
  void aliasBombIsRefusedWithItsLine() {
    try {
      tf::cfg::parseYaml(tftest::nestedAliases(), "laughs.yaml");
      QFAIL("expected the expansion to be refused");
    } catch (const tf::cfg::ParseError& e) {
      QVERIFY2(QString(e.what()).startsWith("laughs.yaml:"), e.what());
      QVERIFY2(QString(e.what()).contains("YAML aliases expand this file to more than"), e.what());
      QVERIFY(e.where.line >= 1 && e.where.line <= 9);
    }
  }

  void aliasesWithinTheBudgetStillExpand() {
    Node n = tf::cfg::parseYaml("base: &b {lr: 1e-3, sizes: [8, 8]}\nx: *b\ny: *b\n", "ok.yaml");
    QVERIFY(*n.find("x") == *n.find("base"));
    QCOMPARE(*n.find("y")->find("lr")->asDouble(), 1e-3);
  }

  // An alias inside the value it names used to recurse until the stack overflowed (SIGSEGV).
  void selfReferringAliasIsRefused() {
    for (const char* text : {"a: &a [x, *a]\n", "m: &m {k: *m}\n", "a: &a [[[*a]]]\n"}) {
      try {
        tf::cfg::parseYaml(text, "cycle.yaml");
        QFAIL(text);
      } catch (const tf::cfg::ParseError& e) {
        QVERIFY2(QString(e.what()).contains("refers back to the value itself"), e.what());
        QCOMPARE(e.where.line, 1);
      }
    }
  }

  void deepNestingIsRefused() {
    const std::string deep = "a: " + std::string(300, '[') + std::string(300, ']') + "\n";
    QVERIFY_THROWS_EXCEPTION(tf::cfg::ParseError, tf::cfg::parseYaml(deep, "deep.yaml"));
    const std::string fine = "a: " + std::string(50, '[') + std::string(50, ']') + "\n";
    QVERIFY(tf::cfg::parseYaml(fine, "fine.yaml").find("a")->isSequence());
  }

  // Many keys in one mapping read in linear time (the duplicate check used to be quadratic).
  void wideMappingsRead() {
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "k" + std::to_string(i) + ": " + std::to_string(i) + "\n";
    Node n = tf::cfg::parseYaml(text, "wide.yaml");
    QCOMPARE(n.entries().size(), std::size_t{20000});
    QCOMPARE(*n.find("k19999")->asInt(), std::int64_t{19999});
  }

  // The same pattern through ${...}: each level pastes the previous nine times.
  void interpolationBombIsRefused() {
    std::string text = "k0: xxxxxxxxxx\n";
    for (int i = 1; i <= 8; ++i) {
      text += "k" + std::to_string(i) + ": \"";
      for (int k = 0; k < 9; ++k) text += "${k" + std::to_string(i - 1) + "}";
      text += "\"\n";
    }
    Node n = tf::cfg::parseYaml(text, "paste.yaml");
    tf::Diagnostics d;
    Node r = tf::interpolate(n, d);
    QVERIFY(d.hasErrors());
    QVERIFY2(QString::fromStdString(d.str()).contains("paste.yaml:"), d.str().c_str());
    QVERIFY2(QString::fromStdString(d.str()).contains("${...} references expand this file"), d.str().c_str());
    QVERIFY(r == n);  // left as written
    // Lists of references to lists multiply values the same way.
    std::string lists = "l0: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n";
    for (int i = 1; i <= 8; ++i) {
      lists += "l" + std::to_string(i) + ": [";
      for (int k = 0; k < 9; ++k) lists += std::string(k ? ", " : "") + "\"${l" + std::to_string(i - 1) + "}\"";
      lists += "]\n";
    }
    tf::Diagnostics d2;
    tf::interpolate(tf::cfg::parseYaml(lists, "lists.yaml"), d2);
    QVERIFY2(QString::fromStdString(d2.str()).contains("more than"), d2.str().c_str());
  }
};

QTEST_APPLESS_MAIN(TestConfig)
#include "test_config.moc"
