#include "ShowerCompareView.h"

#include "ShowerPlots.h"
#include "VtkView.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <cmath>

#include <vtkCamera.h>
#include <vtkRenderer.h>

namespace tf::viewers {

ShowerCompareView::ShowerCompareView(QWidget* parent)
    : QWidget(parent), left_(new ShowerView(this)), right_(new ShowerView(this)) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(left_, 1);
  layout->addWidget(right_, 1);
  // Whatever one side does, the other follows.
  for (const auto& side : {std::make_pair(left_, right_), std::make_pair(right_, left_)}) {
    ShowerView* from = side.first;  // named, not bound: clang 14 cannot capture bindings
    ShowerView* to = side.second;
    connect(from->view(), &VtkView::cameraChanged, this, [this, from, to] { linkCamera(from, to); });
    connect(from, &ShowerView::cutChanged, this, [this, from, to] { linkCuts(from, to); });
    connect(from, &ShowerView::eventChanged, this, [this, to](int i) {
      if (syncing_) return;
      syncing_ = true;
      to->goToEvent(i);
      syncing_ = false;
      overlay();
    });
  }
}

void ShowerCompareView::setSources(int count, ShowerView::Loader left, const QString& leftName,
                                   ShowerView::Loader right, const QString& rightName) {
  leftName_ = leftName;
  rightName_ = rightName;
  syncing_ = true;
  left_->setEvents(count, std::move(left));
  right_->setEvents(count, std::move(right));
  syncing_ = false;
  linkCamera(left_, right_);
  overlay();
}

bool ShowerCompareView::goToEvent(int index) {
  syncing_ = true;
  const bool a = left_->goToEvent(index);
  const bool b = right_->goToEvent(index);
  syncing_ = false;
  overlay();
  return a && b;
}

void ShowerCompareView::linkCamera(ShowerView* from, ShowerView* to) {
  if (syncing_) return;
  syncing_ = true;
  vtkCamera* a = from->view()->renderer()->GetActiveCamera();
  vtkCamera* b = to->view()->renderer()->GetActiveCamera();
  b->SetPosition(a->GetPosition());
  b->SetFocalPoint(a->GetFocalPoint());
  b->SetViewUp(a->GetViewUp());
  b->SetParallelProjection(a->GetParallelProjection());
  b->SetParallelScale(a->GetParallelScale());
  b->SetViewAngle(a->GetViewAngle());
  to->view()->renderer()->ResetCameraClippingRange();
  to->view()->update();
  syncing_ = false;
}

void ShowerCompareView::linkCuts(ShowerView* from, ShowerView* to) {
  if (syncing_) return;
  syncing_ = true;
  if (to->threshold() != from->threshold()) to->setThreshold(from->threshold());
  if (to->firstLayer() != from->firstLayer() || to->lastLayer() != from->lastLayer())
    to->setLayerRange(from->firstLayer(), from->lastLayer());
  syncing_ = false;
  overlay();
}

void ShowerCompareView::overlay() {
  // One colour scale for both sides, or equal colours would not mean equal energies.
  auto range = [](const ShowerView* v) {
    const auto& st = v->stats();
    return std::make_pair(std::log10(std::max(st.minEnergy, 1e-6) * 1e3), std::log10(std::max(st.maxEnergy, 1e-6) * 1e3));
  };
  if (left_->stats().litCells > 0 || right_->stats().litCells > 0) {
    const auto a = range(left_), b = range(right_);
    const bool la = left_->stats().litCells > 0, lb = right_->stats().litCells > 0;
    const std::pair<double, double> both{la && lb ? std::min(a.first, b.first) : (la ? a.first : b.first),
                                         la && lb ? std::max(a.second, b.second) : (la ? a.second : b.second)};
    left_->setColourRange(both);  // colours only: the geometry stays
    right_->setColourRange(both);
  }
  // Each side's profiles, already computed with the shared cut, drawn over the other's.
  left_->plots()->setReference(right_->plots()->longitudinal(), right_->plots()->lateral(), rightName_, leftName_);
  right_->plots()->setReference(left_->plots()->longitudinal(), left_->plots()->lateral(), leftName_, rightName_);
}

}  // namespace tf::viewers
