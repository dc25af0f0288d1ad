// The components the registry knows, grouped by plugin and category, searchable; the schema's
// description is each entry's tooltip. (Dragging onto the canvas comes with the canvas.)
#pragma once

#include <QWidget>

class QLineEdit;
class QTreeWidget;

namespace tf {
class Registry;
}

namespace tf::ui {

class ComponentPalette : public QWidget {
  Q_OBJECT
 public:
  explicit ComponentPalette(QWidget* parent = nullptr);
  void setRegistry(const tf::Registry* reg);
  void setFilter(const QString& text);
  int visibleComponentCount() const;
  QTreeWidget* tree() const { return tree_; }

 Q_SIGNALS:
  void componentActivated(const QString& classPath);

 private:
  void rebuild();
  const tf::Registry* reg_ = nullptr;
  QLineEdit* search_;
  QTreeWidget* tree_;
};

}  // namespace tf::ui
