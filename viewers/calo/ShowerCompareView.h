// Monte Carlo and generated showers side by side: the same event index from two sources, one
// camera for both (turning one turns the other), the same threshold and layer range, and each
// side's profiles drawn over the other's.
#pragma once

#include "ShowerView.h"

#include <QWidget>

namespace tf::viewers {

class ShowerCompareView : public QWidget {
  Q_OBJECT
 public:
  explicit ShowerCompareView(QWidget* parent = nullptr);
  // Both sources must have the same number of events; the shorter count is used otherwise.
  void setSources(int count, ShowerView::Loader left, const QString& leftName, ShowerView::Loader right,
                  const QString& rightName);
  bool goToEvent(int index);
  ShowerView* left() const { return left_; }
  ShowerView* right() const { return right_; }

 private:
  void linkCamera(ShowerView* from, ShowerView* to);
  void linkCuts(ShowerView* from, ShowerView* to);
  void overlay();
  ShowerView *left_, *right_;
  QString leftName_, rightName_;
  bool syncing_ = false;
};

}  // namespace tf::viewers
