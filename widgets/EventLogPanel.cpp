#include "EventLogPanel.h"

#include "exec/Event.h"

#include <QDateTime>
#include <QFontDatabase>

namespace tf::ui {

EventLogPanel::EventLogPanel(QWidget* parent) : QPlainTextEdit(parent) {
  setReadOnly(true);
  setMaximumBlockCount(20000);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setLineWrapMode(QPlainTextEdit::NoWrap);
}

void EventLogPanel::appendLine(const QString& line, bool isError) {
  const QString html = isError ? QStringLiteral("<span style=\"color:#c5221f\">%1</span>").arg(line.toHtmlEscaped())
                               : line.toHtmlEscaped();
  appendHtml(QStringLiteral("<pre style=\"margin:0\">%1</pre>").arg(html));
}

void EventLogPanel::appendEvent(const tf::Event& e) {
  const QString t = QDateTime::fromMSecsSinceEpoch(e.timeMs).toString(QStringLiteral("HH:mm:ss"));
  const QString step = QString::fromStdString(e.step);
  const QString msg = QString::fromStdString(e.message);
  switch (e.type) {
    case Event::Type::RunStarted:
      appendLine(tr("%1  run %2 started: %3 step(s)").arg(t, QString::fromStdString(e.runId)).arg(e.steps.size()));
      break;
    case Event::Type::StepStarted:
      appendLine(tr("%1  [%2] started (%3)").arg(t, step, msg));
      break;
    case Event::Type::Log:
      appendLine(tr("%1  [%2] %3").arg(t, step, msg));
      break;
    case Event::Type::StepFinished:
      appendLine(tr("%1  [%2] finished in %3 s").arg(t, step).arg(e.seconds, 0, 'f', 2));
      break;
    case Event::Type::StepFailed:
      appendLine(tr("%1  [%2] FAILED: %3").arg(t, step, msg), true);
      break;
    case Event::Type::RunFinished:
      appendLine(tr("%1  run finished in %2 s").arg(t).arg(e.seconds, 0, 'f', 2));
      break;
    case Event::Type::RunFailed:
      appendLine(tr("%1  run failed: %2").arg(t, msg), true);
      break;
    case Event::Type::RunCancelled:
      appendLine(tr("%1  run cancelled: %2").arg(t, msg), true);
      break;
    default:
      break;  // progress and metrics show in the step list
  }
}

}  // namespace tf::ui
