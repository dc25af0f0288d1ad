// Read-only view of a step's parameters beside their schema: value (or default), unit and
// documentation. Editors generated from the schema come with the canvas issue.
#pragma once

#include <QTreeWidget>

namespace tf {
struct Step;
class Registry;
}

namespace tf::ui {

class PropertiesPanel : public QTreeWidget {
  Q_OBJECT
 public:
  explicit PropertiesPanel(QWidget* parent = nullptr);
  void showStep(const tf::Step* step, const tf::Registry* reg);
  QString valueOf(const QString& param) const;  // as displayed; for tests
};

}  // namespace tf::ui
