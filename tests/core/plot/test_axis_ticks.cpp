// The tick rule every chart uses: round 1-2-5 steps, whole numbers for counts, labels with
// the decimals the step needs and no "-0", whole decades on log axes with at least three labels.
#include "plot/AxisTicks.h"

#include <QtTest>

#include <cmath>

using namespace tf::plot;

class TestAxisTicks : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void roundSteps() {
    // The metrics chart used to show 0.8133, 0.6016, ... for a loss falling from 0.81 to 0.
    Ticks t = niceTicks(-0.0337, 0.8133);
    QCOMPARE(t.step, 0.2);
    QVERIFY(std::abs(t.lo - -0.2) < 1e-12);
    QVERIFY(std::abs(t.hi - 1.0) < 1e-12);
    QCOMPARE(t.decimals, 1);
    QCOMPARE(t.label(t.values.front()), std::string("-0.2"));
    QVERIFY(t.values.size() <= 7);  // six, plus one where the range widens to whole steps
    for (double v : t.values) {
      const double m = std::abs(v / t.step - std::round(v / t.step));
      QVERIFY(m < 1e-9);
    }
    // 1..30 steps: 0, 10, 20, 30 rather than 1, 8.25, 15.5, 22.75, 30.
    t = niceTicks(1, 30, 6, true);
    QCOMPARE(t.step, 10.0);
    QCOMPARE(t.values, (std::vector<double>{0, 10, 20, 30}));
    QCOMPARE(t.label(20), std::string("20"));
    // Counts never get fractional steps.
    t = niceTicks(0, 3, 10, true);
    QCOMPARE(t.step, 1.0);
    QCOMPARE(niceTicks(0, 1e-3).step, 2e-4);
    QCOMPARE(niceTicks(0, 1e-3).label(2e-4), std::string("0.0002"));
  }

  void noNegativeZeroAndDegenerateRanges() {
    Ticks t = niceTicks(-1, 1);
    QCOMPARE(t.label(-1e-17), std::string("0.0"));
    t = niceTicks(5, 5);
    QVERIFY(t.lo < 5 && t.hi > 5);
    t = niceTicks(3, 1);  // reversed
    QVERIFY(t.lo <= 1 && t.hi >= 3);
  }

  void ticksWithinAFixedRange() {
    const Ticks t = ticksWithin(0.13, 0.91, 5);
    const auto& v = t.values;
    QVERIFY(v.size() >= 2 && v.size() <= 5);
    for (double x : v) QVERIFY(x >= 0.13 && x <= 0.91);
    QCOMPARE(v.front(), 0.2);
    // Labels come with the step actually used, so neighbouring ticks never read the same.
    for (auto [lo, hi] : {std::pair{0.0, 2.4}, std::pair{0.13, 0.91}, std::pair{-0.3, 1.41}, std::pair{1e-3, 7e-3}}) {
      const Ticks w = ticksWithin(lo, hi, 5);
      for (std::size_t i = 1; i < w.values.size(); ++i)
        QVERIFY2(w.label(w.values[i]) != w.label(w.values[i - 1]), w.label(w.values[i]).c_str());
    }
  }

  void logAxesShowSeveralDecades() {
    // The lateral profile spanned 30..500 MeV and showed a single labelled decade.
    LogTicks t = logTicks(30, 500);
    QCOMPARE(t.lo, 10.0);
    QCOMPARE(t.hi, 1000.0);
    QCOMPARE(t.decades, (std::vector<double>{10, 100, 1000}));
    t = logTicks(0.5, 0.6);
    QVERIFY(t.decades.size() >= 3);
    QVERIFY(t.lo <= 0.5 && t.hi >= 0.6);
    t = logTicks(0, 100);  // no positive minimum: two decades below the maximum
    QVERIFY(t.lo > 0 && t.hi == 100);
    QCOMPARE(decadeLabel(0.001), std::string("0.001"));
  }
};

QTEST_GUILESS_MAIN(TestAxisTicks)
#include "test_axis_ticks.moc"
