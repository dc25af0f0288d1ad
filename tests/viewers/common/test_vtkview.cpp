// The Qt 6 <-> VTK bridge under a real X server (Xvfb + Mesa in CI): what VTK renders reaches
// the widget's pixels, mouse drags and the wheel move the camera, several views coexist, and
// a snapshot is written as PNG.
#include "VtkView.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkConeSource.h>
#include <vtkCubeSource.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkNew.h>

#include <QApplication>
#include <QHBoxLayout>
#include <QImage>
#include <QMouseEvent>
#include <QTemporaryDir>
#include <QtTest>

using tf::viewers::VtkView;

namespace {

// Adds a red cube (or a green cone) in the middle of a dark scene.
void addShape(VtkView& v, bool cube) {
  vtkNew<vtkPolyDataMapper> mapper;
  if (cube) {
    vtkNew<vtkCubeSource> src;
    src->SetXLength(1.0);
    src->SetYLength(0.6);
    src->SetZLength(0.3);
    mapper->SetInputConnection(src->GetOutputPort());
  } else {
    vtkNew<vtkConeSource> src;
    src->SetResolution(24);
    mapper->SetInputConnection(src->GetOutputPort());
  }
  vtkNew<vtkActor> actor;
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(cube ? 0.9 : 0.1, cube ? 0.1 : 0.85, 0.1);
  actor->GetProperty()->SetAmbient(0.4);
  v.renderer()->AddActor(actor);
  v.renderer()->SetBackground(0.05, 0.05, 0.1);
  v.renderer()->ResetCamera();
}

// Pixels whose red (or green) channel dominates.
int countColour(const QImage& img, bool red) {
  int n = 0;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      const QColor c = img.pixelColor(x, y);
      const int a = red ? c.red() : c.green(), b = red ? c.green() : c.red();
      if (a > 60 && a > 2 * b && a > 2 * c.blue()) ++n;
    }
  return n;
}

void drag(QWidget* w, QPoint from, QPoint to, Qt::MouseButton button) {
  QMouseEvent press(QEvent::MouseButtonPress, from, w->mapToGlobal(from), button, button, Qt::NoModifier);
  QApplication::sendEvent(w, &press);
  for (int i = 1; i <= 8; ++i) {
    const QPoint p = from + (to - from) * i / 8;
    QMouseEvent move(QEvent::MouseMove, p, w->mapToGlobal(p), Qt::NoButton, button, Qt::NoModifier);
    QApplication::sendEvent(w, &move);
  }
  QMouseEvent release(QEvent::MouseButtonRelease, to, w->mapToGlobal(to), button, Qt::NoButton, Qt::NoModifier);
  QApplication::sendEvent(w, &release);
}

}  // namespace

class TestVtkView : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void rendersIntoTheWidget() {
    VtkView v;
    v.resize(400, 300);
    addShape(v, true);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    const QImage img = v.snapshot();
    QVERIFY2(v.glError().isEmpty(), qPrintable(v.glError()));
    QVERIFY(v.framesRendered() >= 1);
    QCOMPARE(img.size(), QSize(400, 300) * v.devicePixelRatioF());
    // The cube is in the middle, the background in the corner, and the frame is opaque.
    const QColor centre = img.pixelColor(img.width() / 2, img.height() / 2);
    QVERIFY2(centre.red() > 100 && centre.green() < 80, qPrintable(centre.name()));
    const QColor corner = img.pixelColor(2, 2);
    QVERIFY2(corner.red() < 40 && corner.blue() > 10 && corner.blue() < 50, qPrintable(corner.name()));
    QCOMPARE(img.pixelColor(2, 2).alpha(), 255);
    const int red = countColour(img, true);
    QVERIFY2(red > img.width() * img.height() / 20, qPrintable(QString::number(red)));
  }

  void mouseAndWheelMoveTheCamera() {
    VtkView v;
    v.resize(400, 300);
    addShape(v, true);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    const QImage before = v.snapshot();
    double p0[3], p1[3];
    v.renderer()->GetActiveCamera()->GetPosition(p0);
    QSignalSpy moved(&v, &VtkView::cameraChanged);
    drag(&v, QPoint(200, 150), QPoint(300, 190), Qt::LeftButton);  // rotate
    QVERIFY(moved.count() > 0);
    v.renderer()->GetActiveCamera()->GetPosition(p1);
    QVERIFY(p0[0] != p1[0] || p0[1] != p1[1] || p0[2] != p1[2]);
    const QImage rotated = v.snapshot();
    QVERIFY(rotated != before);  // the cube is seen from elsewhere

    const double d0 = v.renderer()->GetActiveCamera()->GetDistance();
    QWheelEvent wheel(QPointF(200, 150), v.mapToGlobal(QPointF(200, 150)), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(&v, &wheel);
    QVERIFY(v.renderer()->GetActiveCamera()->GetDistance() < d0);  // zoomed in
    QVERIFY(countColour(v.snapshot(), true) > countColour(rotated, true));

    v.resetCamera();
    QVERIFY(countColour(v.snapshot(), true) > 0);
  }

  void twoViewsSideBySide() {
    QWidget w;
    auto* layout = new QHBoxLayout(&w);
    auto* a = new VtkView;
    auto* b = new VtkView;
    layout->addWidget(a);
    layout->addWidget(b);
    addShape(*a, true);
    addShape(*b, false);
    w.resize(700, 300);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const QImage ia = a->snapshot(), ib = b->snapshot();
    if (qEnvironmentVariableIsSet("TF_KEEP_SHOTS")) {  // for looking at them
      w.grab().save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/two-views.png");
      ia.save(qEnvironmentVariable("TF_KEEP_SHOTS") + "/view-a.png");
    }
    QVERIFY(countColour(ia, true) > 100 && countColour(ia, false) == 0);
    QVERIFY(countColour(ib, false) > 100 && countColour(ib, true) == 0);
    // Resizing keeps the picture filled.
    w.resize(900, 400);
    QTest::qWait(50);
    const QImage big = a->snapshot();
    QCOMPARE(big.width(), static_cast<int>(a->width() * a->devicePixelRatioF()));
    QVERIFY(countColour(big, true) > countColour(ia, true));
  }

  void snapshotToPng() {
    VtkView v;
    v.resize(320, 240);
    addShape(v, false);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    const QString file = tmp_.filePath("view.png");
    QString err;
    QVERIFY2(v.saveSnapshot(file, &err), qPrintable(err));
    QImage back(file);
    QCOMPARE(back.size(), QSize(320, 240) * v.devicePixelRatioF());
    QVERIFY(countColour(back, false) > 100);
    QVERIFY(!v.saveSnapshot(tmp_.filePath("no/such/dir/view.png"), &err));
    QVERIFY(err.contains("no/such/dir"));
  }
};

QTEST_MAIN(TestVtkView)
#include "test_vtkview.moc"
