#include "storage/s3_credentials.hpp"

#include <cstdio>

#include "core/environment.hpp"

namespace lean::s3 {
namespace {

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  auto end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

std::optional<sigv4::Credentials> parse_shared_credentials(std::string_view text, const std::string& profile) {
  sigv4::Credentials found;
  bool in_profile = false;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string line = trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      in_profile = trim(std::string_view(line).substr(1, line.size() - 2)) == profile;
      continue;
    }
    const auto eq = line.find('=');
    if (!in_profile || eq == std::string::npos) continue;
    const std::string key = trim(std::string_view(line).substr(0, eq));
    const std::string value = trim(std::string_view(line).substr(eq + 1));
    if (key == "aws_access_key_id") found.access_key_id = value;
    if (key == "aws_secret_access_key") found.secret_access_key = value;
    if (key == "aws_session_token") found.session_token = value;
  }
  if (found.access_key_id.empty() || found.secret_access_key.empty()) return std::nullopt;
  return found;
}

std::optional<sigv4::Credentials> shared_credentials() {
  std::string path = environment_variable("AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty()) {
    const std::string home = environment_variable("HOME");
    if (home.empty()) return std::nullopt;
    path = home + "/.aws/credentials";
  }
  std::string profile = environment_variable("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return std::nullopt;
  std::string text;
  char block[4096];
  while (const std::size_t n = std::fread(block, 1, sizeof block, file)) text.append(block, n);
  std::fclose(file);
  return parse_shared_credentials(text, profile);
}

}  // namespace lean::s3
