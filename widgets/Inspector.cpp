#include "Inspector.h"

#include "pipeline/Document.h"
#include "pipeline/PipelineLoader.h"
#include "registry/Registry.h"
#include "registry/Schema.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>
#include <QVBoxLayout>

namespace tf::ui {

namespace {

// One-line YAML for an editor: scalars as themselves, lists and mappings in flow style.
QString flowText(const cfg::Node& n) {
  switch (n.kind()) {
    case cfg::Node::Kind::Null: return {};
    case cfg::Node::Kind::Scalar: return QString::fromStdString(n.text());
    case cfg::Node::Kind::Sequence: {
      QStringList parts;
      for (const auto& i : n.items()) parts << flowText(i);
      return QStringLiteral("[") + parts.join(QStringLiteral(", ")) + QStringLiteral("]");
    }
    case cfg::Node::Kind::Map: {
      QStringList parts;
      for (const auto& [k, v] : n.entries()) parts << QString::fromStdString(k) + QStringLiteral(": ") + flowText(v);
      return QStringLiteral("{") + parts.join(QStringLiteral(", ")) + QStringLiteral("}");
    }
  }
  return {};
}

const cfg::Node* argsOfComponent(const cfg::Node* n) { return n ? tf::syntax::argumentsNode(*n) : nullptr; }

const cfg::Node* walk(const cfg::Node* args, const QString& path) {
  const QStringList parts = path.split('.');
  const cfg::Node* cur = args;
  for (int i = 0; cur && i < parts.size(); ++i) {
    if (i > 0) cur = argsOfComponent(cur);
    cur = cur ? cur->find(parts[i].toStdString()) : nullptr;
  }
  return cur;
}

constexpr const char* kError = "QLineEdit{border:1px solid #d62728;background:#fff3f3;}";

}  // namespace

Inspector::Inspector(const tf::Registry& reg, QWidget* parent) : QScrollArea(parent), reg_(reg) {
  setObjectName(QStringLiteral("inspector"));
  setWidgetResizable(true);
  build();
}

void Inspector::setDocument(const tf::PipelineDocument* doc) {
  doc_ = doc;
  step_.clear();
  build();
}

void Inspector::showStep(const QString& step) {
  step_ = step;
  build();
}

void Inspector::refresh() {
  // Keep typing where it was when the document changes under an editor that has focus.
  QString focused;
  for (auto it = rows_.begin(); it != rows_.end(); ++it)
    if (it->editor && it->editor->hasFocus()) focused = it.key();
  if (doc_ && !step_.isEmpty() && !doc_->graph().node(step_.toStdString())) step_.clear();
  build();
  if (QWidget* w = editorFor(focused)) w->setFocus();
}

QWidget* Inspector::editorFor(const QString& path) const { return rows_.value(path).editor; }

QString Inspector::messageFor(const QString& path) const {
  const Row r = rows_.value(path);
  return r.message && !r.message->isHidden() ? r.message->text() : QString();
}

QString Inspector::valueOf(const QString& path) const {
  if (!doc_ || step_.isEmpty()) return {};
  const tf::Step* s = doc_->loaded().pipeline.step(step_.toStdString());
  if (!s) return {};
  if (const cfg::Node* v = walk(&s->params, path)) return flowText(*v);
  const Row r = rows_.value(path);
  return r.spec ? QString::fromStdString(r.spec->defaultValue) : QString();
}

bool Inspector::edit(const QString& path, const QString& text) {
  Row r = rows_.value(path);
  if (auto* le = qobject_cast<QLineEdit*>(r.editor)) {
    le->setText(text);
    Q_EMIT le->textEdited(text);
    Q_EMIT le->editingFinished();
    return messageFor(path).isEmpty();
  }
  if (auto* cb = qobject_cast<QComboBox*>(r.editor)) {
    const int i = cb->findText(text);
    if (i < 0) return false;
    cb->setCurrentIndex(i);
    Q_EMIT cb->activated(i);
    return true;
  }
  if (auto* ch = qobject_cast<QCheckBox*>(r.editor)) {
    ch->setChecked(text == QLatin1String("true"));
    Q_EMIT ch->clicked(ch->isChecked());
    return true;
  }
  return false;
}

cfg::Node Inspector::parse(const tf::ParamSpec* spec, const QString& text, QString* error) const {
  const std::string t = text.trimmed().toStdString();
  const bool plainString = spec && (spec->type == tf::ParamType::String || spec->type == tf::ParamType::Path ||
                                    spec->type == tf::ParamType::Enum);
  if (plainString && t.find("${") == std::string::npos) return cfg::Node::scalar(t);
  try {
    return cfg::parseYamlValue(t, cfg::Location{"inspector", 0, 0});
  } catch (const cfg::ParseError& e) {
    if (error) *error = QString::fromStdString(e.message);
  }
  return {};
}

bool Inspector::validate(const QString& path, const QString& text) {
  Row& r = rows_[path];
  QString err;
  if (!text.trimmed().isEmpty()) {
    const cfg::Node v = parse(r.spec, text, &err);
    if (err.isEmpty() && doc_) {
      const auto diags = doc_->checkParam(step_.toStdString(), path.toStdString(), v);
      for (const auto& d : diags)
        if (d.severity == tf::Diagnostic::Severity::Error) {
          err = QString::fromStdString(d.message);
          break;
        }
    }
  } else if (r.spec && r.spec->required) {
    err = tr("required: expects %1").arg(QString::fromStdString(r.spec->expectation()));
  }
  if (r.message) {
    r.message->setText(err);
    r.message->setVisible(!err.isEmpty());
  }
  if (auto* le = qobject_cast<QLineEdit*>(r.editor)) le->setStyleSheet(err.isEmpty() ? QString() : QLatin1String(kError));
  return err.isEmpty();
}

void Inspector::commitText(const QString& path, const QString& text) {
  const Row r = rows_.value(path);
  if (text == r.committed) return;
  if (!validate(path, text)) return;  // the message stays; nothing invalid reaches the file
  const QString step = step_;
  if (text.trimmed().isEmpty()) {
    Q_EMIT paramReset(step, path);
    return;
  }
  QString err;
  const cfg::Node v = parse(r.spec, text, &err);
  Q_EMIT paramEdited(step, path, v);
}

QWidget* Inspector::makeEditor(const tf::ParamSpec& p, const QString& path, const cfg::Node* value) {
  const QString text = value ? flowText(*value) : QString();
  const bool expression = text.contains(QLatin1String("${"));
  if (p.type == tf::ParamType::Bool && !expression) {
    auto* cb = new QCheckBox;
    const bool def = p.defaultValue == "true";
    cb->setChecked(value ? value->asBool().value_or(def) : def);
    connect(cb, &QCheckBox::clicked, this, [this, path](bool on) {
      Q_EMIT paramEdited(step_, path, cfg::Node::scalar(on ? "true" : "false"));
    });
    return cb;
  }
  if (p.type == tf::ParamType::Enum && !expression) {
    auto* cb = new QComboBox;
    for (const auto& c : p.choices) cb->addItem(QString::fromStdString(c));
    cb->setCurrentText(value ? text : QString::fromStdString(p.defaultValue));
    connect(cb, &QComboBox::activated, this, [this, path, cb](int) {
      Q_EMIT paramEdited(step_, path, cfg::Node::scalar(cb->currentText().toStdString()));
    });
    return cb;
  }
  auto* le = new QLineEdit(text);
  le->setPlaceholderText(p.defaultValue.empty() ? tr("(not set)") : QString::fromStdString(p.defaultValue));
  le->setClearButtonEnabled(true);
  connect(le, &QLineEdit::textEdited, this, [this, path](const QString& t) { validate(path, t); });
  connect(le, &QLineEdit::editingFinished, this, [this, path, le] { commitText(path, le->text()); });
  if (p.type != tf::ParamType::Path) return le;
  // Paths: a file chooser beside the text.
  auto* box = new QWidget;
  auto* h = new QHBoxLayout(box);
  h->setContentsMargins(0, 0, 0, 0);
  h->addWidget(le);
  auto* browse = new QToolButton;
  browse->setText(QStringLiteral("…"));
  browse->setToolTip(tr("Choose a file"));
  connect(browse, &QToolButton::clicked, this, [this, path, le] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Choose a file"), le->text(), {}, nullptr,
                                                   QFileDialog::DontConfirmOverwrite);
    if (f.isEmpty()) return;
    le->setText(f);
    commitText(path, f);
  });
  h->addWidget(browse);
  box->setFocusProxy(le);
  rows_[path].editor = le;  // the line edit is what takes text
  return box;
}

