#include "core/temp_names.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <optional>

namespace lean {
namespace fs = std::filesystem;

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  std::string host;
  for (const char* c = name; *c && host.size() < 64; ++c) {
    host += (std::isalnum(static_cast<unsigned char>(*c)) || *c == '.' || *c == '_') ? *c : '_';
  }
  return host.empty() ? "unknown" : host;
}

// The inode number of this process's PID namespace: containers that share a host name (host
// networking) and a registry folder can each have a process of one pid; only within one
// namespace does a pid name one process.
std::string pid_namespace() {
  char link[64] = {};
  const ssize_t n = ::readlink("/proc/self/ns/pid", link, sizeof link - 1);  // "pid:[4026531836]"
  std::string id;
  for (ssize_t i = 0; i < n; ++i) {
    if (std::isdigit(static_cast<unsigned char>(link[i]))) id += link[i];
  }
  return id;
}

// The pid in "p<pid>.<pid namespace>@<host>-..." when the namespace and host are this
// process's; nullopt otherwise (another host's, another container's, or a name without them).
std::optional<pid_t> local_owner(const std::string& rest) {
  const std::string place = "." + pid_namespace() + "@" + host_name() + "-";
  const std::size_t end = rest.find(place);
  if (rest.size() < 2 || rest[0] != 'p' || pid_namespace().empty() || end == std::string::npos || end == 1) {
    return std::nullopt;
  }
  long pid = 0;
  for (std::size_t i = 1; i < end; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(rest[i])) || pid > 100'000'000) return std::nullopt;
    pid = pid * 10 + (rest[i] - '0');
  }
  if (pid <= 0) return std::nullopt;  // kill(0, 0) would ask about our own process group
  return static_cast<pid_t>(pid);
}

// When a temporary last changed: a folder's newest entry, since writing a file inside a
// folder does not change the folder's own time.
std::time_t last_change(const fs::path& path, const struct stat& info) {
  std::time_t newest = info.st_mtime;
  if (!S_ISDIR(info.st_mode)) return newest;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat entry {};
    if (::lstat(it->path().c_str(), &entry) == 0) newest = std::max(newest, entry.st_mtime);
  }
  return newest;
}

}  // namespace

std::string process_owner() { return "p" + std::to_string(::getpid()) + "@" + host_name(); }

std::string temp_owner() {
  const std::string ns = pid_namespace();
  return "p" + std::to_string(::getpid()) + (ns.empty() ? "" : "." + ns) + "@" + host_name() + "-";
}

std::vector<std::string> remove_stale_temps(const std::string& dir, const std::string& prefix, TempKinds kinds) {
  std::vector<std::string> removed;
  std::error_code ec;
  const auto now = std::time(nullptr);
  const std::string own = temp_owner();
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    if (rest.rfind(own, 0) == 0) continue;  // this process's own
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0 || S_ISLNK(info.st_mode)) continue;
    if (kinds == TempKinds::files && !S_ISREG(info.st_mode)) continue;
    const auto unchanged = std::chrono::seconds(now - last_change(it->path(), info));
    bool stale = unchanged > kStaleTempAge;
    if (auto pid = local_owner(rest)) stale = (::kill(*pid, 0) != 0 && errno == ESRCH) || unchanged > kAbandonedTempAge;
    if (!stale) continue;
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);  // does not follow symbolic links inside
    if (!fs::exists(fs::symlink_status(it->path(), ignored))) removed.push_back(it->path().string());
  }
  return removed;
}

}  // namespace lean
