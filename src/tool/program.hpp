// Finding a tool's executable, once, when the tool is loaded (internal).
//
// Why at load and not posix_spawnp at each run: a missing or non-executable
// program is a config problem that `raven check-config` must report, and the
// program that runs should be the one that was checked. A bare name is looked
// up on the tool's own PATH (never Raven's, which differs between a shell and
// a service manager); relative PATH entries ("", ".") are skipped so that
// Raven's working directory never decides what runs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace raven::tool::detail {

// The absolute path of `program` (an absolute path, or a bare name looked up
// in `path_var`, a PATH value). On failure returns nullopt and sets `error`
// to a sentence saying which ("/opt/x does not exist", "\"x\" was not found
// on PATH (/usr/bin:/bin)", "… is not executable"). Reads the file system.
std::optional<std::string> resolve_program(const std::string& program, std::string_view path_var,
                                           std::string* error = nullptr);

}  // namespace raven::tool::detail
