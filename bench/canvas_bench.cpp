// Is the pipeline canvas responsive with a large pipeline? Opens a generated pipeline of N steps
// (default 200: chains generate -> read -> split -> train -> save, with explicit inputs) in the
// workbench window and measures, in one process:
//   open   - reading, validating and drawing the file (MainWindow::openFile)
//   frame  - repainting the canvas viewport (zoomed to fit, then at 100 % while panning)
//   edit   - one parameter edit end to end: document edit, re-validation, scene rebuild, text view
//   move   - one node move committed (what releasing a dragged node costs)
// and the same for a 5-step pipeline as the baseline. Run under Xvfb (real X11 painting):
//   Xvfb :99 & DISPLAY=:99 build/bin/canvas_bench [STEPS] [FRAMES]
#include "MainWindow.h"
#include "PipelineCanvas.h"
#include "PipelineEditor.h"
#include "config/Node.h"
#include "components/Builtins.h"
#include "registry/Registry.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QScrollBar>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

std::string pipelineText(int steps) {
  std::string y = "pipeline:\n  _target_: itwinai.pipeline.Pipeline\n  steps:\n";
  const char* kinds[] = {"synthetic.RegressionSet", "core.HDF5Reader", "core.TrainValSplit", "core.MLPTrainer",
                         "core.ModelSaver"};
  for (int i = 0; i < steps; ++i) {
    const int k = i % 5, chain = i / 5;
    const std::string name = "s" + std::to_string(i);
    y += "    " + name + ":\n      _target_: " + kinds[k] + "\n";
    const std::string prev = "s" + std::to_string(i - 1);
    switch (k) {
      case 0: y += "      file: data/chain" + std::to_string(chain) + ".h5\n      samples: 256\n"; break;
      case 1: y += "      inputs: {path: " + prev + ".path}\n"; break;
      case 2: y += "      inputs: {dataset: " + prev + ".dataset}\n"; break;
      case 3: y += "      inputs: {train: " + prev + ".train, val: " + prev + ".val}\n      epochs: 2\n"; break;
      case 4: y += "      inputs: {model: " + prev + ".model}\n"; break;
    }
  }
  return y;
}

struct Stats {
  double median = 0, p95 = 0;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return {};
  return {v[v.size() / 2], v[std::min(v.size() - 1, static_cast<std::size_t>(v.size() * 0.95))]};
}

void measure(const tf::Registry& reg, int steps, int frames, const QString& dir) {
  const QString file = dir + QStringLiteral("/p%1.yaml").arg(steps);
  QFile f(file);
  f.open(QIODevice::WriteOnly);
  f.write(QByteArray::fromStdString(pipelineText(steps)));
  f.close();

  tf::ui::MainWindow w(reg);
  w.resize(1500, 950);
  w.show();
  QApplication::processEvents();
  QElapsedTimer t;
  t.start();
  if (!w.openFile(file)) {
    std::fprintf(stderr, "cannot open: %s\n", qPrintable(w.lastError()));
    std::exit(1);
  }
  QApplication::processEvents();
  const double openMs = t.nsecsElapsed() / 1e6;
  tf::ui::PipelineCanvas* c = w.canvas();
  c->zoomToFit();

  auto paint = [&](int n, bool pan) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      if (pan) c->horizontalScrollBar()->setValue(c->horizontalScrollBar()->value() + (i % 20 < 10 ? 25 : -25));
      t.restart();
      c->viewport()->repaint();
      ms.push_back(t.nsecsElapsed() / 1e6);
    }
    return stats(ms);
  };
  paint(5, false);  // warm caches
  const Stats fit = paint(frames, false);
  c->resetTransform();
  c->centerOn(c->mapToScene(c->viewport()->rect().center()));
  const Stats pan = paint(frames, true);

  std::vector<double> edits, moves;
  for (int i = 0; i < 15; ++i) {
    t.restart();
    w.editor()->setParam(QStringLiteral("s0"), QStringLiteral("samples"),
                         tf::cfg::Node::scalar(std::to_string(300 + i)));
    QApplication::processEvents();
    edits.push_back(t.nsecsElapsed() / 1e6);
    t.restart();
    w.editor()->moveSteps({{QStringLiteral("s3"), QPointF(100 + 10 * i, 900)}});
    QApplication::processEvents();
    moves.push_back(t.nsecsElapsed() / 1e6);
  }
  const Stats e = stats(edits), m = stats(moves);
  std::printf("%5d steps  open %7.1f ms   frame fit %5.2f ms (p95 %5.2f)   frame 100%% pan %5.2f ms (p95 %5.2f)   "
              "edit %6.1f ms (p95 %6.1f)   move %6.1f ms (p95 %6.1f)\n",
              steps, openMs, fit.median, fit.p95, pan.median, pan.p95, e.median, e.p95, m.median, m.p95);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("TWINFORGE_NO_DIALOGS", "1");
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("TwinForgeBench"));
  QApplication::setApplicationName(QStringLiteral("canvas_bench"));
  const int steps = argc > 1 ? std::atoi(argv[1]) : 200;
  const int frames = argc > 2 ? std::atoi(argv[2]) : 60;
  tf::Registry reg;
  tf::loadAllComponents(reg);
  QTemporaryDir dir;
  std::printf("canvas_bench: %s, window 1500x950, %d frames per figure (16.7 ms = 60 Hz)\n",
              qPrintable(QGuiApplication::platformName()), frames);
  measure(reg, 5, frames, dir.path());
  measure(reg, steps, frames, dir.path());
  return 0;
}
