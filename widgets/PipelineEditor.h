// The pipeline editor: the canvas and the YAML text side by side over one PipelineDocument,
// plus the inspector (shown in a dock by the main window). Every change — from the canvas,
// the inspector or the text — is one undoable command holding the document before and after,
// so undo restores exactly the file that was there, layout included.
#pragma once

#include "pipeline/Document.h"

#include <QPointF>
#include <QWidget>

#include <memory>

class QLabel;
class QPlainTextEdit;
class QSplitter;
class QTimer;
class QUndoStack;

namespace tf {
class Registry;
}

namespace tf::ui {

class Inspector;
class PipelineCanvas;

class PipelineEditor : public QWidget {
  Q_OBJECT
 public:
  explicit PipelineEditor(const tf::Registry& reg, QWidget* parent = nullptr);
  ~PipelineEditor() override;

  // Replaces the document (clears undo history). Throws LoadError like PipelineDocument.
  void setText(const QString& yaml, const QString& fileName);
  void newDocument();
  const tf::PipelineDocument& document() const { return *doc_; }
  void setFileName(const QString& f);

  PipelineCanvas* canvas() const { return canvas_; }
  Inspector* inspector() const { return inspector_; }
  QPlainTextEdit* textView() const { return text_; }
  QUndoStack* undoStack() const { return undo_; }
  QString textError() const;  // why the text view's content is not applied, or empty

  // Edits as the canvas, the inspector and the menus make them; each is one undo step.
  bool addStep(const QString& classPath, QPointF at, QString* name = nullptr);
  bool connectPorts(const tf::Graph::Link& l);
  bool disconnectPorts(const tf::Graph::Link& l);
  bool removeSteps(const QStringList& steps, const QList<tf::Graph::Link>& links = {});
  bool renameStep(const QString& from, const QString& to);
  bool setParam(const QString& step, const QString& path, const tf::cfg::Node& value);
  bool resetParam(const QString& step, const QString& path);
  void moveSteps(const QMap<QString, QPointF>& positions);
  void autoLayout();
  void duplicateSelection();
  void copySelection();
  bool paste();
  void deleteSelection();
  void selectAll();
  // Aligns the selected steps on the leftmost one's x (vertical) or topmost one's y.
  void alignSelection(Qt::Orientation o);

  // Undo support: the document as the command recorded it.
  void restore(const tf::cfg::Node& raw);

 Q_SIGNALS:
  void documentChanged();  // after every edit, undo and redo
  void selectionChanged(const QStringList& steps);
  void message(const QString& text, bool error);
  void stepDoubleClicked(const QString& step);

 private:
  template <class F>
  bool edit(const QString& what, F&& change, int mergeId = -1, const QString& mergeKey = {});
  void afterChange(bool fromText = false);
  void applyText();

  std::unique_ptr<tf::PipelineDocument> doc_;
  PipelineCanvas* canvas_;
  Inspector* inspector_;
  QPlainTextEdit* text_;
  QLabel* textError_;
  QSplitter* split_;
  QUndoStack* undo_;
  QTimer* textTimer_;
  bool settingText_ = false;
  int pasteCount_ = 0;
};

}  // namespace tf::ui
