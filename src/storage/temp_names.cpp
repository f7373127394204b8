#include "storage/temp_names.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

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

// The pid in "p<pid>@<host>-..." when <host> is this host; nullopt otherwise.
std::optional<pid_t> local_owner(const std::string& rest) {
  if (rest.size() < 4 || rest[0] != 'p') return std::nullopt;
  const std::size_t at = rest.find('@');
  if (at == std::string::npos || at == 1) return std::nullopt;
  const std::string host = host_name();
  if (rest.compare(at + 1, host.size(), host) != 0 || rest.size() <= at + 1 + host.size() ||
      rest[at + 1 + host.size()] != '-') {
    return std::nullopt;
  }
  long pid = 0;
  for (std::size_t i = 1; i < at; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(rest[i])) || pid > 100'000'000) return std::nullopt;
    pid = pid * 10 + (rest[i] - '0');
  }
  return static_cast<pid_t>(pid);
}

}  // namespace

std::string temp_owner() { return "p" + std::to_string(::getpid()) + "@" + host_name() + "-"; }

std::vector<std::string> remove_stale_temps(const std::string& dir, const std::string& prefix) {
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
    bool stale = now - info.st_mtime > std::chrono::duration_cast<std::chrono::seconds>(kStaleTempAge).count();
    if (auto pid = local_owner(rest)) stale = ::kill(*pid, 0) != 0 && errno == ESRCH;
    if (!stale) continue;
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);  // does not follow symbolic links inside
    if (!fs::exists(fs::symlink_status(it->path(), ignored))) removed.push_back(it->path().string());
  }
  return removed;
}

}  // namespace lean
