// The `serve` configuration file: TOML whose keys are the long names of the `serve` command's
// options (`--public-url` is `public-url = "https://sso.example.com"`). The keys are read from the
// CLI11 option table at run time, so every flag added to `serve` is a key with no further work.
//
// Precedence: a flag on the command line > its environment variable > the file > the default.
// CLI11 has applied the first two when apply_config_file runs; the file fills only options that
// neither set (count() == 0), through the option's own validators and conversions, so a value the
// flag would refuse is refused here too.
//
// Values: a string, integer, float or boolean for single-valued options (booleans for flags), an
// array of those for options taking several values (e.g. `trusted-proxies = ["10.0.0.0/8"]`).
// Tables, unknown keys and keys that are not options of `serve` (`config`, `help`) are refused.
//
// Start-up only; not thread-safe. Errors are std::runtime_error whose message names the file,
// the line and the key.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace ssooidc::server {

// Applies `path` to the options of `command`. Returns how many keys the file set (keys that a
// flag or the environment overrode are not counted). Throws as described above.
int apply_config_file(CLI::App& command, const std::string& path);

// A commented TOML file listing every key of `command` with its description and default: the
// example config installed under share/doc (generated from the same table, so it stays true).
std::string config_example(CLI::App& command);

}  // namespace ssooidc::server