void Inspector::addParams(QGridLayout* grid, int& row, const tf::ComponentInfo& info, const cfg::Node* args,
                          const QString& prefix, int depth) {
  const tf::Step* resolved = doc_ ? doc_->loaded().pipeline.step(step_.toStdString()) : nullptr;
  for (const auto& p : info.params) {
    const QString path = prefix + QString::fromStdString(p.name);
    const cfg::Node* value = args ? args->find(p.name) : nullptr;
    auto* label = new QLabel(QString(depth * 2, ' ') + QString::fromStdString(p.name));
    label->setToolTip(QStringLiteral("%1\nexpects %2")
                          .arg(QString::fromStdString(p.doc), QString::fromStdString(p.expectation())));
    if (p.required) label->setText(label->text() + QStringLiteral(" *"));
    Row& r = rows_[path];
    r.spec = &p;
    r.committed = value ? flowText(*value) : QString();
    QWidget* w = nullptr;
    if (p.type == tf::ParamType::Component) {
      // A nested component: pick its class, then edit its own parameters below.
      auto* cb = new QComboBox;
      const std::string current = value && value->isMap() ? tf::classPathOf(*value) : std::string();
      std::string def;
      try {
        def = tf::classPathOf(cfg::parseYamlValue(p.defaultValue.empty() ? "{}" : p.defaultValue, {}));
      } catch (const cfg::ParseError&) {
      }
      for (const auto* c : reg_.all())
        if (c->kind == tf::ComponentInfo::Kind::Object && (p.objectKind.empty() || c->objectKind == p.objectKind))
          cb->addItem(QString::fromStdString(c->classPath));
      cb->setCurrentText(QString::fromStdString(current.empty() ? def : current));
      connect(cb, &QComboBox::activated, this, [this, path, cb](int) {
        Q_EMIT paramEdited(step_, path, tf::syntax::makeComponent(cb->currentText().toStdString()));
      });
      w = cb;
      r.editor = cb;
    } else {
      w = makeEditor(p, path, value);
      if (!r.editor) r.editor = w;
    }
    if (value && flowText(*value).contains(QLatin1String("${")) && resolved)
      if (const cfg::Node* rv = walk(&resolved->params, path))
        w->setToolTip(tr("= %1 (from the file's values)").arg(flowText(*rv)));
    if (!value) w->setProperty("isDefault", true);
    auto* unit = new QLabel(QString::fromStdString(p.unit));
    auto* reset = new QToolButton;
    reset->setText(QStringLiteral("↺"));
    reset->setToolTip(value ? tr("Reset to the default (%1)").arg(QString::fromStdString(p.defaultValue.empty() ? "none" : p.defaultValue))
                            : tr("At its default"));
    reset->setEnabled(value != nullptr);
    reset->setAutoRaise(true);
    connect(reset, &QToolButton::clicked, this, [this, path] { Q_EMIT paramReset(step_, path); });
    grid->addWidget(label, row, 0);
    grid->addWidget(w, row, 1);
    grid->addWidget(unit, row, 2);
    grid->addWidget(reset, row, 3);
    ++row;
    r.message = new QLabel;
    r.message->setWordWrap(true);
    r.message->setStyleSheet(QStringLiteral("color:#c5221f;"));
    r.message->setVisible(false);
    grid->addWidget(r.message, row++, 1, 1, 3);
    // Diagnostics the document already has for this value.
    if (doc_)
      for (const auto& d : doc_->loaded().diagnostics.all())
        if (d.severity == tf::Diagnostic::Severity::Error && d.key == (step_ + "." + path).toStdString()) {
          r.message->setText(QString::fromStdString(d.message));
          r.message->setVisible(true);
        }
    if (p.type == tf::ParamType::Component && depth < 2) {
      const std::string cp = value && value->isMap() ? tf::classPathOf(*value) : std::string();
      const tf::ComponentInfo* nested = reg_.find(cp);
      if (!nested && !value) {
        try {
          nested = reg_.find(tf::classPathOf(cfg::parseYamlValue(p.defaultValue.empty() ? "{}" : p.defaultValue, {})));
        } catch (const cfg::ParseError&) {
        }
      }
      if (nested) addParams(grid, row, *nested, argsOfComponent(value), path + QStringLiteral("."), depth + 1);
    }
  }
}

