// The Qt 6 <-> VTK bridge: a QOpenGLWidget that lets a vtkGenericOpenGLRenderWindow render in
// Qt's OpenGL context. Debian's VTK 9.1 ships its Qt widget for Qt 5 only, so this is ours.
//
// How it works: VTK renders into its own framebuffer objects inside Qt's context (it never owns
// a context: SetOwnContext(0)); VTK asks for the context through observers, answered with
// QOpenGLContext::makeCurrent(surface) and only when Qt's context is not already current
// (QOpenGLWidget::makeCurrent() would rebind the widget's framebuffer behind VTK's state cache:
// black frames). Rendering happens in paintGL only; afterwards VTK's display framebuffer is
// blitted into the widget's framebuffer and alpha is set to 1. Mouse, wheel and keys drive a
// VTK interactor style (trackball camera: rotate, pan, zoom; 'r' resets the camera).
#pragma once

#include <QImage>
#include <QOpenGLWidget>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkRenderer;
class vtkInteractorObserver;

namespace tf::viewers {

class VtkView : public QOpenGLWidget {
  Q_OBJECT
 public:
  explicit VtkView(QWidget* parent = nullptr);
  ~VtkView() override;

  vtkRenderer* renderer() const;
  vtkGenericOpenGLRenderWindow* renderWindow() const;
  void setInteractorStyle(vtkInteractorObserver* style);  // default: trackball camera

  void resetCamera();          // fit everything visible, then repaint
  QImage snapshot();           // renders now and returns the picture (device pixels)
  bool saveSnapshot(const QString& pngFile, QString* error = nullptr);
  int framesRendered() const { return frames_; }
  // Empty while rendering works; otherwise why it does not (no OpenGL 3.2, ...).
  const QString& glError() const { return glError_; }

 Q_SIGNALS:
  void cameraChanged();  // after an interaction moved the camera

 protected:
  void initializeGL() override;
  void resizeGL(int w, int h) override;
  void paintGL() override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void keyReleaseEvent(QKeyEvent* e) override;
  void enterEvent(QEnterEvent* e) override;
  void leaveEvent(QEvent* e) override;

 private:
  struct Impl;
  Impl* d_;
  int frames_ = 0;
  QString glError_;
};

}  // namespace tf::viewers
