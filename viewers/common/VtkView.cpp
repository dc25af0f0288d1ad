#include "VtkView.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QOpenGLFunctions>
#include <QWheelEvent>

#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

#include <cmath>

namespace tf::viewers {

struct VtkView::Impl {
  VtkView* self;
  vtkNew<vtkGenericOpenGLRenderWindow> window;
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkGenericRenderWindowInteractor> interactor;
  vtkSmartPointer<vtkInteractorObserver> style;
  vtkNew<vtkCallbackCommand> contextCallback;
  bool contextReady = false;
  double cameraStamp[3] = {0, 0, 0};

  static void onWindowEvent(vtkObject*, unsigned long id, void* clientData, void* callData) {
    auto* d = static_cast<Impl*>(clientData);
    QOpenGLContext* ctx = d->self->context();
    switch (id) {
      case vtkCommand::WindowMakeCurrentEvent:
        // Only when needed: rebinding while current confuses VTK's framebuffer state cache.
        if (ctx && QOpenGLContext::currentContext() != ctx) ctx->makeCurrent(ctx->surface());
        break;
      case vtkCommand::WindowIsCurrentEvent:
        *static_cast<bool*>(callData) = ctx && QOpenGLContext::currentContext() == ctx;
        break;
      case vtkCommand::WindowFrameEvent:
        break;  // the picture is blitted in paintGL
      default:
        break;
    }
  }

  // Feeds a Qt input event's position and modifiers to the interactor (VTK's y runs upwards).
  void position(const QPointF& p, Qt::KeyboardModifiers mods, int repeat = 0) {
    const double dpr = self->devicePixelRatioF();
    interactor->SetEventInformationFlipY(static_cast<int>(std::lround(p.x() * dpr)),
                                         static_cast<int>(std::lround(p.y() * dpr)),
                                         (mods & Qt::ControlModifier) ? 1 : 0, (mods & Qt::ShiftModifier) ? 1 : 0, 0,
                                         repeat);
    interactor->SetAltKey((mods & Qt::AltModifier) ? 1 : 0);
  }

  // A mouse button pressed or released, as the interactor's event for that button.
  void button(QMouseEvent* e, bool press) {
    unsigned long id;
    switch (e->button()) {
      case Qt::LeftButton: id = press ? vtkCommand::LeftButtonPressEvent : vtkCommand::LeftButtonReleaseEvent; break;
      case Qt::MiddleButton: id = press ? vtkCommand::MiddleButtonPressEvent : vtkCommand::MiddleButtonReleaseEvent; break;
      case Qt::RightButton: id = press ? vtkCommand::RightButtonPressEvent : vtkCommand::RightButtonReleaseEvent; break;
      default: return;
    }
    position(e->position(), e->modifiers());
    interactor->InvokeEvent(id);
    e->accept();
    afterInteraction();
  }

