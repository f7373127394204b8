#include "crypto/sigv4.hpp"

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "crypto/sha256.hpp"
#include "test_util.hpp"

using namespace lean;
namespace fs = std::filesystem;

namespace {

// The AWS SigV4 test suite lives in shared/ beside the repository (a fresh clone in CI has
// it there too): <repo>/../shared/testdata/aws-sigv4. LEAN_SIGV4_VECTORS overrides it.
fs::path vectors_dir() {
  if (const char* env = std::getenv("LEAN_SIGV4_VECTORS")) return env;
  return (fs::path(LEAN_TESTDATA_DIR) / ".." / ".." / ".." / "shared" / "testdata" / "aws-sigv4").lexically_normal();
}

struct Case {
  std::string name;
  nlohmann::json context;
  sigv4::Request request;
  std::string body;
};

std::string read(const fs::path& path) { return test::read_all(path.string()); }

Case load_case(const fs::path& dir) {
  Case c;
  c.name = dir.filename().string();
  c.context = nlohmann::json::parse(read(dir / "context.json"));
  std::string raw = read(dir / "request.txt");
  std::size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos > raw.size()) return false;
    auto end = raw.find('\n', pos);
    line = raw.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? raw.size() + 1 : end + 1;
    return true;
  };
  std::string line;
  next_line(line);
  auto first_space = line.find(' ');
  c.request.method = line.substr(0, first_space);
  std::string target = line.substr(first_space + 1, line.rfind(' ') - first_space - 1);
  auto question = target.find('?');
  c.request.path = sigv4::uri_decode(target.substr(0, question));
  if (question != std::string::npos) {
    std::string query = target.substr(question + 1);
    std::size_t start = 0;
    while (start <= query.size()) {
      auto amp = query.find('&', start);
      std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      auto eq = pair.find('=');
      c.request.query.emplace_back(sigv4::uri_decode(pair.substr(0, eq)),
                                   eq == std::string::npos ? "" : sigv4::uri_decode(pair.substr(eq + 1)));
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  while (next_line(line) && !line.empty()) {
    if (line[0] == ' ' || line[0] == '\t') {
      c.request.headers.back().second += " " + line;  // a folded line continues the value
      continue;
    }
    auto colon = line.find(':');
    c.request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  if (pos <= raw.size()) c.body = raw.substr(pos);
  return c;
}

// S3 never normalizes paths: a "normalized" case counts only when normalizing changes nothing.
bool applies_to_s3(const Case& c) {
  if (!c.context.value("normalize", true)) return true;
  const std::string& path = c.request.path;
  return path.find("//") == std::string::npos && path.find("/.") == std::string::npos;
}

std::string authorization_line(const std::string& signed_request) {
  auto at = signed_request.find("Authorization:");
  REQUIRE(at != std::string::npos);
  auto end = signed_request.find('\n', at);
  return signed_request.substr(at + 14, end - at - 14);
}

}  // namespace

TEST_CASE("the AWS SigV4 test suite: canonical request, string to sign, signature, Authorization") {
  const fs::path dir = vectors_dir();
  REQUIRE_MESSAGE(fs::is_directory(dir), "AWS SigV4 vectors not found at " << dir.string());
  int checked = 0, unnormalized = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory() || !fs::exists(entry.path() / "context.json")) continue;
    Case c = load_case(entry.path());
    if (!applies_to_s3(c)) continue;
    CAPTURE(c.name);
    const auto& ctx = c.context;
    sigv4::Credentials credentials{ctx["credentials"]["access_key_id"], ctx["credentials"]["secret_access_key"],
                                   ctx["credentials"].value("token", "")};
    const bool omit_token = ctx.value("omit_session_token", false);
    const sigv4::Scope scope{ctx["region"], ctx["service"]};
    std::string timestamp = ctx["timestamp"];  // "2015-08-30T12:36:00Z"
    std::string date = timestamp.substr(0, 4) + timestamp.substr(5, 2) + timestamp.substr(8, 5) +
                       timestamp.substr(14, 2) + timestamp.substr(17, 2) + "Z";
    c.request.payload_hash = sha256_hex(c.body);
    if (ctx.value("sign_body", false)) c.request.headers.emplace_back("x-amz-content-sha256", c.request.payload_hash);

    // The intermediate results, step by step.
    sigv4::Request unsigned_request = c.request;
    unsigned_request.headers.emplace_back("X-Amz-Date", date);
    if (!credentials.session_token.empty() && !omit_token) {
      unsigned_request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
    }
    const std::string canonical = sigv4::canonical_request(unsigned_request);
    CHECK(canonical == read(entry.path() / "header-canonical-request.txt"));
    const std::string to_sign = sigv4::string_to_sign(canonical, date, scope);
    CHECK(to_sign == read(entry.path() / "header-string-to-sign.txt"));
    CHECK(sigv4::signature(credentials, date, scope, to_sign) == read(entry.path() / "header-signature.txt"));

    // The whole signing, as the S3 client calls it.
    sigv4::Request request = c.request;
    sigv4::Credentials signing = credentials;
    if (omit_token) signing.session_token.clear();  // a token added after signing, unsigned
    sigv4::sign(request, signing, scope, date);
    CHECK(request.headers.back().first == "Authorization");
    CHECK(request.headers.back().second == authorization_line(read(entry.path() / "header-signed-request.txt")));
    ++checked;
    if (!ctx.value("normalize", true)) ++unnormalized;
  }
  CHECK(checked >= 25);
  CHECK(unnormalized >= 6);
}

TEST_CASE("signing again (a retry) replaces the previous signature") {
  sigv4::Request request{"GET", "/bucket/key", {}, {{"host", "s3.example"}}, sha256_hex("")};
  sigv4::Credentials credentials{"AKID", "secret", "token"};
  sigv4::sign(request, credentials, {"us-east-1", "s3"}, "20240101T000000Z");
  sigv4::sign(request, credentials, {"us-east-1", "s3"}, "20240101T000100Z");
  int authorizations = 0, dates = 0, tokens = 0;
  for (const auto& [name, value] : request.headers) {
    authorizations += name == "Authorization";
    dates += name == "X-Amz-Date";
    tokens += name == "X-Amz-Security-Token";
  }
  CHECK(authorizations == 1);
  CHECK(dates == 1);
  CHECK(tokens == 1);
  CHECK(request.headers.back().second.find("SignedHeaders=host;x-amz-date;x-amz-security-token,") != std::string::npos);
}

TEST_CASE("S3 paths are encoded once, never normalized; query values encode '/'") {
  sigv4::Request request{"PUT",
                         "/bucket/models/v1.0/my model+(final).bin",
                         {{"uploadId", "a/b+c="}, {"partNumber", "2"}},
                         {{"host", "h"}},
                         "UNSIGNED-PAYLOAD"};
  CHECK(sigv4::canonical_uri(request) == "/bucket/models/v1.0/my%20model%2B%28final%29.bin");
  CHECK(sigv4::canonical_query(request) == "partNumber=2&uploadId=a%2Fb%2Bc%3D");
  request.path = "/bucket/a/../b//c/./d";
  CHECK(sigv4::canonical_uri(request) == "/bucket/a/../b//c/./d");
  CHECK(sigv4::uri_decode("a%2Fb%2bc%zz%") == "a/b+c%zz%");
}

TEST_CASE("amz_date is UTC in the basic ISO 8601 form") {
  CHECK(sigv4::amz_date(std::chrono::system_clock::from_time_t(1440938160)) == "20150830T123600Z");
}
