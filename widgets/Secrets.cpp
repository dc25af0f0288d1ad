#include "Secrets.h"

#include <qt6keychain/keychain.h>

#include <QEventLoop>
#include <QTimer>

namespace tf::ui::secrets {

namespace {

const QString kService = QStringLiteral("TwinForge");

QString keyOf(const QString& profile) { return QStringLiteral("ssh-passphrase/") + profile; }

// Runs a keychain job to its end, or gives up after 10 s (the job then finishes, and deletes
// itself, on its own). True when it succeeded; `text`: a read job's answer.
bool finish(QKeychain::Job* job, QString* error, bool missingIsOk = false, QString* text = nullptr) {
  job->setAutoDelete(true);
  job->setInsecureFallback(false);  // never a plain file
  struct Result {
    bool done = false;
    QKeychain::Error code = QKeychain::OtherError;
    QString message, text;
  } r;
  QEventLoop loop;
  QObject::connect(job, &QKeychain::Job::finished, &loop, [&r, &loop, job] {
    r.done = true;
    r.code = job->error();
    r.message = job->errorString();
    if (auto* read = qobject_cast<QKeychain::ReadPasswordJob*>(job)) r.text = read->textData();
    loop.quit();
  });
  QTimer::singleShot(10000, &loop, &QEventLoop::quit);
  job->start();
  if (!r.done) loop.exec();
  if (r.done && r.code == QKeychain::NoError) {
    if (text) *text = r.text;
    return true;
  }
  if (r.done && missingIsOk && r.code == QKeychain::EntryNotFound) return true;
  if (error)
    *error = QObject::tr("the OS keyring is not available (%1); unlock the key with ssh-agent instead")
                 .arg(!r.done ? QObject::tr("no answer in 10 s") : r.message);
  return false;
}

}  // namespace

bool storePassphrase(const QString& profile, const QString& passphrase, QString* error) {
  auto* job = new QKeychain::WritePasswordJob(kService);
  job->setKey(keyOf(profile));
  job->setTextData(passphrase);
  return finish(job, error);
}

QString passphrase(const QString& profile, QString* error) {
  auto* job = new QKeychain::ReadPasswordJob(kService);
  job->setKey(keyOf(profile));
  QString text;
  return finish(job, error, true, &text) ? text : QString();
}

bool forgetPassphrase(const QString& profile, QString* error) {
  auto* job = new QKeychain::DeletePasswordJob(kService);
  job->setKey(keyOf(profile));
  return finish(job, error, true);
}

}  // namespace tf::ui::secrets
