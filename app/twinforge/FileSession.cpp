#include "FileSession.h"

#include "PipelineEditor.h"
#include "config/Diagnostics.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>
#include <QUndoStack>

namespace tf::ui {

namespace {
constexpr int kMaxRecent = 10;
const QString kRecentKey = QStringLiteral("recentFiles");

QString autosaveDir() {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/autosave");
}
QString sourceOf(const QString& autosave) { return autosave + QStringLiteral(".source"); }
}  // namespace

FileSession::FileSession(PipelineEditor* editor, QObject* parent) : QObject(parent), editor_(editor) {
  autosave_.setSingleShot(true);
  autosave_.setInterval(3000);
  connect(&autosave_, &QTimer::timeout, this, &FileSession::writeAutosave);
}

bool FileSession::isModified() const { return restoredDirty_ || !editor_->undoStack()->isClean(); }

bool FileSession::open(const QString& path, QString* error) {
  const QString abs = QFileInfo(path).absoluteFilePath();
  QFile f(abs);
  if (!f.open(QIODevice::ReadOnly)) {
    *error = tr("%1: %2").arg(abs, f.errorString());
    return false;
  }
  try {
    editor_->setText(QString::fromUtf8(f.readAll()), abs);
  } catch (const tf::LoadError& e) {
    *error = QString::fromStdString(e.diagnostics().str()).trimmed();
    return false;
  }
  file_ = abs;
  restoredDirty_ = false;
  addRecent(abs);
  return true;
}

bool FileSession::openExampleCopy(const QString& path, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    *error = tr("Could not read the example %1: %2").arg(path, f.errorString());
    return false;
  }
  try {
    editor_->setText(QString::fromUtf8(f.readAll()), QFileInfo(path).fileName());
  } catch (const tf::LoadError& e) {
    *error = QString::fromStdString(e.diagnostics().str());
    return false;
  }
  file_.clear();  // a copy: Save asks where, the example stays as shipped
  restoredDirty_ = true;
  return true;
}

void FileSession::newDocument() {
  editor_->newDocument();
  file_.clear();
  restoredDirty_ = false;
}

bool FileSession::saveAs(const QString& path, QString* error) {
  QSaveFile f(path);  // writes a temporary and renames: a crash never leaves half a file
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) {
    *error = tr("Could not save %1: %2").arg(path, f.errorString());
    return false;
  }
  f.write(QByteArray::fromStdString(editor_->document().yaml()));
  if (!f.commit()) {
    *error = tr("Could not save %1: %2").arg(path, f.errorString());
    return false;
  }
  const QString oldAutosave = autosavePath();
  file_ = QFileInfo(path).absoluteFilePath();
  editor_->setFileName(file_);
  editor_->undoStack()->setClean();
  restoredDirty_ = false;
  discardAutosaves({oldAutosave, autosavePath()});
  addRecent(file_);
  return true;
}

QString FileSession::autosavePath() const {
  const QString key =
      file_.isEmpty()
          ? QStringLiteral("untitled-%1").arg(QCoreApplication::applicationPid())
          : QString::fromLatin1(QCryptographicHash::hash(file_.toUtf8(), QCryptographicHash::Sha1).toHex().left(12));
  return autosaveDir() + QLatin1Char('/') +
         (file_.isEmpty() ? key : QFileInfo(file_).completeBaseName() + QLatin1Char('-') + key) + QStringLiteral(".yaml");
}

QStringList FileSession::pendingAutosaves() {
  QDir dir(autosaveDir());
  QStringList out;
  for (const QString& f : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Time)) out << dir.filePath(f);
  return out;
}

void FileSession::discardAutosaves(const QStringList& files) {
  for (const QString& p : files) {
    QFile::remove(p);
    QFile::remove(sourceOf(p));
  }
}

void FileSession::scheduleAutosave() {
  if (isModified()) autosave_.start();
}

void FileSession::writeAutosave() {
  if (!isModified()) return;
  const QString path = autosavePath();
  QDir().mkpath(QFileInfo(path).absolutePath());
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly)) return;
  f.write(QByteArray::fromStdString(editor_->document().yaml()));
  if (!f.commit()) return;
  QSaveFile src(sourceOf(path));  // which file it belongs to
  if (src.open(QIODevice::WriteOnly)) {
    src.write(file_.toUtf8());
    src.commit();
  }
}

void FileSession::removeAutosave() { discardAutosaves({autosavePath()}); }

bool FileSession::restoreAutosave(const QString& autosaveFile, QString* original, QString* error) {
  QFile f(autosaveFile);
  if (!f.open(QIODevice::ReadOnly)) {
    *error = tr("%1: %2").arg(autosaveFile, f.errorString());
    return false;
  }
  QFile src(sourceOf(autosaveFile));
  *original = src.open(QIODevice::ReadOnly) ? QString::fromUtf8(src.readAll()).trimmed() : QString();
  try {
    editor_->setText(QString::fromUtf8(f.readAll()), original->isEmpty() ? tr("untitled.yaml") : *original);
  } catch (const tf::LoadError& e) {
    *error = tr("The autosaved pipeline %1 cannot be opened:\n%2")
                 .arg(autosaveFile, QString::fromStdString(e.diagnostics().str()));
    return false;
  }
  file_ = *original;
  restoredDirty_ = true;  // not saved to the user's file until they say so
  discardAutosaves({autosaveFile});
  writeAutosave();  // under this session's name, in case of another crash
  return true;
}

QStringList FileSession::recentFiles() const { return QSettings().value(kRecentKey).toStringList(); }

void FileSession::addRecent(const QString& path) {
  QStringList list = recentFiles();
  list.removeAll(path);
  list.prepend(path);
  while (list.size() > kMaxRecent) list.removeLast();
  QSettings().setValue(kRecentKey, list);
  Q_EMIT recentFilesChanged();
}

void FileSession::clearRecent() {
  QSettings().remove(kRecentKey);
  Q_EMIT recentFilesChanged();
}

}  // namespace tf::ui
