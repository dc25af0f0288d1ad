// Read-only view of a step's parameters beside their schema: value (or default), unit and
// documentation. Editors generated from the schema come with the canvas issue.
#pragma once

#include <QTreeWidget>

namespace tf {
struct Step;
class Diagnostics;
}  // namespace tf

namespace tf::ui {

class PropertiesPanel : public QTreeWidget {
  Q_OBJECT
 public:
  explicit PropertiesPanel(QWidget* parent = nullptr);
  // Parameters named in `diags` (key "step.param") are shown in red with the message.
  void showStep(const tf::Step* step, const tf::Diagnostics* diags = nullptr);
  QString valueOf(const QString& param) const;  // as displayed; for tests
};

}  // namespace tf::ui