  void afterInteraction() {
    double p[3];
    renderer->GetActiveCamera()->GetPosition(p);
    const bool moved = p[0] != cameraStamp[0] || p[1] != cameraStamp[1] || p[2] != cameraStamp[2];
    for (int i = 0; i < 3; ++i) cameraStamp[i] = p[i];
    self->update();
    if (moved) Q_EMIT self->cameraChanged();
  }
};

VtkView::VtkView(QWidget* parent) : QOpenGLWidget(parent), d_(new Impl{this, {}, {}, {}, {}, {}}) {
  // VTK's OpenGL2 backend needs 3.2 core. No multisampling: under software GL it costs a
  // factor of 2-3 in frame rate (measured in the viewers issue).
  QSurfaceFormat fmt = QSurfaceFormat::defaultFormat();
  fmt.setRenderableType(QSurfaceFormat::OpenGL);
  fmt.setVersion(3, 2);
  fmt.setProfile(QSurfaceFormat::CoreProfile);
  fmt.setDepthBufferSize(24);
  fmt.setStencilBufferSize(8);
  fmt.setAlphaBufferSize(8);
  fmt.setSamples(0);
  setFormat(fmt);
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(false);
  setMinimumSize(64, 64);

  d_->window->SetMultiSamples(0);
  d_->window->AddRenderer(d_->renderer);
  d_->window->SetInteractor(d_->interactor);
  d_->window->SetFrameBlitModeToNoBlit();  // we blit into Qt's framebuffer ourselves
  d_->renderer->SetBackground(0.11, 0.12, 0.14);
  // Renders only in paintGL: an interaction asks for a repaint instead of rendering itself.
  d_->interactor->EnableRenderOff();
  d_->style = vtkSmartPointer<vtkInteractorStyleTrackballCamera>::New();
  d_->interactor->SetInteractorStyle(d_->style);
  d_->contextCallback->SetClientData(d_);
  d_->contextCallback->SetCallback(&Impl::onWindowEvent);
  for (auto ev : {vtkCommand::WindowMakeCurrentEvent, vtkCommand::WindowIsCurrentEvent, vtkCommand::WindowFrameEvent})
    d_->window->AddObserver(ev, d_->contextCallback);
}

VtkView::~VtkView() {
  // Release VTK's OpenGL resources while Qt's context still exists.
  if (d_->contextReady && context()) {
    makeCurrent();
    d_->window->Finalize();
    doneCurrent();
  }
  d_->window->RemoveObserver(d_->contextCallback);
  delete d_;
}

vtkRenderer* VtkView::renderer() const { return d_->renderer; }
vtkGenericOpenGLRenderWindow* VtkView::renderWindow() const { return d_->window; }

void VtkView::setInteractorStyle(vtkInteractorObserver* style) {
  d_->style = style;
  d_->interactor->SetInteractorStyle(style);
}

void VtkView::resetCamera() {
  d_->renderer->ResetCamera();
  d_->afterInteraction();
}

void VtkView::initializeGL() {
  const QSurfaceFormat f = context()->format();
  if (f.majorVersion() < 3 || (f.majorVersion() == 3 && f.minorVersion() < 2)) {
    glError_ = QStringLiteral("OpenGL %1.%2 only; the 3D view needs OpenGL 3.2")
                   .arg(f.majorVersion())
                   .arg(f.minorVersion());
    return;
  }
  d_->window->SetReadyForRendering(true);
  d_->window->SetOwnContext(0);
  d_->window->SetForceMaximumHardwareLineWidth(1);
  d_->window->OpenGLInitContext();
  d_->contextReady = true;
}

void VtkView::resizeGL(int w, int h) {
  const double dpr = devicePixelRatioF();
  const int pw = static_cast<int>(std::lround(w * dpr)), ph = static_cast<int>(std::lround(h * dpr));
  d_->interactor->UpdateSize(pw, ph);  // also sizes the render window
  d_->window->SetDPI(static_cast<int>(std::lround(72 * dpr)));
}

void VtkView::paintGL() {
  if (!d_->contextReady) {
    // Without a usable context, say so in the widget instead of drawing garbage.
    QOpenGLFunctions* f = context()->functions();
    f->glClearColor(0.3f, 0.1f, 0.1f, 1.0f);
    f->glClear(GL_COLOR_BUFFER_BIT);
    return;
  }
  d_->window->Render();
  ++frames_;

  QOpenGLExtraFunctions* f = context()->extraFunctions();
  const int w = static_cast<int>(std::lround(width() * devicePixelRatioF()));
  const int h = static_cast<int>(std::lround(height() * devicePixelRatioF()));
  f->glBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
  const GLenum buf = GL_COLOR_ATTACHMENT0;
  f->glDrawBuffers(1, &buf);
  const GLboolean scissor = f->glIsEnabled(GL_SCISSOR_TEST);
  if (scissor) {
    d_->window->GetState()->vtkglDisable(GL_SCISSOR_TEST);
    f->glDisable(GL_SCISSOR_TEST);
  }
  int* size = d_->window->GetRenderFramebuffer()->GetLastSize();
  d_->window->BlitDisplayFramebuffer(0, 0, 0, size[0], size[1], 0, 0, w, h, GL_COLOR_BUFFER_BIT, GL_NEAREST);
  // Opaque: Mesa and composited desktops would otherwise blend the view with what is behind.
  GLboolean mask[4];
  f->glGetBooleanv(GL_COLOR_WRITEMASK, mask);
  GLfloat clear[4];
  f->glGetFloatv(GL_COLOR_CLEAR_VALUE, clear);
  f->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
  f->glClearColor(0, 0, 0, 1);
  f->glClear(GL_COLOR_BUFFER_BIT);
  f->glColorMask(mask[0], mask[1], mask[2], mask[3]);
  f->glClearColor(clear[0], clear[1], clear[2], clear[3]);
  if (scissor) {
    d_->window->GetState()->vtkglEnable(GL_SCISSOR_TEST);
    f->glEnable(GL_SCISSOR_TEST);
  }
}

QImage VtkView::snapshot() { return grabFramebuffer(); }

bool VtkView::saveSnapshot(const QString& pngFile, QString* error) {
  const QImage img = snapshot();
  if (img.isNull() || !img.save(pngFile, "PNG")) {
    if (error) *error = QStringLiteral("cannot write the picture to %1").arg(pngFile);
    return false;
  }
  return true;
}

void VtkView::mousePressEvent(QMouseEvent* e) { d_->button(e, true); }

void VtkView::mouseDoubleClickEvent(QMouseEvent* e) {
  d_->position(e->position(), e->modifiers(), 1);
  if (e->button() == Qt::LeftButton) d_->interactor->InvokeEvent(vtkCommand::LeftButtonDoubleClickEvent);
  e->accept();
}

void VtkView::mouseMoveEvent(QMouseEvent* e) {
  d_->position(e->position(), e->modifiers());
  d_->interactor->InvokeEvent(vtkCommand::MouseMoveEvent);
  e->accept();
  if (e->buttons() != Qt::NoButton) d_->afterInteraction();
}

void VtkView::mouseReleaseEvent(QMouseEvent* e) { d_->button(e, false); }

void VtkView::wheelEvent(QWheelEvent* e) {
  d_->position(e->position(), e->modifiers());
  const int dy = e->angleDelta().y();
  if (dy == 0) return;
  d_->interactor->InvokeEvent(dy > 0 ? vtkCommand::MouseWheelForwardEvent : vtkCommand::MouseWheelBackwardEvent);
  e->accept();
  d_->afterInteraction();
}

void VtkView::keyPressEvent(QKeyEvent* e) {
  const QString text = e->text();
  const char code = text.isEmpty() ? 0 : text.at(0).toLatin1();
  const QPoint p = mapFromGlobal(QCursor::pos());
  d_->position(QPointF(p), e->modifiers());
  d_->interactor->SetKeyCode(code);
  d_->interactor->SetKeySym(text.isEmpty() ? "" : text.toLatin1().constData());
  d_->interactor->InvokeEvent(vtkCommand::KeyPressEvent);
  if (code) d_->interactor->InvokeEvent(vtkCommand::CharEvent);
  e->accept();
  d_->afterInteraction();
}

void VtkView::keyReleaseEvent(QKeyEvent* e) {
  d_->interactor->InvokeEvent(vtkCommand::KeyReleaseEvent);
  e->accept();
}

void VtkView::enterEvent(QEnterEvent* e) {
  d_->interactor->InvokeEvent(vtkCommand::EnterEvent);
  QOpenGLWidget::enterEvent(e);
}

void VtkView::leaveEvent(QEvent* e) {
  d_->interactor->InvokeEvent(vtkCommand::LeaveEvent);
  QOpenGLWidget::leaveEvent(e);
}

}  // namespace tf::viewers
