#include "PipelineEditor.h"

#include "Inspector.h"
#include "PipelineCanvas.h"
#include "config/Diagnostics.h"
#include "pipeline/PipelineLoader.h"
#include "registry/Schema.h"

#include <QApplication>
#include <QClipboard>
#include <QFontDatabase>
#include <QGraphicsItem>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>

namespace tf::ui {

namespace {

// One undo step: the document before and after. Documents are small (a 200-step pipeline is
// ~40 KB of tree), and snapshots make undo exact whatever the edit was.
class DocCommand : public QUndoCommand {
 public:
  DocCommand(PipelineEditor* ed, const QString& text, cfg::Node before, cfg::Node after, int id, QString key)
      : QUndoCommand(text), ed_(ed), before_(std::move(before)), after_(std::move(after)), id_(id), key_(std::move(key)) {}
  void undo() override { ed_->restore(before_); }
  void redo() override {
    if (first_) {  // the edit is already in the document
      first_ = false;
      return;
    }
    ed_->restore(after_);
  }
  int id() const override { return id_; }
  bool mergeWith(const QUndoCommand* other) override {
    auto* o = static_cast<const DocCommand*>(other);
    if (o->key_ != key_) return false;
    after_ = o->after_;  // typing into one parameter is one undo step
    return true;
  }

