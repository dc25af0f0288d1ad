// The log dock: a run's log lines, step transitions and the runner's own output, newest last,
// with errors in red. Bounded so a chatty run cannot eat the machine's memory.
#pragma once

#include <QPlainTextEdit>

namespace tf {
struct Event;
}

namespace tf::ui {

class EventLogPanel : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit EventLogPanel(QWidget* parent = nullptr);
  void appendEvent(const tf::Event& e);
  void appendLine(const QString& line, bool isError = false);
};

}  // namespace tf::ui
