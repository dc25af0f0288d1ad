// The selected step's parameters, with editors generated from the component's schema: numbers
// (range and unit shown), enums, booleans, paths with a file chooser, lists, and nested
// components (a component picker and their own parameters). Values are shown as written in
// the file (${epochs} stays ${epochs}, with its value in the tooltip); each edit is checked as
// you type with the schema's message and only a valid value is committed (as an undoable edit,
// by the editor that owns the document). Parameters left at their default show it greyed and
// can be reset.
#pragma once

#include "config/Node.h"

#include <QHash>
#include <QPointer>
#include <QScrollArea>

class QGridLayout;
class QLabel;
class QLineEdit;

namespace tf {
class PipelineDocument;
class Registry;
struct ComponentInfo;
struct ParamSpec;
}  // namespace tf

namespace tf::ui {

class Inspector : public QScrollArea {
  Q_OBJECT
 public:
  explicit Inspector(const tf::Registry& reg, QWidget* parent = nullptr);

  void setDocument(const tf::PipelineDocument* doc);
  void showStep(const QString& step);  // empty: nothing selected
  void refresh();                      // the same step again, after the document changed
  const QString& step() const { return step_; }

  // For tests and scripting: the editor of a parameter ("lr", "model.hidden"), the value the
  // run will use (interpolated, or the default), and the validation message shown (or empty).
  QWidget* editorFor(const QString& path) const;
  QString valueOf(const QString& path) const;
  QString messageFor(const QString& path) const;
  // Puts `text` in a parameter's editor as if typed, then commits it like Enter would.
  bool edit(const QString& path, const QString& text);

 Q_SIGNALS:
  void paramEdited(const QString& step, const QString& path, const tf::cfg::Node& value);
  void paramReset(const QString& step, const QString& path);
  void renameRequested(const QString& from, const QString& to);

 private:
  struct Row {
    QWidget* editor = nullptr;
    QLabel* message = nullptr;
    const tf::ParamSpec* spec = nullptr;
    QString committed;  // text of the value in the document
  };
  void build();
  void addParams(QGridLayout* grid, int& row, const tf::ComponentInfo& info, const tf::cfg::Node* args,
                 const QString& prefix, int depth);
  QWidget* makeEditor(const tf::ParamSpec& p, const QString& path, const tf::cfg::Node* value);
  tf::cfg::Node parse(const tf::ParamSpec* spec, const QString& text, QString* error) const;
  bool validate(const QString& path, const QString& text);  // shows the message; true when fine
  void commitText(const QString& path, const QString& text);

  const tf::Registry& reg_;
  const tf::PipelineDocument* doc_ = nullptr;
  QString step_;
  QHash<QString, Row> rows_;
  QWidget* body_ = nullptr;
};

}  // namespace tf::ui