void Inspector::build() {
  rows_.clear();
  auto* body = new QWidget;
  auto* v = new QVBoxLayout(body);
  v->setContentsMargins(8, 8, 8, 8);
  const tf::Graph::Node* node = doc_ && !step_.isEmpty() ? doc_->graph().node(step_.toStdString()) : nullptr;
  if (!node) {
    auto* hint = new QLabel(tr("Select a step on the canvas to edit its parameters."));
    hint->setWordWrap(true);
    hint->setStyleSheet(QStringLiteral("color:#777;"));
    v->addWidget(hint);
    v->addStretch();
    setWidget(body);
    body_ = body;
    return;
  }
  auto* nameRow = new QHBoxLayout;
  nameRow->addWidget(new QLabel(tr("Step")));
  auto* name = new QLineEdit(step_);
  name->setObjectName(QStringLiteral("stepName"));
  name->setToolTip(tr("The step's name: what links and the YAML use. Letters, digits, '_' and '-'."));
  connect(name, &QLineEdit::editingFinished, this, [this, name] {
    if (name->text() != step_) Q_EMIT renameRequested(step_, name->text());
  });
  nameRow->addWidget(name);
  v->addLayout(nameRow);
  auto* title = new QLabel(QStringLiteral("<b>%1</b>").arg(QString::fromStdString(node->classPath).toHtmlEscaped()));
  title->setTextInteractionFlags(Qt::TextSelectableByMouse);
  v->addWidget(title);
  if (!node->info) {
    auto* warn = new QLabel(tr("No loaded plugin provides this component. Its settings are kept exactly as "
                               "written and saved unchanged."));
    warn->setWordWrap(true);
    warn->setStyleSheet(QStringLiteral("color:#8a1c1c;"));
    v->addWidget(warn);
    for (const auto& [k, val] : doc_->settings(step_.toStdString())) {
      auto* l = new QLabel(QString::fromStdString(k) + QStringLiteral(": ") + flowText(*val));
      l->setWordWrap(true);
      v->addWidget(l);
    }
    v->addStretch();
    setWidget(body);
    body_ = body;
    return;
  }
  auto* doc = new QLabel(QString::fromStdString(node->info->doc));
  doc->setWordWrap(true);
  doc->setStyleSheet(QStringLiteral("color:#555;"));
  v->addWidget(doc);
  auto* grid = new QGridLayout;
  grid->setColumnStretch(1, 1);
  grid->setVerticalSpacing(2);
  int row = 0;
  addParams(grid, row, *node->info, doc_->rawArguments(step_.toStdString()), {}, 0);
  v->addLayout(grid);
  v->addStretch();
  setWidget(body);  // deletes the previous body
  body_ = body;
}

}  // namespace tf::ui