 private:
  PipelineEditor* ed_;
  cfg::Node before_, after_;
  int id_;
  QString key_;
  bool first_ = true;
};

constexpr int kParamMergeId = 1;

}  // namespace

PipelineEditor::PipelineEditor(const tf::Registry& reg, QWidget* parent)
    : QWidget(parent), doc_(std::make_unique<tf::PipelineDocument>(reg)) {
  setObjectName(QStringLiteral("pipelineEditor"));
  undo_ = new QUndoStack(this);
  canvas_ = new PipelineCanvas(reg, this);
  inspector_ = new Inspector(reg, this);
  text_ = new QPlainTextEdit(this);
  text_->setObjectName(QStringLiteral("yamlText"));
  text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  text_->setLineWrapMode(QPlainTextEdit::NoWrap);
  text_->setToolTip(tr("The pipeline file as it will be saved. Edit it here: valid YAML is applied as you pause."));
  textError_ = new QLabel(this);
  textError_->setWordWrap(true);
  textError_->setStyleSheet(QStringLiteral("QLabel{background:#fde7e9;color:#8a1c1c;padding:4px;}"));
  textError_->setVisible(false);
  auto* right = new QWidget(this);
  auto* rv = new QVBoxLayout(right);
  rv->setContentsMargins(0, 0, 0, 0);
  rv->addWidget(text_);
  rv->addWidget(textError_);
  split_ = new QSplitter(Qt::Horizontal, this);
  split_->addWidget(canvas_);
  split_->addWidget(right);
  split_->setStretchFactor(0, 3);
  split_->setStretchFactor(1, 1);
  split_->setSizes({700, 330});
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  lay->addWidget(split_);

  textTimer_ = new QTimer(this);
  textTimer_->setSingleShot(true);
  textTimer_->setInterval(700);
  connect(textTimer_, &QTimer::timeout, this, &PipelineEditor::applyText);
  connect(text_, &QPlainTextEdit::textChanged, this, [this] {
    if (!settingText_) textTimer_->start();
  });

  connect(canvas_, &PipelineCanvas::addRequested, this,
          [this](const QString& cp, QPointF at, const QString& fromStep, const QString& fromPort) {
            if (fromStep.isEmpty()) {
              addStep(cp, at);
              return;
            }
            // A link dropped in empty space: the new step and its link are one undo step.
            const QString port = fromPort;
            edit(tr("Add %1").arg(cp), [&]() -> tf::Graph::Check {
              std::string name;
              auto c = doc_->addStep(cp.toStdString(), {at.x(), at.y()}, &name);
              if (!c) return c;
              const tf::Graph::Node* n = doc_->graph().node(name);
              const tf::Graph::Node* from = doc_->graph().node(fromStep.toStdString());
              if (!n || !n->info || !from || !from->info) return c;
              const tf::PortSpec* out = from->info->output(port.toStdString());
              for (const auto& in : n->info->inputs)
                if (out && tf::portTypesCompatible(out->type, in.type))
                  return doc_->connect({fromStep.toStdString(), port.toStdString(), name, in.name});
              return c;
            });
          });
  connect(canvas_, &PipelineCanvas::connectRequested, this, &PipelineEditor::connectPorts);
  connect(canvas_, &PipelineCanvas::disconnectRequested, this, &PipelineEditor::disconnectPorts);
  connect(canvas_, &PipelineCanvas::moveRequested, this, &PipelineEditor::moveSteps);
  connect(canvas_, &PipelineCanvas::deleteRequested, this, &PipelineEditor::removeSteps);
  connect(canvas_, &PipelineCanvas::nodeDoubleClicked, this, &PipelineEditor::stepDoubleClicked);
  connect(canvas_, &PipelineCanvas::message, this, [this](const QString& m) { Q_EMIT message(m, true); });
  connect(canvas_, &PipelineCanvas::selectionChangedTo, this, [this](const QStringList& steps) {
    inspector_->showStep(steps.size() == 1 ? steps.front() : QString());
    Q_EMIT selectionChanged(steps);
  });
  connect(inspector_, &Inspector::paramEdited, this, &PipelineEditor::setParam);
  connect(inspector_, &Inspector::paramReset, this, &PipelineEditor::resetParam);
  connect(inspector_, &Inspector::renameRequested, this, &PipelineEditor::renameStep);

  canvas_->setDocument(doc_.get());
  inspector_->setDocument(doc_.get());
  afterChange();
}

PipelineEditor::~PipelineEditor() = default;

void PipelineEditor::setText(const QString& yaml, const QString& fileName) {
  doc_->setText(yaml.toStdString(), fileName.toStdString());  // throws: nothing changed
  undo_->clear();
  undo_->setClean();
  canvas_->setDocument(doc_.get());
  inspector_->setDocument(doc_.get());
  afterChange();
  canvas_->zoomToReadable();
}

void PipelineEditor::newDocument() {
  setText(QString::fromStdString(tf::PipelineDocument::newDocumentText()), tr("untitled.yaml"));
}

void PipelineEditor::setFileName(const QString& f) { doc_->setFileName(f.toStdString()); }

QString PipelineEditor::textError() const { return textError_->isHidden() ? QString() : textError_->text(); }

void PipelineEditor::restore(const cfg::Node& raw) {
  try {
    doc_->setRaw(raw);
  } catch (const tf::LoadError& e) {
    Q_EMIT message(QString::fromStdString(e.diagnostics().str()), true);
  }
  afterChange();
}

void PipelineEditor::afterChange(bool fromText) {
  canvas_->refresh();
  inspector_->refresh();
  if (!fromText) {
    settingText_ = true;
    const int scroll = text_->verticalScrollBar() ? text_->verticalScrollBar()->value() : 0;
    text_->setPlainText(QString::fromStdString(doc_->yaml()));
    text_->verticalScrollBar()->setValue(scroll);
    settingText_ = false;
    textError_->setVisible(false);
  }
  Q_EMIT documentChanged();
}

template <class F>
bool PipelineEditor::edit(const QString& what, F&& change, int mergeId, const QString& mergeKey) {
  cfg::Node before = doc_->raw();
  tf::Graph::Check c = change();
  if (!c) {
    Q_EMIT message(QString::fromStdString(c.why), true);
    return false;
  }
  if (doc_->raw() == before) return true;  // nothing to undo
  undo_->push(new DocCommand(this, what, std::move(before), doc_->raw(), mergeId, mergeKey));
  afterChange();
  return true;
}

bool PipelineEditor::addStep(const QString& classPath, QPointF at, QString* name) {
  std::string n;
  const bool ok = edit(tr("Add %1").arg(classPath),
                       [&] { return doc_->addStep(classPath.toStdString(), {at.x(), at.y()}, &n); });
  if (ok) {
    if (name) *name = QString::fromStdString(n);
    canvas_->selectSteps({QString::fromStdString(n)});
  }
  return ok;
}

bool PipelineEditor::connectPorts(const tf::Graph::Link& l) {
  return edit(tr("Connect %1 to %2").arg(QString::fromStdString(l.fromNode), QString::fromStdString(l.toNode)),
              [&] { return doc_->connect(l); });
}

bool PipelineEditor::disconnectPorts(const tf::Graph::Link& l) {
  return edit(tr("Disconnect %1.%2").arg(QString::fromStdString(l.toNode), QString::fromStdString(l.toPort)),
              [&]() -> tf::Graph::Check {
                if (!doc_->disconnect(l)) return {false, "no such link"};
                return {};
              });
}

bool PipelineEditor::removeSteps(const QStringList& steps, const QList<tf::Graph::Link>& links) {
  return edit(steps.isEmpty() ? tr("Remove link") : tr("Remove %1").arg(steps.join(QStringLiteral(", "))),
              [&]() -> tf::Graph::Check {
                for (const auto& l : links) doc_->disconnect(l);
                std::vector<std::string> names;
                for (const auto& s : steps) names.push_back(s.toStdString());
                if (!names.empty() && !doc_->removeSteps(names)) return {false, "nothing to remove"};
                return {};
              });
}

bool PipelineEditor::renameStep(const QString& from, const QString& to) {
  const bool ok = edit(tr("Rename %1 to %2").arg(from, to),
                       [&] { return doc_->renameStep(from.toStdString(), to.toStdString()); });
  if (ok) {
    canvas_->selectSteps({to});
    inspector_->showStep(to);
  } else {
    inspector_->refresh();  // the old name goes back in the field
  }
  return ok;
}

bool PipelineEditor::setParam(const QString& step, const QString& path, const cfg::Node& value) {
  return edit(
      tr("Set %1.%2").arg(step, path),
      [&] { return doc_->setParam(step.toStdString(), path.toStdString(), value); }, kParamMergeId,
      step + QLatin1Char('.') + path);
}

bool PipelineEditor::resetParam(const QString& step, const QString& path) {
  return edit(tr("Reset %1.%2").arg(step, path), [&]() -> tf::Graph::Check {
    doc_->resetParam(step.toStdString(), path.toStdString());
    return {};
  });
}

void PipelineEditor::moveSteps(const QMap<QString, QPointF>& positions) {
  std::map<std::string, tf::PipelineDocument::Pos> moved;
  for (auto it = positions.begin(); it != positions.end(); ++it)
    moved[it.key().toStdString()] = {it.value().x(), it.value().y()};
  edit(positions.size() == 1 ? tr("Move %1").arg(positions.firstKey()) : tr("Move %1 steps").arg(positions.size()),
       [&]() -> tf::Graph::Check {
         doc_->setPositions(moved);
         return {};
       });
}

void PipelineEditor::autoLayout() {
  edit(tr("Arrange steps"), [&]() -> tf::Graph::Check {
    doc_->autoLayout();
    return {};
  });
  canvas_->zoomToReadable();
}

void PipelineEditor::alignSelection(Qt::Orientation o) {
  const QStringList sel = canvas_->selectedSteps();
  if (sel.size() < 2) return;
  const auto pos = doc_->positions();
  double target = 1e300;
  for (const auto& s : sel) {
    const auto& p = pos.at(s.toStdString());
    target = std::min(target, o == Qt::Vertical ? p.x : p.y);
  }
  QMap<QString, QPointF> moved;
  for (const auto& s : sel) {
    const auto& p = pos.at(s.toStdString());
    moved[s] = o == Qt::Vertical ? QPointF(target, p.y) : QPointF(p.x, target);
  }
  moveSteps(moved);
}

void PipelineEditor::copySelection() {
  std::vector<std::string> names;
  for (const auto& s : canvas_->selectedSteps()) names.push_back(s.toStdString());
  if (names.empty()) return;
  QApplication::clipboard()->setText(QString::fromStdString(doc_->copySteps(names)));
  pasteCount_ = 0;
}

bool PipelineEditor::paste() {
  const QString text = QApplication::clipboard()->text();
  std::vector<std::string> added;
  ++pasteCount_;
  const bool ok = edit(tr("Paste"), [&]() -> tf::Graph::Check {
    try {
      added = doc_->paste(text.toStdString(), {40.0 * pasteCount_, 40.0 * pasteCount_});
    } catch (const std::exception& e) {
      return {false, std::string("cannot paste: ") + e.what()};
    }
    return {};
  });
  if (ok) {
    QStringList names;
    for (const auto& a : added) names << QString::fromStdString(a);
    canvas_->selectSteps(names);
  }
  return ok;
}

void PipelineEditor::duplicateSelection() {
  std::vector<std::string> names;
  for (const auto& s : canvas_->selectedSteps()) names.push_back(s.toStdString());
  if (names.empty()) return;
  const std::string text = doc_->copySteps(names);
  std::vector<std::string> added;
  if (edit(tr("Duplicate"), [&]() -> tf::Graph::Check {
        added = doc_->paste(text, {40, 40});
        return {};
      })) {
    QStringList sel;
    for (const auto& a : added) sel << QString::fromStdString(a);
    canvas_->selectSteps(sel);
  }
}

void PipelineEditor::deleteSelection() {
  const QStringList sel = canvas_->selectedSteps();
  if (!sel.isEmpty()) removeSteps(sel);
}

void PipelineEditor::selectAll() {
  QStringList all;
  for (const auto& n : doc_->graph().nodes()) all << QString::fromStdString(n.name);
  canvas_->selectSteps(all);
}

void PipelineEditor::applyText() {
  const std::string text = text_->toPlainText().toStdString();
  if (text == doc_->yaml()) {
    textError_->setVisible(false);
    return;
  }
  cfg::Node before = doc_->raw();
  try {
    doc_->setText(text, doc_->fileName(), doc_->pipelineKey());
  } catch (const tf::LoadError& e) {
    // Unusable text (malformed YAML, no pipeline) waits in the view until it is fixed; the
    // canvas keeps the last good document.
    textError_->setText(tr("Not applied: %1").arg(QString::fromStdString(e.diagnostics().str()).trimmed()));
    textError_->setVisible(true);
    return;
  }
  textError_->setVisible(false);
  if (!(doc_->raw() == before)) undo_->push(new DocCommand(this, tr("Edit YAML text"), std::move(before), doc_->raw(), -1, {}));
  afterChange(true);
}

}  // namespace tf::ui
