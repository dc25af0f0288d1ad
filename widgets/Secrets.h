// Passphrases of cluster profiles' identity files in the OS keyring (qtkeychain: the Secret
// Service of GNOME/KDE, or KWallet) — the only place TwinForge keeps a secret. Calls wait for the
// keyring (a D-Bus round trip) for at most a few seconds.
#pragma once

#include <QString>

namespace tf::ui::secrets {

// Stores the passphrase for `profile`; false and `error` when no keyring answers.
bool storePassphrase(const QString& profile, const QString& passphrase, QString* error = nullptr);
// The stored passphrase, or empty (none stored, or no keyring: `error` says which went wrong).
QString passphrase(const QString& profile, QString* error = nullptr);
bool forgetPassphrase(const QString& profile, QString* error = nullptr);

}  // namespace tf::ui::secrets
