// Files the server keeps secrets in beside its database (issue 11 item 9), start-up only:
//
//  - the key file: 32 random bytes (base64url, one line) that seal the ID-token signing keys in
//    the database (domain/id_token_issuer.h). SSOOIDC_KEY (the same text) takes precedence;
//    otherwise --key-file, by default the SQLite file's path + ".key" (var/ssooidc.db.key). It is
//    created on first start with mode 0600; an existing one readable by others is made 0600.
//    A PostgreSQL database has no default: SSOOIDC_KEY or --key-file, the same on every replica.
//    With memory: storage nothing persists and a random key is used.
//  - the bootstrap admin password: written to a new 0600 file (by default the SQLite file's path
//    + ".admin-password"), so that it never reaches a service manager's log.
//
// Errors are thrown as std::runtime_error with a message naming the file.
#pragma once

#include <optional>
#include <string>

#include "core/random.h"

namespace ssooidc::server {

// The SQLite file of a storage URL, or nullopt for memory: and other schemes.
std::optional<std::string> sqlite_file_of(const std::string& database_url);

// The key-encryption key (crypto::kSealKeyBytes bytes) for `database_url`, per the rules above.
// `key_file` overrides the default path when not empty.
std::string load_or_create_server_key(const std::string& database_url, const std::string& key_file,
                                      core::Random& random);

// Writes `content` to `path` with mode 0600, replacing a previous file (never through a
// symbolic link), and syncs it.
void write_private_file(const std::string& path, const std::string& content);

// Creates `path` with `content` and mode 0600 only if it does not exist, atomically: false when
// another process (or an earlier start) created it first. Used where replicas start at once.
bool create_private_file(const std::string& path, const std::string& content);

}  // namespace ssooidc::server
