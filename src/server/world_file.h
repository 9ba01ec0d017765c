// The declarative test-world file: the users (with passwords), groups, AWS accounts, roles and
// assignments a CI job needs, in one TOML file that `ssooidc-server world apply FILE` and
// `serve --world FILE` load.
//
//   [[users]]      name, password, email (optional), disabled (optional, default false)
//   [[groups]]     name, description (optional), members (optional list of user names)
//   [[accounts]]   id (12 digits), name, email (optional)
//     [[accounts.roles]]  name, session_duration (seconds, default 3600), source ("minted",
//                         default; "static" with access_key_id, secret_access_key,
//                         session_token (optional); "command" with command = [argv...])
//   [[assignments]] user or group, account, role
//
// Loading is additive and idempotent: what the file names is created or brought to the file's
// values; nothing else is touched, and loading the same file again changes nothing. A user who
// exists already keeps their password (only email-less creation takes it; the store has no
// password update), and takes the file's `disabled`.
//
// A malformed file is refused as a whole: the file is parsed and checked completely (syntax, every
// field, every reference against the file and the database) before anything is written, and the
// error names the file, line and field. Unknown keys are errors too (a typo must not pass). A
// storage failure in the middle of applying (a full disk) can leave part of a valid file applied;
// applying it again completes it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/storage.h"

namespace ssooidc::server {

class Application;

// "FILE:LINE:COLUMN: FIELD: what is wrong".
class WorldFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WorldUser {
  std::string name;
  std::string password;
  std::string email;
  bool disabled = false;
  std::string where;  // "FILE:LINE:COLUMN" of the entry, for errors found later
};

struct WorldGroup {
  storage::GroupRecord group;
  std::vector<std::string> members;
  std::string where;
};

struct WorldAssignment {
  storage::AssignmentRecord assignment;
  std::string where;
};

struct World {
  std::vector<WorldUser> users;
  std::vector<WorldGroup> groups;
  std::vector<storage::AccountRecord> accounts;
  std::vector<storage::RoleRecord> roles;
  std::vector<WorldAssignment> assignments;
};

// Parses and checks the file on its own (no database). Throws WorldFileError.
World load_world_file(const std::string& path);

// Checks the world's references against the file and the database, then applies it. Returns how
// many rows it created or changed (0 when the database already matched). Throws WorldFileError for
// a bad reference (nothing written) and std::runtime_error for a storage failure.
std::int64_t apply_world(Application& app, const World& world);

}  // namespace ssooidc::server
