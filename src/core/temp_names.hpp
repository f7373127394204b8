#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace lean {

// Temporary files and folders (docs/hardening.md, "Crashes") carry their owner in their
// name, "p<pid>.<pid namespace>@<host>-", so a later run can tell a dead process's leftovers
// from a live process's work in progress: `kill -9` runs no cleanup, the next run of the
// same kind does.
std::string temp_owner();
// "p<pid>@<host>": who holds a lock, for the message of a writer that waits for it.
std::string process_owner();

// A leftover of another run may go once its owner is a dead process on this host, or (for an
// owner elsewhere, or a name without one) once it has not changed for this long: a live
// writer keeps changing it.
inline constexpr std::chrono::hours kStaleTempAge{1};
// Nor does a live owner keep one forever: its pid may have been reused by a process that
// never wrote it, and no run leaves a temporary unchanged for a day.
inline constexpr std::chrono::hours kAbandonedTempAge{24};

// Removes the entries of folder `dir` whose names start with `prefix` and that are stale,
// never following a symbolic link: files, and folders too unless `kinds` says files only
// (a writer that never makes folders leaves none). Errors are ignored: a leftover that
// cannot go now goes on a later run. Returns the paths it removed.
enum class TempKinds { files, files_and_folders };
std::vector<std::string> remove_stale_temps(const std::string& dir, const std::string& prefix,
                                            TempKinds kinds = TempKinds::files_and_folders);

}  // namespace lean
